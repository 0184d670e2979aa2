/**
 * OPTIONS load: SIPp (UAC, bench/sipp/options-uac.xml) sends out-of-dialog OPTIONS over
 * UDP at a fixed rate to the server in its own process; we report what SIPp saw (calls,
 * failures, retransmissions, response times) and what the server cost (CPU from
 * /proc/<pid>/stat, RSS, event-loop delay), plus kernel UDP drops per socket, so that a
 * retransmission can be told apart from a datagram the kernel dropped.
 *
 * The server is the built CLI (`node dist/cli/bin.js serve ...`) when `dist/` is there and
 * answers; otherwise the stack alone (bench/options-server.ts, same defaults).
 *
 * Environment:
 *   BENCH_RATE=5000            OPTIONS per second (SIPp -r, -rp 1000)
 *   BENCH_DURATION_S=30        seconds; SIPp -m = rate × duration (a quick check: 5)
 *   BENCH_MAX_TRANSACTIONS=N   override limits.maxTransactions (default: production 50,000)
 *   BENCH_T1=MS                override timers.t1 (default: production 500)
 *   BENCH_SERVER=stack|cli     force one kind of server
 *   BENCH_SIPP_BUFF=BYTES      SIPp -buff_size (default 4 MiB; SIPp's own default, 64 KiB,
 *                              drops responses at this rate — seen as "SIPp socket drops")
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fixed, int, printTable } from './table.js';

const ROOT = join(import.meta.dirname, '..');
const HOST = '127.0.0.1';
const SCENARIO = join(import.meta.dirname, 'sipp', 'options-uac.xml');
const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64/arm64

export const OPTIONS_TARGET = { rate: 5000, durationS: 30 } as const;

// --- the server ------------------------------------------------------------------

interface ServerStatsLine {
  stats: { serverTransactions: number; tcpConnections: number };
  at: number;
  loopDelayMs?: { p50: number; p99: number; max: number };
  heapUsedMB?: number;
}

interface Server {
  readonly kind: string;
  readonly pid: number;
  readonly port: number;
  readonly lines: ServerStatsLine[];
  readonly stderr: () => string;
  stop(): Promise<void>;
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${v} is not a positive number`);
  return n;
}

function collect(child: ChildProcess, max = 64 * 1024): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    text = (text + s).slice(-max);
  });
  return () => text;
}

function stopChild(child: ChildProcess, timeoutMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** One OPTIONS; true if a 200 came back within `ms`. */
async function probe(port: number, ms = 300): Promise<boolean> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const lp = s.address().port;
  const callId = `probe-${String(Date.now())}-${String(lp)}`;
  const msg =
    `OPTIONS sip:${HOST}:${String(port)} SIP/2.0\r\nVia: SIP/2.0/UDP ${HOST}:${String(lp)};branch=z9hG4bK${callId};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:probe@${HOST}>;tag=p\r\nTo: <sip:${HOST}>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      s.on('message', (b) => {
        if (b.toString('latin1').startsWith('SIP/2.0 200') && b.includes(callId)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      s.send(msg, port, HOST);
    });
  } finally {
    s.close();
  }
}

function serverConfigOverrides(): { maxTransactions?: number; t1?: number } {
  const maxTransactions = envNumber('BENCH_MAX_TRANSACTIONS');
  const t1 = envNumber('BENCH_T1');
  return { ...(maxTransactions ? { maxTransactions } : {}), ...(t1 ? { t1 } : {}) };
}

/** The built CLI, as `npm start` runs it. null if dist/ is missing or it does not answer. */
async function startCli(tmp: string): Promise<Server | null> {
  const bin = join(ROOT, 'dist', 'cli', 'bin.js');
  if (!existsSync(bin)) return null;
  const port = await freePort();
  const args = [bin, 'serve', '--sip-host', HOST, '--sip-port', String(port), '--http-host', HOST, '--http-port', '0', '--data', join(tmp, 'data'), '--log-level', 'warn'];
  const o = serverConfigOverrides();
  if (o.maxTransactions || o.t1) {
    const cfg = join(tmp, 'voxmail.json');
    writeFileSync(cfg, JSON.stringify({ sip: { ...(o.t1 ? { timers: { t1: o.t1 } } : {}), ...(o.maxTransactions ? { limits: { maxTransactions: o.maxTransactions } } : {}) } }));
    args.push('--config', cfg);
  }
  const child = spawn(process.execPath, args, { cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = collect(child);
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await probe(port)) {
      return { kind: 'built CLI (node dist/cli/bin.js serve)', pid: child.pid!, port, lines: [], stderr, stop: () => stopChild(child) };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`(the built CLI did not answer OPTIONS; using bench/options-server.ts)\n${stderr().slice(-2000)}`);
  await stopChild(child);
  return null;
}

/** The stack alone in its own process (bench/options-server.ts under tsx's loader), or the reference responder. */
async function startStackServer(reference = false): Promise<Server> {
  const o = serverConfigOverrides();
  const args = ['--import', 'tsx', join(import.meta.dirname, 'options-server.ts'), '--host', HOST, '--port', '0'];
  if (reference) args.push('--reference');
  if (o.maxTransactions && !reference) args.push('--max-transactions', String(o.maxTransactions));
  if (o.t1 && !reference) args.push('--t1', String(o.t1));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collect(child);
  const lines: ServerStatsLine[] = [];
  const ready = new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`options-server did not start:\n${stderr()}`)), 20_000);
    child.once('exit', (code) => reject(new Error(`options-server exited (${String(code)}):\n${stderr()}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = JSON.parse(line) as { ready?: boolean; port?: number; pid?: number } & Partial<ServerStatsLine>;
      if (m.ready) {
        clearTimeout(timer);
        resolve({ port: m.port!, pid: m.pid! });
      } else if (m.stats) lines.push(m as ServerStatsLine);
    });
  });
  const { port, pid } = await ready;
  if (!(await probe(port, 2000))) throw new Error('options-server does not answer OPTIONS');
  const settings = o.maxTransactions || o.t1 ? `overrides ${JSON.stringify(o)}` : 'production defaults';
  const kind = reference ? 'reference: minimal Node UDP responder (options-server.ts --reference)' : `SIP stack alone (bench/options-server.ts, ${settings})`;
  return { kind, pid, port, lines, stderr, stop: () => stopChild(child) };
}

