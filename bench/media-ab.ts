/**
 * A/B of the media engine: two (or more) copies of `src/` in ONE process, measured
 * alternately — for changes worth a few percent, which the run-to-run spread of
 * `media-sessions.ts` (separate processes, ±10–20 % on this shared machine) hides.
 *
 * Each copy gets N CallMedia on its own MediaClock. Round after round, for each copy in
 * turn: every call starts recording to a fresh WAV and plays a long prompt, a generator
 * process sends each call 50 RTP packets/s (the calls send theirs back to it), and this
 * process's CPU (all threads, `process.cpuUsage`) is measured for S seconds; then the
 * copy stops and the next one runs. Reports the median per copy and each round's values.
 *
 *   git worktree add /tmp/voxmail-base <commit>          # the "before"
 *   npx tsx bench/media-ab.ts /tmp/voxmail-base/src src  # copies of src/, the first is the reference
 *
 * Environment: BENCH_AB_N=1000 calls per copy, BENCH_AB_ROUNDS=8, BENCH_AB_SECONDS=4,
 * BENCH_AB_PLAY_ONLY=1 (send side alone: no generator, no recording).
 * RTP ports: 40000 + 2500 × copy index (each copy a range of 2,500).
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HOST = '127.0.0.1';
const N = Number(process.env.BENCH_AB_N ?? 1000);
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 8);
const SECONDS = Number(process.env.BENCH_AB_SECONDS ?? 4);
const PLAY_ONLY = process.env.BENCH_AB_PLAY_ONLY === '1';

type GenIn = { t: 'start'; targets: number[] } | { t: 'stop' };
type GenOut = { t: 'ports'; ports: number[] } | { t: 'started' } | { t: 'stopped' };

/** The generator: N sockets, one packet per socket every 20 ms to the targets. */
async function generator(): Promise<void> {
  const socks: dgram.Socket[] = [];
  for (let i = 0; i < N; i++) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, HOST, () => r()));
    s.on('message', () => undefined);
    socks.push(s);
  }
  const bufs = socks.map((_, i) => {
    const b = Buffer.alloc(172, 0x7f);
    b[0] = 0x80; // V=2, PT 0
    b[1] = 0;
    b.writeUInt32BE(0x1000 + i, 8);
    return b;
  });
  let timer: NodeJS.Timeout | null = null;
  let seq = 0;
  let ts = 0;
  const send = (m: GenOut): void => {
    process.send!(m);
  };
  process.on('message', (m: GenIn) => {
    if (m.t === 'stop') {
      if (timer) clearInterval(timer);
      timer = null;
      send({ t: 'stopped' });
      return;
    }
    const targets = m.targets;
    timer = setInterval(() => {
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
      for (let i = 0; i < N; i++) {
        const b = bufs[i]!;
        b.writeUInt16BE(seq, 2);
        b.writeUInt32BE(ts, 4);
        socks[i]!.send(b, 0, b.length, targets[i], HOST);
      }
    }, 20);
    send({ t: 'started' });
  });
  send({ t: 'ports', ports: socks.map((s) => s.address().port) });
}

interface Call {
  readonly localPort: number;
  play(p: Int16Array): Promise<unknown>;
  stopPlaying(): void;
  startRecording(path: string, o: { maxDurationMs: number }): Promise<unknown>;
  stopRecording(): Promise<unknown>;
}

