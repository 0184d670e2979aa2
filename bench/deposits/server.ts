/**
 * The server under test: the built CLI (`node dist/cli/bin.js serve`) in a child process
 * on a fresh data directory, and a prober that times `GET /healthz` every 100 ms from a
 * worker thread (its own event loop, so the bench's /proc sampling cannot delay it).
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fixed } from '../table.js';
import { freeTcpPort, freeUdpTcpPort, spawnWithFdLimit, type Child } from './children.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const HOST = '127.0.0.1';

export interface ServerOptions {
  readonly dataDir: string;
  readonly cwd: string;
  readonly rtpPorts: readonly [number, number];
  /** Default warn: the per-call info lines would be measured too (pino writes stdout synchronously). */
  readonly logLevel?: string;
  /** Node flags for the server, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] (BENCH_DEPOSITS_NODE_ARGS). */
  readonly nodeArgs?: readonly string[];
  /** `--media-workers` (0: media on the main thread, the server's default). */
  readonly mediaWorkers?: number;
  /** `--store-writer` (main: the server's default). */
  readonly storeWriter?: 'main' | 'worker';
}

export interface Server {
  readonly child: Child;
  readonly pid: number;
  readonly sipPort: number;
  readonly httpPort: number;
  readonly args: readonly string[];
  /**
   * How many lines the server logged at warn or above, the first few (JSON), and the
   * media-clock ticks its `VM_MEDIA_OVERLOAD` warnings say were skipped.
   */
  warnings(): ServerWarnings;
}

export interface ServerWarnings {
  readonly count: number;
  readonly first: readonly string[];
  readonly mediaSkippedTicks: number;
  /** The `VM_MEDIA_OVERLOAD` warnings, the first 50 (one per media thread at most every 10 s). */
  readonly overloads: readonly OverloadReport[];
}

/** What one `VM_MEDIA_OVERLOAD` warning says: when, which media thread, ticks skipped, the latest wake-up. */
export interface OverloadReport {
  /** The log line's time (epoch ms). */
  readonly time: number;
  /** The worker's index (`mediaWorker`); −1 for media on the main thread. */
  readonly worker: number;
  readonly skippedTicks: number;
  readonly worstLateMs: number;
}

/** The `VM_MEDIA_OVERLOAD` warning in a log line (JSON), or null for any other line. */
export function overloadReport(line: string): OverloadReport | null {
  if (!line.includes('"VM_MEDIA_OVERLOAD"')) return null;
  try {
    const o = JSON.parse(line) as { code?: unknown; skippedTicks?: unknown; worstLateMs?: unknown; time?: unknown; mediaWorker?: unknown };
    if (o.code !== 'VM_MEDIA_OVERLOAD' || typeof o.skippedTicks !== 'number') return null;
    const time = typeof o.time === 'number' ? o.time : typeof o.time === 'string' ? Date.parse(o.time) : NaN;
    return {
      time,
      worker: typeof o.mediaWorker === 'number' ? o.mediaWorker : -1,
      skippedTicks: o.skippedTicks,
      worstLateMs: typeof o.worstLateMs === 'number' ? o.worstLateMs : NaN,
    };
  } catch {
    return null;
  }
}

/**
 * When the overload warnings came, in seconds after SIPp started the step (the ramp is its
 * first N ÷ R s): whether the media threads fall behind at the ramp's end, when the last
 * intros play over every call's incoming audio, or anywhere. A warning reports the ticks
 * skipped since that thread's previous one (at most one per 10 s), so a time is when a
 * stretch of stalls was said, not when each began.
 */
export function overloadTimeline(overloads: readonly OverloadReport[], startEpochMs: number): string {
  if (overloads.length === 0) return 'no warning was parsed';
  return `warnings at ${overloads
    .map((o) => `${Number.isFinite(startEpochMs) ? `+${fixed((o.time - startEpochMs) / 1000, 1)} s` : new Date(o.time).toISOString()} (thread ${o.worker < 0 ? 'main' : String(o.worker)}: ${String(o.skippedTicks)} ticks, worst ${String(o.worstLateMs)} ms late)`)
    .join(', ')}`;
}

