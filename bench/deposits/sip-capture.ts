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
  /** Per Call-ID, the server's RTP port (the m= line of its 200 to the INVITE). */
  readonly rtpPortOf: Map<string, number>;
  /**
   * Per server RTP port, the epoch seconds of every RTP packet it sent with the marker bit
   * (the start of each talkspurt: the greeting's first packet among them), in order.
   */
  readonly markers: Map<number, number[]>;
  readonly packets: number;
  /** Packets dumpcap reported dropped (0 when it kept up); calls missing here fall back to SIPp's times. */
  readonly dropped: number;
}

export interface SipCapture {
  stop(): Promise<SipCaptureResult>;
}

/**
 * The kernel filter: the SIP port, and the server's RTP packets that carry the marker bit
 * (a few per call: the start of each prompt's talkspurt), so that the greeting's start is
 * timed on the wire without capturing the 50 packets/s of every call. RTCP is told apart
 * by its second byte (packet types 200–204 read as payload types 72–76 with the marker;
 * RTP payload types stay below 72, RFC 5761 §4).
 */
export function captureFilter(sipPort: number, rtpPorts: readonly [number, number]): string {
  return `udp port ${String(sipPort)} or (udp src portrange ${String(rtpPorts[0])}-${String(rtpPorts[1])} and udp[9] & 0x80 != 0 and udp[9] & 0x7f < 72)`;
}

/** Starts dumpcap on `lo` for UDP to or from `sipPort` and the server's marked RTP; resolves once it is writing. */
export async function startSipCapture(dir: string, sipPort: number, rtpPorts: readonly [number, number]): Promise<SipCapture> {
  const file = join(dir, 'sip.pcapng');
  // -B: a 64 MB kernel buffer so that bursts at the ramp are not dropped; -s 0: whole messages.
  const child = spawn('dumpcap', ['-i', 'lo', '-f', captureFilter(sipPort, rtpPorts), '-s', '0', '-B', '64', '-q', '-w', file], {
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
      const dropped = dumpcapDropped(stderr);
      const { stdout } = await run(
        'tshark',
        [
          '-r', file, '-Y', 'sip', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f',
          '-e', 'frame.time_epoch', '-e', 'udp.srcport', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.method', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sdp.media.port',
        ],
        { maxBuffer: 1 << 30, encoding: 'latin1' },
      );
      const { calls, rtpPortOf } = parseSipFields(stdout, sipPort);
      const rtp = await run('tshark', ['-r', file, '-Y', `not udp.port == ${String(sipPort)}`, '-T', 'fields', '-E', 'separator=\t', '-e', 'frame.time_epoch', '-e', 'udp.srcport'], {
        maxBuffer: 1 << 30,
        encoding: 'latin1',
      });
      const markers = parseMarkerFields(rtp.stdout);
      return { calls, rtpPortOf, markers, packets: stdout.split('\n').filter((l) => l !== '').length, dropped };
    },
  };
}

/**
 * The packets dumpcap says it dropped, from its closing line
 * "Packets received/dropped on interface 'Loopback: lo': 21515/0 (pcap:0/dumpcap:0/…)":
 * the number after the slash (the first is what it received). 0 when the line is missing.
 */
export function dumpcapDropped(stderr: string): number {
  const m = /received\/dropped on interface '[^']*': \d+\/(\d+)/.exec(stderr);
  return m ? Number(m[1]) : 0;
}

/** tshark's fields, one message per line: time, source port, Call-ID, CSeq method, request method, status, SDP media port. */
export function parseSipFields(text: string, serverPort: number): { calls: Map<string, CallTimes>; rtpPortOf: Map<string, number> } {
  const calls = new Map<string, CallTimes>();
  const rtpPortOf = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [time, src, callId, cseqMethod, method, status, mediaPort] = line.split('\t');
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
      if (cseqMethod === 'INVITE' && status === '200') {
        c.ok200 ??= at;
        if (mediaPort && !rtpPortOf.has(callId)) rtpPortOf.set(callId, Number(mediaPort));
      } else if (cseqMethod === 'INVITE' && Number(status) >= 300) c.otherFinal ??= status;
      else if (cseqMethod === 'BYE' && status === '200') c.byeOk ??= at;
    }
  }
  return { calls, rtpPortOf };
}

/** tshark's fields for the marked RTP packets, one per line: time, source port. */
export function parseMarkerFields(text: string): Map<number, number[]> {
  const markers = new Map<number, number[]>();
  for (const line of text.split('\n')) {
    const [time, src] = line.split('\t');
    if (!time || !src) continue;
    const port = Number(src);
    let list = markers.get(port);
    if (!list) markers.set(port, (list = []));
    list.push(Number(time));
  }
  return markers;
}

/**
 * The greeting's first packet on the wire for a call: the server's first marked RTP packet
 * from the call's port at or after its 200 (ports are reused by later calls, so an earlier
 * packet from the same port belongs to another call). Undefined when none was captured.
 */
export function greetingStartOf(times: CallTimes, port: number | undefined, markers: ReadonlyMap<number, readonly number[]>): number | undefined {
  if (port === undefined || times.ok200 === undefined) return undefined;
  const list = markers.get(port);
  if (!list) return undefined;
  const end = times.bye ?? Infinity;
  for (const t of list) if (t >= times.ok200 && t <= end) return t;
  return undefined;
}
