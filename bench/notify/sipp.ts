/**
 * SIPp placing the deposits of the notifications bench: the shared
 * `../shared/testdata/sipp/vm_uac_g711.xml` (INVITE → 200 → ACK, rtp_stream of a raw µ-law
 * file looped until the BYE, RFC 4733 "1" and SIP INFO "5" after 2 s, `-d` ms of talk,
 * BYE → 200), copied to the run directory with ONE edit: the From user
 * `caller[call_number]` becomes `+7495555[call_number]`, so every call has its own
 * caller number made of digits — a caller number the SMS and e-mail show (a non-numeric
 * one is left out of an SMS), and one more key to check a notification against its call.
 *
 * Per call, the time of every SIP message comes from `-trace_shortmsg` (one line per
 * message: date, time, epoch seconds with µs, S|R, Call-ID, CSeq, start line): the
 * hang-up is the moment SIPp sent the BYE.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopChild } from '../../test/support/child-processes.js';
import { freeUdpBlock, freeUdpPort } from '../../test/support/ports.js';
import { writeUlawTone } from '../../test/support/sipp.js';

export const SHARED_SCENARIO = join(import.meta.dirname, '..', '..', '..', 'shared', 'testdata', 'sipp', 'vm_uac_g711.xml');
export const DTMF_PCAP = '/usr/share/sip-tester/dtmf_2833_1.pcap';
/** The scenario's fixed pause between the ACK and the INFO; its bare `<pause/>` (`-d`) follows. */
export const SCENARIO_PAUSE_MS = 2000;
/** Caller numbers: this prefix and SIPp's call number. */
export const CALLER_PREFIX = '+7495555';

export interface NotifySippOptions {
  readonly dir: string;
  readonly target: { readonly host: string; readonly port: number };
  readonly service: string;
  readonly calls: number;
  readonly concurrency: number;
  /** New calls per `ratePeriodMs` (SIPp -r / -rp). */
  readonly rate: number;
  readonly ratePeriodMs: number;
  readonly talkPauseMs: number;
  readonly timeoutS: number;
  /** Called with SIPp's pid once it runs (for CPU sampling). */
  readonly onStart?: (pid: number) => void;
}

/** Epoch ms of each SIP event of one call (first occurrence). */
export interface CallTimes {
  invite?: number;
  ok200?: number;
  ack?: number;
  bye?: number;
  byeOk?: number;
  otherFinal?: string;
}

export interface NotifySippResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly args: readonly string[];
  readonly counters: Readonly<Record<string, number>>;
  readonly calls: ReadonlyMap<string, CallTimes>;
  readonly errors: string;
  readonly output: string;
}

export async function runNotifySipp(o: NotifySippOptions): Promise<NotifySippResult> {
  for (const [p, hint] of [
    [SHARED_SCENARIO, '../shared/testdata/sipp'],
    [DTMF_PCAP, 'apt-get install sip-tester'],
  ] as const) {
    if (!existsSync(p)) throw new Error(`${p} is missing (${hint})`);
  }
  const marker = 'sip:caller[call_number]@';
  const text = readFileSync(SHARED_SCENARIO, 'latin1');
  if (!text.includes(marker)) throw new Error(`${SHARED_SCENARIO} has no "${marker}" to edit`);
  const scenario = join(o.dir, 'vm_uac_g711.xml');
  writeFileSync(scenario, text.split(marker).join(`sip:${CALLER_PREFIX}[call_number]@`), 'latin1');
  // A 440 Hz tone, 1 s (a whole number of cycles, so it loops cleanly): voice for the recorder's detector.
  const audio = join(o.dir, 'tone.ulaw');
  writeUlawTone(audio, 1, 440);

  const files = { stat: join(o.dir, 'stats.csv'), err: join(o.dir, 'errors.log'), short: join(o.dir, 'messages.tsv') };
  const args = [
    `${o.target.host}:${String(o.target.port)}`,
    ...['-sf', scenario, '-s', o.service, '-t', 'u1'],
    ...['-i', '127.0.0.1', '-bind_local', '-p', String(await freeUdpPort())],
    ...['-mi', '127.0.0.1', '-mp', String(await freeUdpBlock(4, 45_000, 49_999)), '-ci', '127.0.0.1', '-cp', String(await freeUdpPort())],
    ...['-key', 'audio', `${audio},-1,0`, '-key', 'dtmf', DTMF_PCAP],
    ...['-l', String(o.concurrency), '-m', String(o.calls), '-r', String(o.rate), '-rp', String(o.ratePeriodMs), '-d', String(o.talkPauseMs)],
    ...['-buff_size', String(4 * 1024 * 1024)],
    ...['-trace_stat', '-stf', files.stat, '-fd', '1'],
    ...['-trace_err', '-error_file', files.err],
    ...['-trace_shortmsg', '-shortmessage_file', files.short],
    ...['-timeout', `${String(o.timeoutS)}s`, '-timeout_error', '-nostdin'],
  ];
  const child = spawnTracked('sipp', args, { cwd: o.dir });
  if (child.child.pid !== undefined) o.onStart?.(child.child.pid);
  const killer = setTimeout(() => void stopChild(child, 1000), (o.timeoutS + 30) * 1000);
  const { code, signal } = await child.exited;
  clearTimeout(killer);
  const read = (p: string): string => (existsSync(p) ? readFileSync(p, 'latin1') : '');
  return {
    code,
    signal,
    args,
    counters: parseStatCsv(read(files.stat)),
    calls: parseShortMessages(read(files.short)),
    errors: read(files.err),
    output: (child.stdout + child.stderr).slice(-8000),
  };
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

/** `-trace_shortmsg` lines (tab-separated): date, time, epoch s.µs, S|R, Call-ID, "CSeq:N METHOD", start line. */
export function parseShortMessages(text: string): Map<string, CallTimes> {
  const calls = new Map<string, CallTimes>();
  for (const line of text.split('\n')) {
    const f = line.split('\t');
    if (f.length < 7) continue;
    const at = Number(f[2]) * 1000;
    if (!Number.isFinite(at)) continue;
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
      const status = /^SIP\/2\.0 (\d{3})/.exec(start)?.[1];
      if (method === 'INVITE' && status === '200') c.ok200 ??= at;
      else if (method === 'INVITE' && status !== undefined && Number(status) >= 300) c.otherFinal ??= status;
      else if (method === 'BYE' && status === '200') c.byeOk ??= at;
    }
  }
  return calls;
}