// --- /proc sampling ------------------------------------------------------------------

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the ")" that ends the command name: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

function memoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const get = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/** Kernel drop counter of the IPv4 UDP socket bound to 127.0.0.1:port (last column of /proc/net/udp). */
function udpDrops(port: number): number | null {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[1] === hex) return Number(f[f.length - 1]);
  }
  return null;
}

function udpRcvbufErrors(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  return Number(values[names.indexOf('RcvbufErrors')]);
}

// --- SIPp ------------------------------------------------------------------------------

interface SippResult {
  readonly exitCode: number | null;
  readonly final: Map<string, string>;
  readonly perSecond: Map<string, string>[];
  readonly rttMs: number[];
  readonly errorCodes: string;
  readonly screen: string;
  readonly cpuS: number;
}

function readCsv(file: string): Map<string, string>[] {
  const rows = readFileSync(file, 'latin1').trim().split('\n').map((l) => l.split(';'));
  const head = rows[0] ?? [];
  return rows.slice(1).map((r) => new Map(head.map((h, i) => [h, r[i] ?? ''])));
}

/** SIPp's "HH:MM:SS:uuuuuu" (or "HH:MM:SS") as seconds. */
function sippTime(s: string | undefined): number {
  const p = (s ?? '').split(':').map(Number);
  return (p[0] ?? 0) * 3600 + (p[1] ?? 0) * 60 + (p[2] ?? 0) + (p[3] ?? 0) / 1e6;
}

