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
import { DTMF_PCAP, parseShortMessages, parseStatCsv } from '../deposits/sipp.js';

export const SHARED_SCENARIO = join(import.meta.dirname, '..', '..', '..', 'shared', 'testdata', 'sipp', 'vm_uac_g711.xml');
/** The scenario's fixed pause between the ACK and the INFO (its bare `<pause/>`, `-d`, follows). */
export { DTMF_PCAP, SCENARIO_PAUSE_MS } from '../deposits/sipp.js';

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
    calls: parseShortMessagesMs(read(files.short)),
    errors: read(files.err),
    output: (child.stdout + child.stderr).slice(-8000),
  };
}

/** SIPp's short message log, with the deposits bench's parser, in epoch milliseconds. */
function parseShortMessagesMs(text: string): Map<string, CallTimes> {
  const ms = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * 1000);
  const out = new Map<string, CallTimes>();
  for (const [id, c] of parseShortMessages(text)) {
    out.set(id, { invite: ms(c.invite), ok200: ms(c.ok200), ack: ms(c.ack), bye: ms(c.bye), byeOk: ms(c.byeOk), ...(c.otherFinal !== undefined ? { otherFinal: c.otherFinal } : {}) });
  }
  return out;
}
