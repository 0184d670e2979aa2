/**
 * The real Voxmail server for end-to-end tests, and what its callers did and heard.
 *
 * - `VoxmailServer.start()` runs `startVoxmail` (src/main.ts) in this process on a fresh
 *   temporary data directory: SIP on 127.0.0.1 port 0 (UDP + TCP), HTTP on 127.0.0.1
 *   port 0, RTP on a random block of `RTP_BLOCK` ports in 16000–19999 (below the blocks
 *   the SIPp and baresip helpers use, 20000–32000 and 10000–15999, and below the
 *   kernel's ephemeral range, so a capture filtered on that range sees only the
 *   server's media), a silent logger (`LOG=debug` prints the server's log as JSON).
 * - `VoxmailServer.stores` is its own `openStores(dataDir)` — the same database and
 *   audio folder the server uses (in one process the SQLite store shares one
 *   connection per file) — to create tenants and mailboxes before a call and read
 *   messages and missed calls after it.
 * - `VoxmailProcess.spawn()` runs the CLI as an operator would
 *   (`node --import tsx src/cli/bin.ts serve --data DIR --sip-host 127.0.0.1 ...`), for
 *   tests that kill the server; it reads the bound ports from the "voxmail started" log line.
 * - `callServer()` runs SIPp with a test/fixtures/sipp/vm-*.xml scenario, optionally
 *   capturing the server's traffic with dumpcap (rtp-capture.ts); `callTimeline()`
 *   follows one call in that capture (what the caller heard, when the beep ended, how
 *   much audio the caller sent after it) and `assertHeardInOrder()` matches what was
 *   heard against the built-in prompts.
 * - Callers' audio: `speechWithHum()` (espeak-ng speech that never falls silent) and
 *   `speechThenSilence()`; `assertSameAudio()` compares a message with it sample for sample.
 *
 * Everything binds loopback. `close()` stops the server and deletes the data directory;
 * children are tracked (child-processes.ts), so `killChildren()` in an `after` hook
 * stops them even when a test failed half-way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '../../src/compose/logger.js';
import { AUDIO_DIR, openStores, type Stores } from '../../src/compose/open-store.js';
import { DEFAULT_CONFIG, type Config, type TrustConfig } from '../../src/config/index.js';
import { startVoxmail, type Voxmail } from '../../src/main.js';
import { decodeUlaw, parseWav } from '../../src/media/index.js';
import { linearToUlaw } from '../../src/media/codec/g711.js';
import { silentLogger } from '../../src/shared/logger.js';
import type { Mailbox, Message, MissedCall } from '../../src/voicemail/model.js';
import type { MailboxPatch } from '../../src/voicemail/ports.js';
import { beep } from '../../src/voicemail/prompts/beep.js';
import { makeSpeech } from './audio-fixtures.js';
import { bestMatch, decodePcmuStream, LoopbackCapture, parseRtp, rtpTo, strongestFrequency, type Match, type RtpPacket, type UdpDatagram } from './rtp-capture.js';
import { spawnTracked, stopChild, killTree, type TrackedChild } from './child-processes.js';
import { freeUdpBlock } from './ports.js';
import { runSipp, sippFixture, type SippMessage, type SippResult } from './sipp.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
/** The tenant the test mailboxes belong to; loopback is trusted for it unless a test says otherwise. */
export const TENANT = 'acme';
/** RTP ports per server: 200 pairs, enough for the 50-caller test. */
export const RTP_BLOCK = 400;

export interface RtpRange {
  readonly portMin: number;
  readonly portMax: number;
}

/** A random block of free UDP ports for the server's RTP, even start, in 16000–19999. */
export async function randomRtpRange(count = RTP_BLOCK): Promise<RtpRange> {
  // Proving the first ports free is enough to avoid a block another test server holds;
  // the allocator skips any port that turns out to be taken.
  const portMin = await freeUdpBlock(8, 16_000, 20_000 - count);
  return { portMin, portMax: portMin + count - 1 };
}

export interface VoxmailServerOptions {
  /** Who may deposit; default: 127.0.0.0/8 and ::1 for TENANT. */
  readonly trust?: Partial<TrustConfig>;
  /** Existing data directory (e.g. after a crash); default a new temporary one, deleted by close(). */
  readonly dataDir?: string;
  /** SIP port; default 0 (any free port). */
  readonly sipPort?: number;
  readonly rtp?: RtpRange;
  /** Tenants to create before the server starts (if missing); default [TENANT]. */
  readonly tenants?: readonly string[];
  /** `media.workers`; default VOXMAIL_TEST_MEDIA_WORKERS or 0 (every e2e deposit test can run with workers). */
  readonly mediaWorkers?: number;
  /** `media.overloadRefuseMs`; default 0 (off: see testConfig). */
  readonly overloadRefuseMs?: number;
  /** `sip.timers.t1` in ms (e.g. short, so that 64×T1 ends an un-ACKed call soon); default 500. */
  readonly sipT1Ms?: number;
}

/** `media.workers` for test servers: VOXMAIL_TEST_MEDIA_WORKERS=2 runs the e2e tests with two media worker threads. */
export function testMediaWorkers(): number {
  const raw = process.env['VOXMAIL_TEST_MEDIA_WORKERS'];
  const n = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`VOXMAIL_TEST_MEDIA_WORKERS must be an integer >= 0, got ${String(raw)}`);
  return n;
}

