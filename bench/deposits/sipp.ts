/**
 * SIPp placing the deposits: the shared `vm_uac_g711.xml` scenario (INVITE → 200 → ACK,
 * rtp_stream of a raw µ-law file looped until the BYE, RFC 4733 "1" and SIP INFO "5" at
 * 2 s, then `-d` ms of talk, BYE), and what it reports: the `-stf` statistics (last
 * line), the `-trace_err` log and, per call, the time of every SIP message from
 * `-trace_shortmsg` (µs timestamps) — the INVITE→200 latency and the exact span between
 * the ACK and the BYE, which gives each call's expected message length.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpBlock, freeUdpPort, spawnWithFdLimit, type Child } from './children.js';

/** SIPp's -rtp_threadtasks unless BENCH_SIPP_RTP_TASKS says otherwise (see where it is passed). */
export const SIPP_RTP_TASKS_PER_THREAD = 250;

export const SHARED_SIPP = join(import.meta.dirname, '..', '..', '..', 'shared', 'testdata', 'sipp');
export const SCENARIO = join(SHARED_SIPP, 'vm_uac_g711.xml');
/** RFC 4733 DTMF "1", shipped by the Debian sip-tester package. */
export const DTMF_PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap';
/** The scenario's fixed pause between the ACK and the INFO (its talk `<pause/>` follows). */
export const SCENARIO_PAUSE_MS = 2000;

export interface SippOptions {
  readonly dir: string;
  readonly target: { readonly host: string; readonly port: number };
  readonly service: string;
  readonly ulaw: string;
  readonly calls: number;
  readonly rate: number;
  readonly talkPauseMs: number;
  readonly timeoutS: number;
  /** More SIPp arguments (diagnostics, e.g. -trace_msg). */
  readonly extraArgs?: readonly string[];
}

/** Epoch seconds of each SIP event of one call (first occurrence). */
export interface CallTimes {
  invite?: number;
  ok200?: number;
  ack?: number;
  bye?: number;
  byeOk?: number;
  /** Final responses to the INVITE other than 200, e.g. "503". */
  otherFinal?: string;
}

export interface SippResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly args: readonly string[];
  /** Cumulative counters of the last `-stf` line, by bare name (`FailedCall`, `SuccessfulCall`...). */
  readonly counters: Readonly<Record<string, number>>;
  readonly calls: ReadonlyMap<string, CallTimes>;
  readonly errors: string;
  readonly output: string;
  /** SIPp's media port (-mp). */
  readonly mediaPort: number;
}

export interface SippRun {
  readonly child: Child;
  readonly pid: number;
  readonly done: Promise<SippResult>;
}

export async function startSipp(o: SippOptions): Promise<SippRun> {
  if (!existsSync(SCENARIO)) throw new Error(`${SCENARIO} is missing (../shared/testdata/sipp)`);
  if (!existsSync(DTMF_PCAP)) throw new Error(`${DTMF_PCAP} is missing (apt-get install sip-tester)`);
  const sipPort = await freeUdpPort();
  const mediaPort = await freeUdpBlock(4, 45_000, 49_999);
  const controlPort = await freeUdpPort();
  const files = { stat: join(o.dir, 'stats.csv'), err: join(o.dir, 'errors.log'), short: join(o.dir, 'messages.tsv') };
  const args = [
    `${o.target.host}:${String(o.target.port)}`,
    ...['-sf', SCENARIO, '-s', o.service, '-t', 'u1'],
    ...['-i', '127.0.0.1', '-bind_local', '-p', String(sipPort), '-mi', '127.0.0.1', '-mp', String(mediaPort), '-ci', '127.0.0.1', '-cp', String(controlPort)],
    ...['-key', 'audio', `${o.ulaw},-1,0`, '-key', 'dtmf', DTMF_PCAP],
    ...['-l', String(o.calls), '-m', String(o.calls), '-r', String(o.rate), '-rp', '1000', '-d', String(o.talkPauseMs)],
    // SIPp's default 64 KiB socket buffer drops SIP responses under load (BENCHMARKS.md, OPTIONS note 4).
    ...['-buff_size', String(4 * 1024 * 1024)],
    ...['-trace_stat', '-stf', files.stat, '-fd', '1'],
    ...['-trace_err', '-error_file', files.err],
    ...['-trace_shortmsg', '-shortmessage_file', files.short],
    ...['-timeout', `${String(o.timeoutS)}s`, '-timeout_error', '-nostdin'],
    // 250 RTP streams per SIPp thread, not SIPp's 20: at 2,500 calls 10 threads instead of
    // 125, each waking every 20 ms; the same packets at the same pace, but SIPp took 12 % less
    // CPU (56–57 % of a core instead of 64–68 %) from the two cores it shares with the server
    // (BENCHMARKS.md §4). BENCH_SIPP_RTP_TASKS=20 gives SIPp's default back.
    ...['-rtp_threadtasks', process.env['BENCH_SIPP_RTP_TASKS'] || String(SIPP_RTP_TASKS_PER_THREAD)],
    ...(o.extraArgs ?? []),
  ];
  const child = spawnWithFdLimit('sipp', args, { cwd: o.dir });
  const killer = setTimeout(() => void child.stop(1000), (o.timeoutS + 30) * 1000);
  const done = child.exited.then(({ code, signal }) => {
    clearTimeout(killer);
    const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'latin1') : '');
    return {
      code,
      signal,
      args,
      counters: parseStatCsv(read(files.stat)),
      calls: parseShortMessages(read(files.short)),
      errors: read(files.err),
      output: (child.stdout() + child.stderr()).slice(-8000),
      mediaPort,
    };
  });
  return { child, pid: child.pid, done };
}

/** Last line of the -stf CSV as name → number, the cumulative `(C)` columns also under their bare name. */
export function parseStatCsv(text: string): Record<string, number> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return {};
  const names = lines[0]!.split(';');
  const values = lines[lines.length - 1]!.split(';');
  const out: Record<string, number> = {};
  names.forEach((name, i) => {
    const v = Number(values[i]);
    if (name === '' || !Number.isFinite(v)) return;
    out[name] = v;
    if (name.endsWith('(C)')) out[name.slice(0, -3)] = v;
  });
  return out;
}

/**
 * `-trace_shortmsg` lines: date, time, epoch seconds (µs), S|R, Call-ID, "CSeq:N METHOD",
 * start line — tab-separated.
 */
export function parseShortMessages(text: string): Map<string, CallTimes> {
  const calls = new Map<string, CallTimes>();
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length < 7) continue;
    const at = Number(f[2]);
    const dir = f[3];
    const callId = f[4]!;
    const method = (f[5] ?? '').split(' ')[1] ?? '';
    const start = f[6] ?? '';
    let c = calls.get(callId);
    if (!c) calls.set(callId, (c = {}));
    if (dir === 'S') {
      if (method === 'INVITE' && start.startsWith('INVITE')) c.invite ??= at;
      else if (method === 'ACK') c.ack ??= at;
      else if (method === 'BYE' && start.startsWith('BYE')) c.bye ??= at;
    } else if (dir === 'R') {
      const code = /^SIP\/2\.0 (\d{3})/.exec(start)?.[1];
      if (method === 'INVITE' && code === '200') c.ok200 ??= at;
      else if (method === 'INVITE' && code !== undefined && Number(code) >= 300) c.otherFinal ??= code;
      else if (method === 'BYE' && code === '200') c.byeOk ??= at;
    }
  }
  return calls;
}