/** Whether `GET /healthz` on HOST:port answers 200 within `timeoutMs`. */
export function healthz(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path: '/healthz', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/**
 * Starts the server and waits until it is up. With `--log-level warn` the server does not
 * print its "voxmail started" line (info), so readiness is `/healthz` answering 200 on
 * the HTTP port we chose (the health server starts last, after SIP and the store).
 */
export async function startServer(o: ServerOptions): Promise<Server> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build`);
  const sipPort = await freeUdpTcpPort();
  const httpPort = await freeTcpPort();
  const args = [
    ...(o.nodeArgs ?? []),
    BIN, 'serve',
    '--data', o.dataDir,
    '--sip-host', HOST, '--sip-port', String(sipPort),
    '--http-host', HOST, '--http-port', String(httpPort),
    '--rtp-ports', `${String(o.rtpPorts[0])}-${String(o.rtpPorts[1])}`,
    '--log-level', o.logLevel ?? 'warn',
    ...(o.mediaWorkers !== undefined && o.mediaWorkers > 0 ? ['--media-workers', String(o.mediaWorkers)] : []),
    ...(o.storeWriter !== undefined && o.storeWriter !== 'main' ? ['--store-writer', o.storeWriter] : []),
    // BENCH_DEPOSITS_RTP_SOCKETS=dgram|native: the server's rtp.sockets (default auto: native here).
    ...(process.env['BENCH_DEPOSITS_RTP_SOCKETS'] ? ['--rtp-sockets', process.env['BENCH_DEPOSITS_RTP_SOCKETS']] : []),
    // BENCH_DEPOSITS_RTP_READ_INTERVAL_MS=0|40–1000: the server's rtp.readIntervalMs (default 100: paced reads).
    ...(process.env['BENCH_DEPOSITS_RTP_READ_INTERVAL_MS'] ? ['--rtp-read-interval-ms', process.env['BENCH_DEPOSITS_RTP_READ_INTERVAL_MS']] : []),
    ...(process.env['BENCH_DEPOSITS_MEDIA_NICE'] ? ['--media-worker-nice', process.env['BENCH_DEPOSITS_MEDIA_NICE']] : []),
    ...(process.env['BENCH_DEPOSITS_OVERLOAD_REFUSE_MS'] ? ['--media-overload-refuse-ms', process.env['BENCH_DEPOSITS_OVERLOAD_REFUSE_MS']] : []),
    // BENCH_DEPOSITS_SIP_NICE=-10: the server's sip.threadNice (the main thread alone; unset: left).
    ...(process.env['BENCH_DEPOSITS_SIP_NICE'] ? ['--sip-thread-nice', process.env['BENCH_DEPOSITS_SIP_NICE']] : []),
    // BENCH_DEPOSITS_NICE=-10: the server's process.nice (every thread; 0, unset: left).
    ...(process.env['BENCH_DEPOSITS_NICE'] ? ['--nice', process.env['BENCH_DEPOSITS_NICE']] : []),
  ];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VOXMAIL_')) env[k] = v;
  const child = spawnWithFdLimit(process.execPath, args, { cwd: o.cwd, env });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) {
      throw new Error(`the server exited before it started (${String(child.proc.exitCode ?? child.proc.signalCode)}):\n${child.stdout().slice(-3000)}\n${child.stderr().slice(-3000)}`);
    }
    if (child.stdout().includes('"voxmail started"') || (await healthz(httpPort, 500))) break;
    if (Date.now() > deadline) {
      await child.stop(2000);
      throw new Error(`the server did not answer /healthz within 30 s:\n${child.stdout().slice(-3000)}\n${child.stderr().slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // Counted as they come: stdout() keeps only the last 64 KiB.
  let count = 0;
  let mediaSkippedTicks = 0;
  const first: string[] = [];
  const overloads: OverloadReport[] = [];
  let partial = '';
  // BENCH_DEPOSITS_SERVER_STDOUT=FILE: all the server prints, appended (e.g. with
  // BENCH_DEPOSITS_NODE_ARGS=--trace-gc, whose lines V8 prints there, workers' too).
  const tee = process.env['BENCH_DEPOSITS_SERVER_STDOUT'] ? createWriteStream(process.env['BENCH_DEPOSITS_SERVER_STDOUT'], { flags: 'a' }) : null;
  tee?.write(`--- ${new Date().toISOString()} server pid ${String(child.pid)}: ${args.join(' ')}\n`);
  child.proc.once('exit', () => tee?.end());
  child.proc.stdout?.on('data', (s: string) => {
    tee?.write(s);
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      if (!/^\{"level":[4-6]\d/.test(l)) continue;
      count++;
      const overload = overloadReport(l);
      if (overload !== null) {
        mediaSkippedTicks += overload.skippedTicks;
        if (overloads.length < 50) overloads.push(overload);
      }
      if (first.length < 3) first.push(l);
    }
  });
  const warnings = (): ServerWarnings => ({ count, first, mediaSkippedTicks, overloads });
  return { child, pid: child.pid, sipPort, httpPort, args, warnings };
}

/** Runs the built CLI (a data command) to completion; rejects on a non-zero exit. */
export function runCli(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 60_000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`voxmail ${args.join(' ')} failed: ${e.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** One timed GET /healthz: when it was sent (ms since the epoch) and how long it took (ms). */
export interface HealthSample {
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
}

const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const samples = [];
let running = true;
parentPort.on('message', (m) => { if (m === 'stop') running = false; });
function once() {
  return new Promise((resolve) => {
    const at = Date.now();
    const t0 = performance.now();
    let done = false;
    const finish = (ok) => { if (!done) { done = true; samples.push({ at, ms: performance.now() - t0, ok }); resolve(); } };
    const req = http.get({ host: '127.0.0.1', port: workerData.port, path: '/healthz', agent, timeout: 10000 }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200));
      res.on('error', () => finish(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => finish(false));
  });
}
(async () => {
  while (running) {
    const start = performance.now();
    await once();
    const wait = workerData.everyMs - (performance.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  agent.destroy();
  parentPort.postMessage(samples);
})();
`;

/** Times GET /healthz every `everyMs` (one request at a time) until `stop()`. */
export class HealthProber {
  private readonly worker: Worker;
  private readonly result: Promise<HealthSample[]>;

  constructor(port: number, everyMs = 100) {
    this.worker = new Worker(PROBER, { eval: true, workerData: { port, everyMs } });
    this.result = new Promise((resolve, reject) => {
      this.worker.once('message', (s: HealthSample[]) => resolve(s));
      this.worker.once('error', reject);
    });
  }

  async stop(): Promise<HealthSample[]> {
    this.worker.postMessage('stop');
    const s = await this.result;
    await this.worker.terminate();
    return s;
  }
}

/** The newest mtime under src/ vs the built CLI `bin`: a stale build is measured as is, but said. */
export function staleBuildNote(bin: string): string | null {
  let newest = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  try {
    walk(join(ROOT, 'src'));
    const built = statSync(bin).mtimeMs;
    return newest > built ? `dist/ is older than src/ (newest source ${new Date(newest).toISOString()}, build ${new Date(built).toISOString()}): run npm run build` : null;
  } catch {
    return null;
  }
}