async function runSipp(port: number, localPort: number, rate: number, total: number, durationS: number, dir: string): Promise<SippResult> {
  const buff = envNumber('BENCH_SIPP_BUFF') ?? 4 * 1024 * 1024;
  const args = [
    `${HOST}:${String(port)}`,
    ...['-sf', SCENARIO, '-s', 'voxmail', '-i', HOST, '-p', String(localPort), '-t', 'u1'],
    ...['-r', String(rate), '-rp', '1000', '-m', String(total), '-l', String(Math.max(1000, rate))],
    ...['-buff_size', String(buff)],
    ...['-trace_stat', '-stf', 'stats.csv', '-fd', '1'],
    ...['-trace_err', '-error_file', 'errors.log', '-trace_error_codes'],
    ...['-trace_rtt', '-rtt_freq', '1000'],
    ...['-timeout', `${String(durationS + 60)}s`, '-nostdin'],
  ];
  console.log(`sipp ${args.join(' ')}`);
  const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let screen = '';
  const keep = (s: string): void => {
    screen = (screen + s).slice(-16 * 1024);
  };
  child.stdout.setEncoding('latin1').on('data', keep);
  child.stderr.setEncoding('latin1').on('data', keep);
  let cpuS = 0;
  const sample = setInterval(() => {
    try {
      cpuS = cpuSeconds(child.pid!);
    } catch {
      /* exited */
    }
  }, 250);
  const killer = setTimeout(() => child.kill('SIGKILL'), (durationS + 90) * 1000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`cannot run sipp (Debian package sip-tester): ${e.message}`)));
    child.once('exit', (code) => resolve(code));
  });
  clearInterval(sample);
  clearTimeout(killer);

  const files = readdirSync(dir);
  const statsFile = join(dir, 'stats.csv');
  if (!existsSync(statsFile)) throw new Error(`sipp wrote no statistics (exit ${String(exitCode)}):\n${screen.slice(-3000)}`);
  const rows = readCsv(statsFile);
  const rttFile = files.find((f) => f.endsWith('_rtt.csv'));
  const rttMs = rttFile
    ? readFileSync(join(dir, rttFile), 'latin1')
        .split('\n')
        .slice(1)
        .map((l) => Number(l.split(';')[1]))
        .filter((x) => Number.isFinite(x))
    : [];
  const codesFile = files.find((f) => f.endsWith('_error_codes.csv') || f.endsWith('_error_codes.log'));
  const errorCodes = codesFile ? readFileSync(join(dir, codesFile), 'latin1') : '';
  return { exitCode, final: rows.at(-1) ?? new Map(), perSecond: rows, rttMs, errorCodes, screen, cpuS };
}