/** `store.writer` for test servers: VOXMAIL_TEST_STORE_WRITER=worker runs the e2e tests with the store writer thread. */
export function testStoreWriter(): 'main' | 'worker' {
  const raw = process.env['VOXMAIL_TEST_STORE_WRITER'] ?? 'main';
  if (raw !== 'main' && raw !== 'worker') throw new Error(`VOXMAIL_TEST_STORE_WRITER must be main or worker, got ${raw}`);
  return raw;
}

export const LOOPBACK_TRUST: TrustConfig = {
  networks: [
    { cidr: '127.0.0.0/8', tenant: TENANT },
    { cidr: '::1/128', tenant: TENANT },
  ],
  realm: 'voxmail',
  accounts: [],
};

/** The server's config for a test: loopback only, port 0, the given RTP block and trust. */
export function testConfig(dataDir: string, rtp: RtpRange, o: Pick<VoxmailServerOptions, 'trust' | 'sipPort' | 'mediaWorkers' | 'overloadRefuseMs' | 'sipT1Ms'> = {}): Config {
  return {
    ...DEFAULT_CONFIG,
    dataDir,
    sip: {
      ...DEFAULT_CONFIG.sip,
      hosts: ['127.0.0.1'],
      port: o.sipPort ?? 0,
      transports: ['udp', 'tcp'],
      ...(o.sipT1Ms !== undefined ? { timers: { ...DEFAULT_CONFIG.sip.timers, t1: o.sipT1Ms, t2: Math.max(o.sipT1Ms, DEFAULT_CONFIG.sip.timers.t2) } } : {}),
    },
    rtp: { ...rtp, sockets: DEFAULT_CONFIG.rtp.sockets, readIntervalMs: DEFAULT_CONFIG.rtp.readIntervalMs },
    // Off unless a test turns it on: a test's own synchronous work (audio checks, espeak)
    // stalls the in-process media clock and must not refuse the next call.
    media: { workers: o.mediaWorkers ?? testMediaWorkers(), workerNice: 0, overloadRefuseMs: o.overloadRefuseMs ?? 0 },
    process: { nice: 0 },
    store: { writer: testStoreWriter() },
    http: { ...DEFAULT_CONFIG.http, host: '127.0.0.1', port: 0 },
    log: { level: process.env['LOG'] === 'debug' ? 'debug' : 'silent' },
    trust: { ...LOOPBACK_TRUST, ...o.trust },
  };
}

/** Opens the data directory's store and creates the tenants that are missing. */
export async function prepareData(dataDir: string, tenants: readonly string[] = [TENANT]): Promise<Stores> {
  const stores = await openStores(dataDir);
  for (const t of tenants) {
    if (!(await stores.store.tenants.get(t))) await stores.store.tenants.create({ id: t, name: `Test ${t}` });
  }
  return stores;
}

