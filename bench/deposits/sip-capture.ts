/**
 * The SIP messages of a step as the loopback interface saw them (dumpcap, SIP port only;
 * the RTP is not captured), so that the call times the bench judges the server by are
 * the wire's, not SIPp's.
 *
 * Why: SIPp stamps its `-trace_shortmsg` lines from its own event loop. At 2,500 calls it
 * shares two cores with the server and runs late by up to ~100 ms — its ACK is logged after
 * the server has already started the greeting (messages 109 ms "too long" because the
 * expected length was taken from SIPp's late ACK), and its INVITE→200 includes the time the
 * 200 waited in SIPp's socket. The wire times are what the server did. SIPp's own figures
 * stay in the details table.
 */
import { spawn, execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CallTimes } from './sipp.js';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface SipCaptureResult {
  /** Per Call-ID, epoch seconds of each message on the wire (first occurrence). */
  readonly calls: Map<string, CallTimes>;
  readonly packets: number;
  /** Packets dumpcap reported dropped (0 when it kept up); calls missing here fall back to SIPp's times. */
  readonly dropped: number;
}

export interface SipCapture {
  stop(): Promise<SipCaptureResult>;
}

/** Starts dumpcap on `lo` for UDP to or from `sipPort`; resolves once it is writing. */
export async function startSipCapture(dir: string, sipPort: number): Promise<SipCapture> {
  const file = join(dir, 'sip.pcapng');
  // -B: a 64 MB kernel buffer so that bursts at the ramp are not dropped; -s 0: whole messages.
  const child = spawn('dumpcap', ['-i', 'lo', '-f', `udp port ${String(sipPort)}`, '-s', '0', '-B', '64', '-q', '-w', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 50 && !(existsSync(file) && statSync(file).size > 0); i++) await sleep(100);
  if (child.exitCode !== null || !existsSync(file)) throw new Error(`dumpcap did not start: ${stderr.trim()}`);
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      const dropped = Number(/dropped[^\d]*(\d+)/i.exec(stderr)?.[1] ?? 0);
      const { stdout } = await run(
        'tshark',
        ['-r', file, '-Y', 'sip', '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.method', '-e', 'sip.Method', '-e', 'sip.Status-Code'],
        { maxBuffer: 1 << 30, encoding: 'latin1' },
      );
      const calls = parseSipFields(stdout, sipPort);
      return { calls, packets: stdout.split('\n').filter((l) => l !== '').length, dropped };
    },
  };
}

/** tshark's fields, one message per line: time, source port, Call-ID, CSeq method, request method, status. */
export function parseSipFields(text: string, serverPort: number): Map<string, CallTimes> {
  const calls = new Map<string, CallTimes>();
  for (const line of text.split('\n')) {
    const [time, src, callId, cseqMethod, method, status] = line.split('\t');
    if (!callId || !time) continue;
    const at = Number(time);
    let c = calls.get(callId);
    if (!c) calls.set(callId, (c = {}));
    const fromServer = Number(src) === serverPort;
    if (!fromServer && method) {
      if (method === 'INVITE') c.invite ??= at;
      else if (method === 'ACK') c.ack ??= at;
      else if (method === 'BYE') c.bye ??= at;
    } else if (fromServer && status) {
      if (cseqMethod === 'INVITE' && status === '200') c.ok200 ??= at;
      else if (cseqMethod === 'INVITE' && Number(status) >= 300) c.otherFinal ??= status;
      else if (cseqMethod === 'BYE' && status === '200') c.byeOk ??= at;
    }
  }
  return calls;
}