/** Counts of SIP status codes in SIPp's unexpected-message trace. */
function summariseCodes(text: string): string {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/\b([1-6]\d\d)\b/g)) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${c}×${int(n)}`).join(', ');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// --- the benchmark ----------------------------------------------------------------------

interface LoadResult {
  readonly rate: number;
  readonly durationS: number;
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  readonly retrans: number;
  readonly cpuPercent: number;
  readonly cells: Map<string, string>;
}

const METRICS = [
  'server',
  'OPTIONS sent (calls created)',
  'successful (200)',
  'failed',
  'retransmissions (SIPp)',
  'achieved rate',
  'response time p50 / p99 / p99.9 / max (ms)',
  'server CPU, % of one core',
  'server CPU per OPTIONS',
  'SIPp CPU, % of one core',
  'server RSS start / peak / end',
  'server transactions alive (peak)',
  'server JS heap used (peak)',
  'server event-loop delay, worst second p99 / max',
  'kernel UDP drops: server / SIPp socket / all',
  'SIPp exit code',
] as const;

/** Run SIPp against one server at `rate` for `durationS` and collect every figure. */
async function measure(server: Server, rate: number, durationS: number, tmp: string): Promise<LoadResult> {
  const total = Math.round(rate * durationS);
  const dir = mkdtempSync(join(tmp, 'sipp-'));
  const sippPort = await freePort();
  console.log(`\n${server.kind}: pid ${String(server.pid)}, port ${String(server.port)}; ${int(rate)}/s for ${String(durationS)} s (${int(total)} OPTIONS)`);

  const cpu0 = cpuSeconds(server.pid);
  const mem0 = memoryKb(server.pid);
  const rcvbuf0 = udpRcvbufErrors();
  const serverDrops0 = udpDrops(server.port) ?? 0;
  const linesBefore = server.lines.length;
  const t0 = performance.now();
  let rssPeak = mem0.rss;
  let sippDrops = 0;
  // RSS and SIPp's socket drops must be read while the processes are alive: sample them.
  const sampler = setInterval(() => {
    try {
      rssPeak = Math.max(rssPeak, memoryKb(server.pid).rss);
    } catch {
      /* gone */
    }
    sippDrops = Math.max(sippDrops, udpDrops(sippPort) ?? 0);
  }, 250);
  let sipp: SippResult;
  try {
    sipp = await runSipp(server.port, sippPort, rate, total, durationS, dir);
  } finally {
    clearInterval(sampler);
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpuSeconds(server.pid) - cpu0;
  const mem1 = memoryKb(server.pid);
  rssPeak = Math.max(rssPeak, mem1.rss);
  const serverDrops = (udpDrops(server.port) ?? 0) - serverDrops0;
  const rcvbufErrors = udpRcvbufErrors() - rcvbuf0;
  const during = server.lines.slice(linesBefore);

  const f = sipp.final;
  const num = (k: string): number => Number(f.get(k) ?? NaN);
  const created = num('TotalCallCreated');
  const ok = num('SuccessfulCall(C)');
  const failed = num('FailedCall(C)');
  const retrans = num('Retransmissions(C)');
  const elapsed = sippTime(f.get('ElapsedTime(C)'));
  const rtt = [...sipp.rttMs].sort((a, b) => a - b);
  const failedKinds = [...f.keys()]
    .filter((k) => k.startsWith('Failed') && k.endsWith('(C)') && k !== 'FailedCall(C)' && Number(f.get(k)) > 0)
    .map((k) => `${k.slice(6, -3)} ${int(Number(f.get(k)))}`)
    .join(', ');
  const codes = summariseCodes(sipp.errorCodes);
  const retransSeconds = sipp.perSecond
    .filter((r) => Number(r.get('Retransmissions(P)')) > 0)
    .map((r) => `${fixed(sippTime(r.get('ElapsedTime(C)')), 0)} s: ${r.get('Retransmissions(P)') ?? ''}`)
    .join(', ');
  const cpuPercent = (100 * cpuS) / wallS;

  const cells = new Map<string, string>();
  cells.set('server', server.kind.split(' (')[0]!);
  cells.set('OPTIONS sent (calls created)', int(created));
  cells.set('successful (200)', int(ok));
  cells.set('failed', `${int(failed)}${failedKinds ? ` (${failedKinds}${codes ? `: ${codes}` : ''})` : ''}`);
  cells.set('retransmissions (SIPp)', `${int(retrans)}${retransSeconds ? ` (at ${retransSeconds})` : ''}`);
  cells.set('achieved rate', `${int(elapsed > 0 ? ok / elapsed : NaN)}/s over ${fixed(elapsed, 1)} s`);
  cells.set(
    'response time p50 / p99 / p99.9 / max (ms)',
    rtt.length ? `${String(percentile(rtt, 50))} / ${String(percentile(rtt, 99))} / ${String(percentile(rtt, 99.9))} / ${String(rtt.at(-1))}` : 'n/a',
  );
  cells.set('server CPU, % of one core', `${fixed(cpuPercent, 1)} % (${fixed(cpuS, 1)} s in ${fixed(wallS, 1)} s)`);
  cells.set('server CPU per OPTIONS', `${fixed((cpuS * 1e6) / Math.max(1, created), 1)} µs`);
  cells.set('SIPp CPU, % of one core', `${fixed((100 * sipp.cpuS) / wallS, 1)} %`);
  cells.set('server RSS start / peak / end', `${int(mem0.rss / 1024)} / ${int(rssPeak / 1024)} / ${int(mem1.rss / 1024)} MB`);
  if (during.length > 0) {
    cells.set('server transactions alive (peak)', int(Math.max(0, ...during.map((l) => l.stats.serverTransactions))));
    cells.set('server JS heap used (peak)', `${int(Math.max(0, ...during.map((l) => l.heapUsedMB ?? 0)))} MB`);
    const p99 = Math.max(0, ...during.map((l) => l.loopDelayMs?.p99 ?? 0));
    const max = Math.max(0, ...during.map((l) => l.loopDelayMs?.max ?? 0));
    cells.set('server event-loop delay, worst second p99 / max', `${fixed(p99, 1)} / ${fixed(max, 1)} ms`);
  }
  cells.set('kernel UDP drops: server / SIPp socket / all', `${String(serverDrops)} / ${String(sippDrops)} / ${String(rcvbufErrors)}`);
  cells.set('SIPp exit code', String(sipp.exitCode));
  return { rate, durationS, total, ok, failed, retrans, cpuPercent, cells };
}

export interface OptionsBenchResult {
  readonly targetMet: boolean;
  readonly summary: string;
}

export async function runOptionsBench(): Promise<OptionsBenchResult> {
  const rate = envNumber('BENCH_RATE') ?? OPTIONS_TARGET.rate;
  const durationS = envNumber('BENCH_DURATION_S') ?? OPTIONS_TARGET.durationS;
  const refEnv = process.env['BENCH_REFERENCE_S'];
  const referenceS = refEnv === '0' ? 0 : (envNumber('BENCH_REFERENCE_S') ?? Math.min(durationS, 10));
  const tmp = mkdtempSync(join(tmpdir(), 'voxmail-bench-'));
  const want = process.env['BENCH_SERVER'];
  const o = serverConfigOverrides();
  console.log(
    `\nOPTIONS load over UDP on loopback: SIPp ${int(rate)}/s for ${String(durationS)} s` +
      (referenceS > 0 ? `, then the reference responder for ${String(referenceS)} s` : '') +
      (o.maxTransactions || o.t1 ? `; server overrides ${JSON.stringify(o)}` : '; server with production defaults'),
  );
  try {
    let main: LoadResult;
    let server: Server | null = null;
    try {
      if (want !== 'stack') server = await startCli(tmp);
      if (!server) {
        if (want === 'cli') throw new Error('BENCH_SERVER=cli but dist/cli/bin.js is missing or does not answer (npm run build)');
        server = await startStackServer();
      }
      main = await measure(server, rate, durationS, tmp);
    } finally {
      await server?.stop();
    }
    let ref: LoadResult | null = null;
    if (referenceS > 0) {
      const r = await startStackServer(true);
      try {
        ref = await measure(r, rate, referenceS, tmp);
      } finally {
        await r.stop();
      }
    }

    const columns = [{ title: 'metric' }, { title: `Voxmail (${String(durationS)} s)` }, ...(ref ? [{ title: `reference responder (${String(referenceS)} s)` }] : [])];
    const rows = METRICS.filter((m) => main.cells.has(m) || ref?.cells.has(m)).map((m) => [m, main.cells.get(m) ?? '–', ...(ref ? [ref.cells.get(m) ?? '–'] : [])]);
    if (ref) rows.push(['server CPU ÷ reference CPU', `${fixed(main.cpuPercent / ref.cpuPercent, 1)} ×`, '1 ×']);
    printTable(`OPTIONS load: SIPp UAC → server, ${int(rate)}/s, UDP, loopback`, columns, rows);

    const clean = main.ok === main.total && main.failed === 0 && main.retrans === 0;
    const full = rate >= OPTIONS_TARGET.rate && durationS >= OPTIONS_TARGET.durationS;
    const targetMet = clean && full;
    const summary =
      `OPTIONS ${int(rate)}/s × ${String(durationS)} s: ${int(main.ok)}/${int(main.total)} ok, ${int(main.failed)} failed, ${int(main.retrans)} retransmissions — ` +
      (targetMet ? 'target met' : clean ? `clean, but below the target load (${int(OPTIONS_TARGET.rate)}/s × ${String(OPTIONS_TARGET.durationS)} s)` : 'target NOT met');
    return { targetMet, summary };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