/** Voxmail started in this process, plus a second connection to its store. */
export class VoxmailServer {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly dataDir: string,
    readonly config: Config,
    readonly app: Voxmail,
    readonly stores: Stores,
    private readonly ownsDataDir: boolean,
  ) {}

  static async start(o: VoxmailServerOptions = {}): Promise<VoxmailServer> {
    const ownsDataDir = o.dataDir === undefined;
    const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'voxmail-e2e-'));
    const rtp = o.rtp ?? (await randomRtpRange());
    const config = testConfig(dataDir, rtp, o);
    // Tenants first: a data directory with a tenant gets no demo mailbox.
    const stores = await prepareData(dataDir, o.tenants ?? [TENANT]);
    const logger = process.env['LOG'] === 'debug' ? createLogger('debug') : silentLogger();
    let app: Voxmail;
    try {
      app = await startVoxmail(config, { logger });
    } catch (e) {
      await stores.close();
      if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
    return new VoxmailServer(dataDir, config, app, stores, ownsDataDir);
  }

  /** Where SIPp sends (UDP; the same port serves TCP). */
  get target(): { host: string; port: number } {
    const udp = this.app.sipAddresses.find((a) => a.transport === 'udp');
    assert.ok(udp, 'the server listens on no UDP address');
    return { host: udp.host, port: udp.port };
  }

  get rtp(): { min: number; max: number } {
    return { min: this.config.rtp.portMin, max: this.config.rtp.portMax };
  }

  /** Create a mailbox of TENANT (or `tenantId`) with the given settings. */
  mailbox(id: string, settings: MailboxPatch = {}, tenantId = TENANT): Promise<Mailbox> {
    return this.stores.store.mailboxes.create({ tenantId, id, ...settings });
  }

  messages(mailboxId: string, tenantId = TENANT): Promise<Message[]> {
    return this.stores.store.messages.list({ tenantId, mailboxId, limit: 1000 });
  }

  missedCalls(mailboxId: string, tenantId = TENANT): Promise<MissedCall[]> {
    return this.stores.store.missedCalls.list({ tenantId, mailboxId, limit: 1000 });
  }

  /** The message of the call with this Call-ID, waiting for it to be stored. */
  async messageOf(mailboxId: string, callId: string, timeoutMs = 8000): Promise<Message> {
    return this.waitForRow(() => this.messages(mailboxId), (m) => m.callId === callId, timeoutMs, `a message for Call-ID ${callId} in mailbox ${mailboxId}`);
  }

  /** The missed-call record of the call with this Call-ID, waiting for it. */
  async missedCallOf(mailboxId: string, callId: string, timeoutMs = 8000): Promise<MissedCall> {
    return this.waitForRow(() => this.missedCalls(mailboxId), (m) => m.callId === callId, timeoutMs, `a missed call for Call-ID ${callId} in mailbox ${mailboxId}`);
  }

  private async waitForRow<T>(list: () => Promise<T[]>, match: (row: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const row = (await list()).find(match);
      if (row) return row;
      if (Date.now() > end) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** A message's audio (8 kHz 16-bit mono WAV) as PCM, read from `<dataDir>/audio/<audioKey>`. */
  readAudio(m: Message): Int16Array {
    return readMessageAudio(this.dataDir, m);
  }

  /** Stop the server, close the second store connection, delete the data directory (if ours). */
  close(options: { keepData?: boolean } = {}): Promise<void> {
    return (this.closing ??= (async () => {
      try {
        await this.app.close();
      } finally {
        await this.stores.close();
        if (this.ownsDataDir && options.keepData !== true) rmSync(this.dataDir, { recursive: true, force: true });
      }
    })());
  }
}

export function readMessageAudio(dataDir: string, m: Message): Int16Array {
  const file = join(dataDir, AUDIO_DIR, ...m.audioKey.split('/'));
  const wav = parseWav(readFileSync(file));
  assert.ok(wav.ok, `${file}: ${wav.ok ? '' : wav.error}`);
  assert.equal(wav.value.sampleRate, 8000, `${file} is not 8 kHz`);
  assert.equal(wav.value.channels, 1, `${file} is not mono`);
  return wav.value.samples;
}

// --- the server as a child process ------------------------------------------------------

export interface VoxmailProcessOptions {
  readonly dataDir: string;
  readonly sipPort: number;
  readonly rtp: RtpRange;
  /** Who may deposit (written to a config file); default LOOPBACK_TRUST. */
  readonly trust?: TrustConfig;
  /** `--media-workers`; default VOXMAIL_TEST_MEDIA_WORKERS or 0. */
  readonly mediaWorkers?: number;
  /** More `serve` flags, e.g. ['--media-overload-refuse-ms', '300']. */
  readonly args?: readonly string[];
}

/** `voxmail serve` run through tsx, as an operator runs it; logs JSON lines on stdout. */
export class VoxmailProcess {
  private constructor(
    readonly proc: TrackedChild,
    readonly sip: readonly { transport: string; host: string; port: number }[],
    private readonly configDir: string,
  ) {}

  static async spawn(o: VoxmailProcessOptions, startTimeoutMs = 30_000): Promise<VoxmailProcess> {
    const configDir = mkdtempSync(join(tmpdir(), 'voxmail-config-'));
    const configFile = join(configDir, 'voxmail.yaml');
    const trust = o.trust ?? LOOPBACK_TRUST;
    writeFileSync(configFile, `${JSON.stringify({ trust }, null, 2)}\n`); // JSON is YAML
    const args = [
      '--import', 'tsx', join(REPO_ROOT, 'src/cli/bin.ts'),
      'serve', '--config', configFile, '--data', o.dataDir,
      '--sip-host', '127.0.0.1', '--sip-port', String(o.sipPort),
      '--http-host', '127.0.0.1', '--http-port', '0',
      '--rtp-ports', `${String(o.rtp.portMin)}-${String(o.rtp.portMax)}`,
      '--log-level', process.env['LOG'] === 'debug' ? 'debug' : 'info',
      '--media-workers', String(o.mediaWorkers ?? testMediaWorkers()),
      '--store-writer', testStoreWriter(),
      ...(o.args ?? []),
    ];
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VOXMAIL_')) env[k] = v;
    const proc = spawnTracked(process.execPath, args, { cwd: REPO_ROOT, env });
    let started: { sip?: { transport: string; host: string; port: number }[] } | undefined;
    try {
      await waitFor(
        () => {
          started ??= logLines(proc.stdout).find((l) => l['msg'] === 'voxmail started') as typeof started;
          return started !== undefined || proc.child.exitCode !== null || proc.child.signalCode !== null;
        },
        startTimeoutMs,
        () => `"voxmail started" from the child (stdout: ${proc.stdout.slice(-3000)} stderr: ${proc.stderr.slice(-3000)})`,
        50,
      );
      if (started === undefined) throw new Error(`voxmail exited before it started (${String(proc.child.exitCode ?? proc.child.signalCode)}):\n${proc.stdout}\n${proc.stderr}`);
    } catch (e) {
      await stopChild(proc, 1000);
      rmSync(configDir, { recursive: true, force: true });
      throw e;
    }
    if (process.env['LOG'] === 'debug') proc.child.stdout?.on('data', (s: string) => process.stdout.write(s));
    return new VoxmailProcess(proc, started.sip ?? [], configDir);
  }

  /** Every JSON log line so far. */
  get log(): Record<string, unknown>[] {
    return logLines(this.proc.stdout);
  }

  /** SIGKILL: no shutdown, no flush, no cleanup — a crash. Resolves when it is gone. */
  async kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    killTree(this.proc.child, 'SIGKILL');
    const exit = await this.proc.exited;
    rmSync(this.configDir, { recursive: true, force: true });
    return exit;
  }

  async stop(): Promise<void> {
    await stopChild(this.proc, 5000);
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** The JSON log lines in a child's stdout (lines cut by the output cap are skipped). */
export function logLines(stdout: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      /* a line cut by the output cap */
    }
  }
  return out;
}