async function main(roots: string[]): Promise<void> {
  const gen = fork(fileURLToPath(import.meta.url), ['--generator'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T extends GenOut['t']>(t: T): Promise<Extract<GenOut, { t: T }>> =>
    new Promise((r) => {
      const on = (m: GenOut): void => {
        if (m.t !== t) return;
        gen.off('message', on);
        r(m as Extract<GenOut, { t: T }>);
      };
      gen.on('message', on);
    });
  const { ports } = await next('ports');
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-media-ab-'));
  const copies: { name: string; calls: Call[]; prompt: Int16Array }[] = [];
  for (const [b, root] of roots.entries()) {
    const mod = (p: string): Promise<Record<string, unknown>> => import(pathToFileURL(join(resolve(root), p)).href) as Promise<Record<string, unknown>>;
    const { systemClock } = (await mod('shared/clock.ts')) as { systemClock: unknown };
    const { silentLogger } = (await mod('shared/logger.ts')) as { silentLogger: () => unknown };
    const { MediaClock } = (await mod('media/media-clock.ts')) as { MediaClock: new (o: object) => unknown };
    const { CallMedia } = (await mod('media/call-media.ts')) as { CallMedia: { open(o: object): Promise<{ ok: boolean; value: Call; error: { message: string } }> } };
    const { PortAllocator } = (await mod('media/rtp/port-allocator.ts')) as { PortAllocator: new (o: object) => unknown };
    const { tone } = (await mod('media/audio/tone.ts')) as { tone: (o: object) => Int16Array };
    const mediaClock = new MediaClock({ clock: systemClock });
    const allocator = new PortAllocator({ min: 40000 + b * 2500, max: 40000 + b * 2500 + 2499 });
    const calls: Call[] = [];
    for (let i = 0; i < N; i++) {
      const r = await CallMedia.open({ allocator, localAddress: HOST, codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101, ptime: 20, remote: { address: HOST, port: ports[i] }, mediaClock, clock: systemClock, logger: silentLogger() });
      if (!r.ok) throw new Error(r.error.message);
      calls.push(r.value);
    }
    copies.push({ name: `${String(b)}:${root}`, calls, prompt: tone({ frequency: 440, durationMs: 600_000, amplitude: 0.3 }) });
  }
  const keepAlive = setInterval(() => undefined, 1000); // the media clock's timers are unref'd
  const results = new Map<string, number[]>();
  let k = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const copy of copies) {
      if (!PLAY_ONLY) await Promise.all(copy.calls.map((c, i) => c.startRecording(join(dir, `${String(k)}-${String(i)}.wav`), { maxDurationMs: 600_000 })));
      k++;
      for (const c of copy.calls) void c.play(copy.prompt);
      if (!PLAY_ONLY) {
        gen.send({ t: 'start', targets: copy.calls.map((c) => c.localPort) } satisfies GenIn);
        await next('started');
      }
      await new Promise((r) => setTimeout(r, 1000));
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      await new Promise((r) => setTimeout(r, SECONDS * 1000));
      const used = process.cpuUsage(c0);
      const pct = ((used.user + used.system) / 1e6 / ((performance.now() - w0) / 1000)) * 100;
      if (!PLAY_ONLY) {
        gen.send({ t: 'stop' } satisfies GenIn);
        await next('stopped');
      }
      for (const c of copy.calls) c.stopPlaying();
      await new Promise((r) => setTimeout(r, 100));
      if (!PLAY_ONLY) await Promise.all(copy.calls.map((c) => c.stopRecording()));
      results.set(copy.name, [...(results.get(copy.name) ?? []), pct]);
      console.error(`round ${String(round + 1)} ${copy.name}: ${pct.toFixed(1)}%`);
    }
  }
  clearInterval(keepAlive);
  gen.kill();
  rmSync(dir, { recursive: true, force: true });
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  const ref = median(results.values().next().value ?? []);
  console.log(`\n${PLAY_ONLY ? 'CallMedia send side (play only)' : 'CallMedia: receive + record + play + send'}, ${String(N)} calls, CPU % of a core (this process, ${String(SECONDS)} s × ${String(ROUNDS)} rounds):`);
  for (const [name, v] of results) {
    console.log(`  ${name}: median ${median(v).toFixed(1)}% (${(median(v) / ref).toFixed(2)}× the first)  rounds: ${v.map((x) => x.toFixed(1)).join(' ')}`);
  }
  process.exit(0);
}

if (process.argv[2] === '--generator') {
  await generator();
} else {
  const roots = process.argv.slice(2);
  if (roots.length < 2) {
    console.error('usage: npx tsx bench/media-ab.ts SRC_A SRC_B [...]   (paths of src/ copies; the first is the reference)');
    process.exit(2);
  }
  await main(roots);
}
