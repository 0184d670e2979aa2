/**
 * Media worker threads (`media.workers ≥ 1`): real threads, real UDP on loopback. A call
 * placed in a worker plays a prompt sample-exact, records what it is sent sample-exact,
 * reports RFC 4733 digits, keeps its ports in its worker's slice of the range; a killed
 * worker fails its calls (plays aborted, recording error, onFailure) and is restarted.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeUlaw, encodeUlaw } from '../../../src/media/codec/g711.js';
import { parseWav } from '../../../src/media/audio/wav.js';
import { parseRtp, serializeRtp } from '../../../src/media/rtp/packet.js';
import { SPARE_PAIRS } from '../../../src/media/worker/media-worker-host.js';
import { MediaWorkerPool } from '../../../src/media/worker/worker-pool.js';
import type { RemoteCallMedia } from '../../../src/media/worker/remote-call-media.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { waitFor } from '../../support/wait.js';
import { randomRtpRange } from '../../support/voxmail.js';

const HOST = '127.0.0.1';

/** A peer: a UDP socket that collects what it receives. */
async function peer(): Promise<{ socket: dgram.Socket; port: number; packets: Buffer[]; close: () => Promise<void> }> {
  const socket = dgram.createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (m) => packets.push(m));
  await new Promise<void>((r) => socket.bind(0, HOST, () => r()));
  return { socket, port: socket.address().port, packets, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

function ramp(n: number, seed: number): Int16Array {
  const a = new Int16Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.round(8000 * Math.sin((i + seed) / 7));
  return a;
}

describe('media worker pool', () => {
  let pool: MediaWorkerPool;
  let dir: string;
  let range: { portMin: number; portMax: number };

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'voxmail-media-workers-'));
    range = await randomRtpRange();
    pool = await MediaWorkerPool.start({ workers: 2, portMin: range.portMin, portMax: range.portMax, logLevel: 'silent', logger: silentLogger(), nice: -3 });
  });

  test('the worker threads are named vx-media-N and run at the configured niceness (root here)', async () => {
    // /proc/self/task/<tid>/comm is the thread name; field 19 of its stat is the niceness.
    const tasks = await readdir('/proc/self/task');
    const media = new Map<string, number>();
    for (const tid of tasks) {
      const comm = (await readFile(`/proc/self/task/${tid}/comm`, 'utf8')).trim();
      if (!comm.startsWith('vx-media-')) continue;
      const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      media.set(comm, Number(fields[16])); // field 19 overall: the 17th after "(comm) "
    }
    assert.deepEqual([...media.keys()].sort(), ['vx-media-0', 'vx-media-1'], `media threads: ${[...media.keys()].join(', ')}`);
    for (const [name, nice] of media) assert.equal(nice, -3, `${name} runs at nice ${String(nice)}`);
    const main = await readFile(`/proc/self/task/${String(process.pid)}/stat`, 'utf8');
    const mainNice = Number(main.slice(main.lastIndexOf(')') + 2).split(' ')[16]);
    assert.notEqual(mainNice, -3, 'the main thread keeps its own priority');
  });
  after(async () => {
    await pool?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = async (remotePort: number): Promise<RemoteCallMedia> => {
    const r = await pool.open({
      codec: 'PCMU',
      payloadType: 0,
      telephoneEventPayloadType: 101,
      ptime: 20,
      remote: { address: HOST, port: remotePort },
      localAddress: HOST,
      logger: silentLogger(),
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value as RemoteCallMedia;
  };

  test('calls spread over the workers, each port within its worker’s slice', async () => {
    const p = await peer();
    const calls: RemoteCallMedia[] = [];
    for (let i = 0; i < 6; i++) calls.push(await open(p.port));
    assert.deepEqual(pool.callsPerWorker, [3, 3]);
    const ports = new Set(calls.map((c) => c.localPort));
    assert.equal(ports.size, 6);
    for (const c of calls) {
      const link = pool.links[c.workerIndex]!;
      assert.ok(c.localPort >= link.portMin && c.localPort + 1 <= link.portMax, `${String(c.localPort)} in ${String(link.portMin)}-${String(link.portMax)}`);
    }
    assert.ok(pool.links[0]!.portMax < pool.links[1]!.portMin, 'disjoint slices');
    await Promise.all(calls.map((c) => c.close()));
    await Promise.all(calls.map((c) => c.close())); // idempotent
    assert.deepEqual(pool.callsPerWorker, [0, 0]);
    await p.close();
  });

  test('plays prompts back to back, sample for sample, and reports the outcome', async () => {
    const p = await peer();
    const media = await open(p.port);
    const a = ramp(1000, 0);
    const b = ramp(760, 5);
    const outcomes = await Promise.all([media.play(a), media.play(b)]);
    assert.deepEqual(outcomes, ['done', 'done']);
    await waitFor(() => p.packets.length >= 11, 2000, () => `11 packets, got ${String(p.packets.length)}`);
    const payload = Buffer.concat(p.packets.map((x) => { const r = parseRtp(x); assert.ok(r.ok); return Buffer.from(r.value.payload); }));
    const sent = decodeUlaw(payload);
    const expected = decodeUlaw(encodeUlaw(Int16Array.from([...a, ...b])));
    assert.deepEqual(sent.subarray(0, expected.length), expected);
    await media.close();
    await p.close();
  });

  test('records what the caller sends, sample for sample; RFC 4733 digits come back', async () => {
    const p = await peer();
    const media = await open(p.port);
    const digits: string[] = [];
    media.onDtmf((e) => digits.push(e.digit));
    const file = path.join(dir, 'rec.wav');
    const started = await media.startRecording(file, { maxDurationMs: 60_000, flushIntervalMs: 200 });
    assert.ok(started.ok);
    const audio = ramp(160 * 25, 3);
    const ulaw = encodeUlaw(audio);
    for (let i = 0; i < 25; i++) {
      const pkt = serializeRtp({ payloadType: 0, sequenceNumber: 100 + i, timestamp: 1000 + i * 160, ssrc: 0x1234, marker: i === 0, payload: ulaw.subarray(i * 160, (i + 1) * 160) });
      p.socket.send(pkt, media.localPort, HOST);
      await new Promise((r) => setTimeout(r, 2));
    }
    // "5", end bit set, three times (RFC 4733 §2.5.1.4).
    for (let i = 0; i < 3; i++) {
      const ev = Buffer.from([5, 0x80 | 10, 0x03, 0x20]);
      p.socket.send(serializeRtp({ payloadType: 101, sequenceNumber: 125 + i, timestamp: 1000 + 25 * 160, ssrc: 0x1234, marker: i === 0, payload: ev }), media.localPort, HOST);
    }
    await waitFor(() => digits.length > 0, 2000, () => 'the DTMF digit');
    assert.deepEqual(digits, ['5']);
    const r = await media.stopRecording('hangup');
    assert.ok(r);
    assert.equal(r.samples, audio.length);
    const wav = parseWav(await readFile(file));
    assert.ok(wav.ok);
    assert.deepEqual(wav.value.samples, decodeUlaw(ulaw));
    await media.close();
    await p.close();
  });

  test('a prompt crosses once per worker, not per call', async () => {
    const p = await peer();
    const shared = ramp(800, 9);
    const before = pool.links.map((l) => l.prompts.size);
    const calls: RemoteCallMedia[] = [];
    for (let i = 0; i < 4; i++) calls.push(await open(p.port));
    assert.deepEqual(await Promise.all(calls.map((c) => c.play(shared))), ['done', 'done', 'done', 'done']);
    assert.deepEqual(
      pool.links.map((l, i) => l.prompts.size - before[i]!),
      [1, 1],
      'one registration per worker for four calls',
    );
    const id = pool.promptId(pool.links[0]!, shared);
    assert.equal(pool.promptId(pool.links[1]!, shared), id, 'the same id in every worker');
    await Promise.all(calls.map((c) => c.close()));
    await p.close();
  });

  test('after its first call a worker answers from pairs bound ahead: the port comes at once, and the call plays and records', async () => {
    const p = await peer();
    const first = await Promise.all([open(p.port), open(p.port)]);
    // SPARE_PAIRS, or an eighth of a worker's slice when that is less (the test's range is small).
    const target = Math.min(SPARE_PAIRS, Math.floor((pool.links[0]!.portMax - pool.links[0]!.portMin + 1) / 16));
    assert.ok(target > 0);
    await waitFor(() => pool.links.every((l) => (l.spares.get(HOST)?.length ?? 0) >= target), 5000, () => `spares ${pool.links.map((l) => String(l.spares.get(HOST)?.length ?? 0)).join('/')} of ${String(target)}`);
    const announced = new Set(pool.links.flatMap((l) => l.spares.get(HOST) ?? []));
    const media = await open(p.port);
    const link = pool.links[media.workerIndex]!;
    assert.ok(announced.has(media.localPort), `port ${String(media.localPort)} is one the worker bound ahead`);
    assert.ok(
      [...link.pending.values()].some((x) => x.call === media.callId),
      'open() returned before the worker had replied',
    );
    const a = ramp(800, 3);
    assert.equal(await media.play(a), 'done');
    await waitFor(() => p.packets.length >= 5, 2000, () => `5 packets, got ${String(p.packets.length)}`);
    const mine = p.packets.filter((x) => x.length > 12);
    assert.ok(mine.length >= 5);
    const file = path.join(dir, 'spare.wav');
    assert.ok((await media.startRecording(file, { maxDurationMs: 60_000 })).ok);
    const said = ramp(160 * 10, 7);
    const enc = encodeUlaw(said);
    for (let i = 0; i < 10; i++) p.socket.send(serializeRtp({ payloadType: 0, sequenceNumber: 100 + i, timestamp: 160 * i, ssrc: 77, marker: i === 0, payload: enc.subarray(160 * i, 160 * (i + 1)) }), media.localPort, HOST);
    await new Promise((r) => setTimeout(r, 300));
    const rec = await media.stopRecording('hangup');
    assert.ok(rec, 'a recording');
    const wav = parseWav(await readFile(file));
    assert.ok(wav.ok);
    assert.deepEqual(wav.value.samples, decodeUlaw(enc), 'recorded sample for sample');
    await waitFor(() => (link.spares.get(HOST)?.length ?? 0) >= target, 5000, () => 'the spare taken is replaced');
    await Promise.all([...first, media].map((c) => c.close()));
    await p.close();
  });

  test('a call the worker refuses on a spare pair fails after open() (its port was already given out)', async () => {
    await waitFor(() => pool.links.every((l) => (l.spares.get(HOST)?.length ?? 0) > 0), 5000, () => 'spares');
    const r = await pool.open({ codec: 'PCMU', payloadType: 0, telephoneEventPayloadType: 101, ptime: 20, remote: { address: '::1', port: 4000 }, localAddress: HOST, logger: silentLogger() });
    assert.ok(r.ok, 'the handle comes first');
    const failures: string[] = [];
    r.value.onFailure((reason) => failures.push(reason));
    await waitFor(() => failures.length === 1, 3000, () => 'the failure');
    assert.match(failures[0]!, /::1/);
    assert.equal(await r.value.play(ramp(160, 0)), 'aborted');
    await r.value.close();
    assert.deepEqual(pool.callsPerWorker, [0, 0]);
  });

  test('a killed worker fails its calls cleanly and is started again', async () => {
    const p = await peer();
    const media = await open(p.port);
    const link = pool.links[media.workerIndex]!;
    const failures: string[] = [];
    const recordingErrors: string[] = [];
    media.onFailure((reason) => failures.push(reason));
    const started = await media.startRecording(path.join(dir, 'killed.wav'), { maxDurationMs: 60_000, onError: (e) => recordingErrors.push(e.code) });
    assert.ok(started.ok);
    const playing = media.play(ramp(8000 * 5, 1));
    await link.kill();
    assert.equal(await playing, 'aborted');
    assert.equal(failures.length, 1);
    assert.deepEqual(recordingErrors, ['VM_MEDIA_WORKER_FAILED']);
    await assert.rejects(media.stopRecording('hangup'), { code: 'VM_MEDIA_WORKER_FAILED' });
    assert.equal(await media.play(ramp(160, 0)), 'aborted');
    await media.close();
    await media.close();
    await waitFor(() => link.alive, 5000, () => 'the worker restarted');
    const again = await open(p.port);
    assert.equal(await again.play(ramp(400, 2)), 'done');
    await again.close();
    await p.close();
  });
});