// --- the built-in prompts (what a caller should hear) -------------------------------------

const promptCache = new Map<string, Int16Array>();

/** A built-in prompt, `prompts/<language>/<name>.wav`, as 8 kHz PCM. */
export function builtinPrompt(name: string, language: 'en' | 'ru' = 'en'): Int16Array {
  const key = `${language}/${name}`;
  let pcm = promptCache.get(key);
  if (!pcm) {
    const file = join(REPO_ROOT, 'prompts', language, `${name}.wav`);
    const wav = parseWav(readFileSync(file));
    assert.ok(wav.ok, `${file}: ${wav.ok ? '' : wav.error}`);
    assert.equal(wav.value.sampleRate, 8000);
    pcm = wav.value.samples;
    promptCache.set(key, pcm);
  }
  return pcm;
}

/** The record beep as the server plays it (100 ms of silence, then 400 ms at 1 kHz). */
export function recordBeep(): Int16Array {
  return beep();
}

/** ms from the caller's ACK to the end of the beep: greeting + warning + beep. */
export function introMs(greeting: string, warning: string | null = 'warning-standard', language: 'en' | 'ru' = 'en'): number {
  const samples = builtinPrompt(greeting, language).length + (warning ? builtinPrompt(warning, language).length : 0) + recordBeep().length;
  return samples / 8;
}

// --- what the callers say -------------------------------------------------------------------

export interface CallerAudio {
  /** Raw µ-law file for SIPp's rtp_stream (byte for byte). */
  readonly ulaw: string;
  /** What the server should decode from it: the exact PCM of every byte. */
  readonly pcm: Int16Array;
  readonly durationMs: number;
  /** ms of the file that are speech (above the silence threshold), when that matters. */
  readonly voicedMs?: number;
  readonly dir: string;
  /** `-key audio` value: the file, looped `loops` times (-1: until the call ends), payload type 0. */
  key(loops?: number): string;
}

function callerAudio(dir: string, name: string, pcm: Int16Array, voicedMs?: number): CallerAudio {
  const ulaw = join(dir, name);
  const bytes = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length; i++) bytes[i] = linearToUlaw(pcm[i]!);
  writeFileSync(ulaw, bytes);
  const exact = decodeUlaw(bytes);
  return {
    ulaw,
    pcm: exact,
    durationMs: pcm.length / 8,
    ...(voicedMs !== undefined ? { voicedMs } : {}),
    dir,
    key: (loops = -1) => `${ulaw},${String(loops)},0`,
  };
}

/**
 * Speech (espeak-ng) over a quiet 150 Hz hum at about −38 dBFS, so that no 20 ms frame
 * is silent: the recorder never trims it and never hears a silence timeout, and a
 * message's length is exactly the time between the beep and the end of the recording.
 */
export function speechWithHum(text: string, voice = 'en'): CallerAudio {
  const s = makeSpeech(text, voice);
  const speech = decodeUlaw(s.ulawBytes);
  const out = new Int16Array(speech.length);
  for (let i = 0; i < speech.length; i++) {
    const hum = Math.round(600 * Math.sin((2 * Math.PI * 150 * i) / 8000));
    out[i] = Math.max(-32768, Math.min(32767, speech[i]! + hum));
  }
  return callerAudio(s.dir, 'hum.ulaw', out);
}

/**
 * `leadMs` of digital silence, then speech, then `tailMs` of digital silence: a caller
 * who says something after the beep and then stays on the line saying nothing. The
 * speech is cut to its voiced part first (frames above −45 dBFS, the recorder's
 * threshold), so `voicedMs` is what a silence-trimming recorder keeps (plus its padding).
 */
export function speechThenSilence(text: string, leadMs: number, tailMs: number, voice = 'en'): CallerAudio {
  const s = makeSpeech(text, voice);
  const speech = decodeUlaw(s.ulawBytes);
  const frame = 160;
  const threshold = 32768 * 10 ** (-45 / 20);
  let first = -1;
  let last = -1;
  for (let f = 0; f * frame < speech.length; f++) {
    let sum = 0;
    const end = Math.min(speech.length, (f + 1) * frame);
    for (let i = f * frame; i < end; i++) sum += speech[i]! * speech[i]!;
    if (Math.sqrt(sum / (end - f * frame)) >= threshold) {
      if (first < 0) first = f;
      last = f;
    }
  }
  assert.ok(first >= 0, 'espeak-ng produced only silence');
  const voiced = speech.subarray(first * frame, Math.min(speech.length, (last + 1) * frame));
  const out = new Int16Array(leadMs * 8 + voiced.length + tailMs * 8);
  out.set(voiced, leadMs * 8);
  return callerAudio(s.dir, 'speech-silence.ulaw', out, voiced.length / 8);
}

export function removeAudio(...a: readonly (CallerAudio | undefined)[]): void {
  for (const x of a) if (x) rmSync(x.dir, { recursive: true, force: true });
}

/**
 * Assert that `recorded` equals a stretch of `sent` played in a loop, sample for sample.
 * The alignment is found from the first clearly audible recorded sample (a silent lead-in
 * would match anywhere in the silence), then every sample is compared.
 */
export function assertSameAudio(recorded: Int16Array, sent: Int16Array, what: string): number {
  assert.ok(recorded.length > 0, `${what}: the recording is empty`);
  let i0 = 0;
  while (i0 < recorded.length && Math.abs(recorded[i0]!) < 200) i0++;
  assert.ok(i0 < recorded.length, `${what}: the recording is silence (${String(recorded.length)} samples)`);
  const probe = Math.min(400, recorded.length - i0);
  for (let k = 0; k < sent.length; k++) {
    let ok = true;
    for (let i = 0; i < probe; i++) {
      if (recorded[i0 + i] !== sent[(k + i) % sent.length]) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    const start = (((k - i0) % sent.length) + sent.length) % sent.length;
    let bad = 0;
    let firstBad = -1;
    for (let i = 0; i < recorded.length; i++) {
      if (recorded[i] !== sent[(start + i) % sent.length]) {
        bad++;
        if (firstBad < 0) firstBad = i;
      }
    }
    if (bad === 0) return start;
  }
  assert.fail(`${what}: the recording (${String(recorded.length)} samples) is not a sample-exact stretch of the sent audio (${String(sent.length)} samples, looped)`);
}

// --- SIPp helpers -------------------------------------------------------------------------

/** SippOptions.edits that add header lines to the INVITE of a vm-*.xml scenario. */
export function inviteHeaders(...lines: readonly string[]): [string, string][] {
  if (lines.length === 0) return [];
  return [['User-Agent: SIPp voxmail-test', ['User-Agent: SIPp voxmail-test', ...lines].join('\n      ')]];
}

/** SippOptions.edits that append parameters (`;target=...;cause=486`) to the INVITE's Request-URI. */
export function requestUriParams(params: string): [string, string][] {
  return [['sip:[service]@[remote_ip]:[remote_port] SIP/2.0', `sip:[service]@[remote_ip]:[remote_port]${params} SIP/2.0`]];
}

/** The Call-IDs of the INVITEs SIPp sent, in order. */
export function sentCallIds(r: SippResult): string[] {
  return [...new Set(r.messages.filter((m: SippMessage) => m.direction === 'sent' && m.startLine.startsWith('INVITE ')).map((m) => m.header('Call-ID')[0] ?? ''))];
}

/** The one Call-ID of a one-call SIPp run. */
export function callIdOf(r: SippResult): string {
  const ids = sentCallIds(r);
  assert.equal(ids.length, 1, `expected one INVITE's Call-ID, got ${JSON.stringify(ids)}\n${r.summary()}`);
  return ids[0]!;
}

// --- what the caller heard ----------------------------------------------------------------

/** A capture of the server's traffic on loopback: its RTP block and its SIP port, both directions. */
export function captureServer(server: { readonly rtp: { min: number; max: number }; readonly target: { port: number } }): Promise<LoopbackCapture> {
  const { min, max } = server.rtp;
  return LoopbackCapture.start({ filter: `udp and (portrange ${String(min)}-${String(max)} or port ${String(server.target.port)})` });
}

/** The PCM the caller at media port `callerMediaPort` received from the server (PCMU RTP, in sequence order). */
export function heardBy(datagrams: readonly UdpDatagram[], server: { readonly rtp: { min: number; max: number } }, callerMediaPort: number): ReturnType<typeof decodePcmuStream> {
  return decodePcmuStream(rtpTo(datagrams, callerMediaPort, server.rtp));
}

/** One call as the capture saw it. */
export interface CallTimeline {
  readonly callId: string;
  /** Our RTP port (from the SDP of our 183/200) and the caller's (from its INVITE's SDP). */
  readonly serverRtpPort: number;
  readonly callerRtpPort: number;
  /** When our first RTP packet to the caller left, and the one that carried the beep's last sample (else the end of the first talk spurt). */
  readonly firstPromptAt: number;
  readonly introEndAt: number;
  /** When the first BYE of the dialog (either side's) was on the wire; NaN if none. */
  readonly byeAt: number;
  /** Every SIP request of the dialog on the wire (retransmissions included), in order. */
  readonly requests: readonly { readonly method: string; readonly timeMs: number; readonly fromServer: boolean }[];
  /** Our final response to the INVITE (status, and when it left), if the capture has one. */
  readonly finalStatus: number | null;
  readonly finalAt: number;
  /** The end of the window the caller's audio is counted in: `until` if given, else the BYE. */
  readonly windowEndAt: number;
  /** ms of audio the caller sent to us after the intro (beep) and before the BYE (or `until`). */
  readonly sentAfterIntroMs: number;
  /** What the caller heard: all our RTP to it, decoded. */
  readonly heard: Int16Array;
}

const callIdRe = /^(?:call-id|i)[ \t]*:[ \t]*(\S+)/im;
const mAudioRe = /^m=audio (\d+) /m;

/**
 * Follow one call through a capture of `captureServer`: SDP ports from the INVITE and
 * our answer, the end of the greeting/warning/beep spurt, the BYE, and how much audio
 * the caller sent in between — what a complete message must hold.
 * `until` (ms since the epoch) ends the window instead of the BYE (e.g. a kill).
 */
export function callTimeline(datagrams: readonly UdpDatagram[], server: { readonly rtp: { min: number; max: number }; readonly target: { port: number } }, callId: string, until?: number): CallTimeline {
  const sipPort = server.target.port;
  let serverRtpPort = -1;
  let callerRtpPort = -1;
  let byeAt = NaN;
  let finalStatus: number | null = null;
  let finalAt = NaN;
  const requests: { method: string; timeMs: number; fromServer: boolean }[] = [];
  for (const d of datagrams) {
    if (d.srcPort !== sipPort && d.dstPort !== sipPort) continue;
    const text = d.payload.toString('latin1');
    if (callIdRe.exec(text)?.[1] !== callId) continue;
    const startLine = text.slice(0, text.indexOf('\r\n'));
    const m = mAudioRe.exec(text);
    // The caller's media port: in its INVITE's offer, or (delayed offer) in its ACK's answer.
    if (m && d.dstPort === sipPort && (startLine.startsWith('INVITE ') || startLine.startsWith('ACK '))) callerRtpPort = Number(m[1]);
    if (m && d.srcPort === sipPort && /^SIP\/2\.0 (183|200) /.test(startLine)) serverRtpPort = Number(m[1]);
    if (startLine.startsWith('BYE ') && Number.isNaN(byeAt)) byeAt = d.timeMs;
    const request = /^([A-Z]+) \S+ SIP\/2\.0$/.exec(startLine);
    if (request) requests.push({ method: request[1]!, timeMs: d.timeMs, fromServer: d.srcPort === sipPort });
    const status = /^SIP\/2\.0 (\d{3}) /.exec(startLine);
    if (status && d.srcPort === sipPort && finalStatus === null && Number(status[1]) >= 200 && /^cseq[ \t]*:[ \t]*\d+ INVITE/im.test(text)) {
      finalStatus = Number(status[1]);
      finalAt = d.timeMs;
    }
  }
  assert.ok(serverRtpPort > 0 && callerRtpPort > 0, `the capture has no SDP exchange for Call-ID ${callId} (ours ${String(serverRtpPort)}, caller's ${String(callerRtpPort)})`);
  const ours = rtpTo(datagrams, callerRtpPort, server.rtp).filter((p) => p.srcPort === serverRtpPort);
  assert.ok(ours.length > 0, `Call-ID ${callId}: the server sent no RTP to the caller`);
  const firstPromptAt = ours[0]!.timeMs;
  const heard = decodePcmuStream(ours).pcm;
  // The end of the intro is the packet that carried the beep's last sample, found by
  // content (a stall of the sender must not move it); without a beep (early media,
  // mailbox full), the end of the first talk spurt.
  let introEndAt = NaN;
  const tone = recordBeep();
  const beepAt = bestMatch(heard, tone);
  if (beepAt.score > HEARD_SCORE) {
    const inOrder = inSequenceOrder(ours.filter((p) => p.payloadType === 0));
    introEndAt = inOrder[Math.floor((beepAt.lag + tone.length - 1) / 160)]?.timeMs ?? NaN;
  }
  if (Number.isNaN(introEndAt)) {
    introEndAt = firstPromptAt;
    for (const p of ours) {
      if (p.timeMs - introEndAt > 200) break;
      introEndAt = p.timeMs;
    }
  }
  const end = until ?? byeAt;
  let bytes = 0;
  for (const d of datagrams) {
    if (d.dstPort !== serverRtpPort || d.srcPort === serverRtpPort || d.timeMs <= introEndAt || d.timeMs >= end) continue;
    const p = parseRtp(d);
    if (p && p.payloadType === 0) bytes += p.payload.length;
  }
  return {
    callId,
    serverRtpPort,
    callerRtpPort,
    firstPromptAt,
    introEndAt,
    byeAt,
    requests,
    finalStatus,
    finalAt,
    windowEndAt: end,
    sentAfterIntroMs: bytes / 8,
    heard,
  };
}

/** RTP packets sorted by sequence number (16-bit wrap-around unrolled from the first), duplicates dropped. */
function inSequenceOrder(packets: readonly RtpPacket[]): RtpPacket[] {
  if (packets.length === 0) return [];
  let last = packets[0]!.sequence;
  let ext = last;
  const keyed = packets.map((p) => {
    let delta = p.sequence - last;
    if (delta > 32768) delta -= 65536;
    else if (delta < -32768) delta += 65536;
    ext += delta;
    last = p.sequence;
    return { seq: ext, p };
  });
  keyed.sort((a, b) => a.seq - b.seq);
  return keyed.filter((k, i) => i === 0 || k.seq !== keyed[i - 1]!.seq).map((k) => k.p);
}

export interface HeardPrompt {
  /** For messages: `greeting-busy`, `beep`... */
  readonly name: string;
  readonly pcm: Int16Array;
}

/** A built-in prompt by name, or `beep`. */
export function heardPrompt(name: string, language: 'en' | 'ru' = 'en'): HeardPrompt {
  return { name, pcm: name === 'beep' ? recordBeep() : builtinPrompt(name, language) };
}

/** Normalised cross-correlation a prompt must reach to count as heard. */
export const HEARD_SCORE = 0.9;

/**
 * Assert that the prompts were heard in this order, each one right after the one before
 * (within 40 ms: a partial last frame may be padded with silence), each matching with a
 * normalised cross-correlation above HEARD_SCORE. Returns the matches.
 */
export function assertHeardInOrder(heard: Int16Array, prompts: readonly HeardPrompt[], what: string): Match[] {
  const matches: Match[] = [];
  let expectedAt: number | null = null;
  for (const p of prompts) {
    const m = bestMatch(heard, p.pcm);
    const where = `${what}: ${p.name} (best score ${m.score.toFixed(3)} at ${(m.lag / 8).toFixed(0)} ms of ${(heard.length / 8).toFixed(0)} ms heard; matches so far ${JSON.stringify(matches)})`;
    assert.ok(m.score > HEARD_SCORE, `not heard: ${where}`);
    if (expectedAt !== null) {
      assert.ok(Math.abs(m.lag - expectedAt) <= 320, `heard out of place (expected at ${(expectedAt / 8).toFixed(0)} ms): ${where}`);
    }
    matches.push(m);
    expectedAt = m.lag + p.pcm.length;
  }
  return matches;
}

/** Assert that a prompt was NOT heard anywhere (no stretch correlates above HEARD_SCORE). */
export function assertNotHeard(heard: Int16Array, p: HeardPrompt, what: string): Match {
  const m = bestMatch(heard, p.pcm);
  assert.ok(m.score < HEARD_SCORE, `${what}: ${p.name} should not have been heard, but scores ${m.score.toFixed(3)} at ${(m.lag / 8).toFixed(0)} ms`);
  return m;
}

/** Assert that the beep found at `match` is a 1 kHz tone (not another tone, not speech). */
export function assertBeepIs1kHz(heard: Int16Array, match: Match, what: string): void {
  const f = strongestFrequency(heard, match.lag + 800, 3200, [400, 600, 800, 1000, 1200, 1400, 2000]);
  assert.equal(f, 1000, `${what}: the beep's strongest frequency is ${String(f)} Hz`);
}

// --- one caller (or many) with SIPp ---------------------------------------------------------

export interface CallerOptions {
  /** A test/fixtures/sipp scenario; default `vm-deposit`. */
  readonly scenario?: string;
  /** Request-URI user (`-s`); default `voicemail` (the service name: the mailbox comes from elsewhere). */
  readonly service?: string;
  /** Header lines added to the INVITE (Diversion, History-Info, P-Asserted-Identity...). */
  readonly headers?: readonly string[];
  /** Appended to the INVITE's Request-URI, e.g. `;target=+74951234567;cause=486`. */
  readonly uriParams?: string;
  /** What the caller says (`-key audio`); scenarios without rtp_stream need none. */
  readonly audio?: CallerAudio;
  /** Loops of the audio file; default -1 (until the call ends). */
  readonly loops?: number;
  /** From user and display name; default +74997654321 "Ivan Petrov". */
  readonly caller?: string;
  readonly callerName?: string;
  /** `-d`: the scenario's bare pause, ms. */
  readonly durationMs?: number;
  readonly calls?: number;
  readonly concurrent?: number;
  readonly rate?: number;
  readonly timeoutMs?: number;
  /** More SippOptions.edits. */
  readonly edits?: readonly (readonly [string, string])[];
  /** Where SIPp sends; default the server (e.g. a Kamailio in front of it instead). */
  readonly target?: { readonly host: string; readonly port: number };
  /** Capture what the server sent (RTP + SIP) while the call lasts. */
  readonly capture?: boolean;
  readonly args?: readonly string[];
}

export interface CallerRun {
  readonly sipp: SippResult;
  readonly callIds: readonly string[];
  /** With `capture`: every datagram the server sent during the call. */
  readonly datagrams: readonly UdpDatagram[];
  /** With `capture`: the PCM the (first) caller heard, decoded from the server's RTP. */
  readonly heard: Int16Array;
  readonly heardPackets: number;
}

export const DEFAULT_CALLER = { number: '+74997654321', name: 'Ivan Petrov' } as const;

/** Where a server listens: SIP (what SIPp calls) and its RTP block (what the capture watches). */
export interface ServerAddress {
  readonly target: { readonly host: string; readonly port: number };
  readonly rtp: { readonly min: number; readonly max: number };
}

/** Run SIPp against the server with one of the vm-*.xml scenarios. Does not assert success. */
export async function callServer(server: ServerAddress, o: CallerOptions = {}): Promise<CallerRun> {
  const capture = o.capture === true ? await captureServer(server) : null;
  let sipp: SippResult;
  try {
    sipp = await runSipp({
      scenario: sippFixture(o.scenario ?? 'vm-deposit'),
      target: o.target ?? server.target,
      service: o.service ?? 'voicemail',
      keys: {
        caller: o.caller ?? DEFAULT_CALLER.number,
        caller_name: o.callerName ?? DEFAULT_CALLER.name,
        ...(o.audio ? { audio: o.audio.key(o.loops ?? -1) } : {}),
      },
      edits: [...inviteHeaders(...(o.headers ?? [])), ...(o.uriParams ? requestUriParams(o.uriParams) : []), ...(o.edits ?? [])],
      ...(o.durationMs !== undefined ? { durationMs: o.durationMs } : {}),
      ...(o.calls !== undefined ? { calls: o.calls } : {}),
      ...(o.concurrent !== undefined ? { concurrent: o.concurrent } : {}),
      ...(o.rate !== undefined ? { rate: o.rate } : {}),
      timeoutMs: o.timeoutMs ?? 60_000,
      ...(o.args ? { args: o.args } : {}),
    });
  } catch (e) {
    await capture?.stop().catch(() => []);
    throw e;
  }
  const datagrams = capture ? await capture.stop() : [];
  const heard = capture ? heardBy(datagrams, server, sipp.ports.media) : null;
  return { sipp, callIds: sentCallIds(sipp), datagrams, heard: heard?.pcm ?? new Int16Array(0), heardPackets: heard?.packets ?? 0 };
}

/**
 * For a failure message: where a recording sits in the caller's stream on the wire.
 * SIPp's rtp_stream sends the looped file as one continuous byte stream, 160 bytes per
 * packet, so the recording's alignment `k` in the file (assertSameAudio) names the
 * packet its first sample came in; this returns when that packet (and the one of its
 * last sample) was on the wire, relative to the end of the beep and to the BYE (or the
 * end of the timeline's window).
 */
export function recordingOnTheWire(datagrams: readonly UdpDatagram[], t: CallTimeline, k: number, samples: number, fileSamples: number): string {
  const placed = placeRecording(datagrams, t, k, samples, fileSamples);
  if (typeof placed === 'string') return placed;
  const endName = t.windowEndAt === t.byeAt ? 'the BYE' : 'the end of the window';
  return `first recorded sample arrived ${placed.firstAfterIntroMs.toFixed(0)} ms after the last beep packet left; last one ${Number.isNaN(placed.lastAfterEndMs) ? '?' : placed.lastAfterEndMs.toFixed(0)} ms after ${endName}`;
}

/**
 * Where a recording (its first sample at offset `k` of the caller's looped file) lies on
 * the wire: when the caller's packet with its first sample arrived, relative to the last
 * beep packet leaving (`introEndAt`), and the one with its last sample relative to the
 * end of the window (NaN if not in the capture). A string says why it cannot be placed.
 */
export function placeRecording(
  datagrams: readonly UdpDatagram[],
  t: CallTimeline,
  k: number,
  samples: number,
  fileSamples: number,
): { readonly firstAfterIntroMs: number; readonly lastAfterEndMs: number } | string {
  const pkts = datagrams
    .filter((d) => d.dstPort === t.serverRtpPort && d.srcPort !== t.serverRtpPort)
    .map((d) => parseRtp(d))
    .filter((p): p is NonNullable<typeof p> => p !== null && p.payloadType === 0);
  if (pkts.length === 0) return 'no caller RTP in the capture';
  const seq0 = pkts[0]!.sequence;
  const at = (n: number): number | undefined => pkts.find((p) => ((p.sequence - seq0) & 0xffff) === n)?.timeMs;
  for (let loop = 0; loop < 1000; loop++) {
    const first = Math.floor((k + loop * fileSamples) / 160);
    const tFirst = at(first);
    if (tFirst === undefined) break;
    if (tFirst < t.introEndAt - 1500) continue;
    const tLast = at(Math.floor((k + loop * fileSamples + samples - 1) / 160));
    return { firstAfterIntroMs: tFirst - t.introEndAt, lastAfterEndMs: tLast === undefined ? NaN : tLast - t.windowEndAt };
  }
  return 'the recording could not be placed on the wire';
}

/**
 * Start several jobs (calls) at once; `get(key)` waits until ALL of them are over before
 * it returns that one's result (or throws its error). Tests that analyse audio (FFTs,
 * sample comparisons: hundreds of ms of CPU) must not run while other calls are still
 * being recorded by the server in this same process: a blocked event loop delays the
 * BYE behind RTP that arrived after it, and the test would measure itself.
 */
export function inParallel<K extends string, T>(jobs: Readonly<Record<K, () => Promise<T>>>): (key: K) => Promise<T> {
  type Settled = { ok: true; value: T } | { ok: false; error: unknown };
  const settled = new Map<K, Promise<Settled>>();
  for (const key of Object.keys(jobs) as K[]) {
    settled.set(
      key,
      jobs[key]().then(
        (value): Settled => ({ ok: true, value }),
        (error: unknown): Settled => ({ ok: false, error }),
      ),
    );
  }
  const all = Promise.all(settled.values());
  return async (key: K) => {
    await all;
    const r = await settled.get(key)!;
    if (!r.ok) throw r.error;
    return r.value;
  };
}
