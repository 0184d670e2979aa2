/**
 * Parse/serialize micro-benchmark, on one core (this thread).
 *
 * Input: an INVITE with SDP as a PBX sends it (Asterisk-style, 12 header fields, ~900
 * bytes). Cases, run interleaved in rounds so that noise on a shared machine hits all of
 * them alike; the median round is reported:
 * - two baselines on the same bytes: `latin1 toString + split('\r\n')` (the least any
 *   SIP parser must do) and `JSON.parse` of a JSON text of the same size;
 * - `parseMessage` alone; `serializeMessage` of a 200 OK (with SDP answer) built by
 *   `createResponse`; parse + createResponse + serialize (the target: ≥ 100,000/s);
 * - for context, the whole INVITE path of the UAS: parse + SDP parse + offer/answer +
 *   200 with SDP + serialize.
 */
import { createResponse, newTag } from '../src/sip/message/build.js';
import { parseMessage, type ParseOptions } from '../src/sip/message/parser.js';
import { serializeMessage } from '../src/sip/message/serializer.js';
import type { OutgoingMessage, SipRequest } from '../src/sip/message/types.js';
import { DEFAULT_SIP_LIMITS } from '../src/sip/options.js';
import { answerOffer, parseSdp, serializeSdp, type LocalMediaCapabilities } from '../src/sip/sdp/index.js';
import { fixed, int, printTable } from './table.js';

export const PARSE_TARGET_PER_S = 100_000;

const SDP = [
  'v=0',
  'o=- 1732611025 1732611025 IN IP4 192.0.2.20',
  's=Asterisk',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'm=audio 17422 RTP/AVP 0 8 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:140',
  'a=sendrecv',
  '',
].join('\r\n');

/** 12 header fields with Content-Length, as Asterisk 20 (chan_pjsip) sends an INVITE to a voicemail trunk. */
const INVITE_HEAD = [
  'INVITE sip:2101@192.0.2.10:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.20:5060;rport;branch=z9hG4bKPj6f1c0e2a-4b7d-4c3e-9a51-d7c2b8e40f13',
  'From: "Reception Desk" <sip:2001@192.0.2.20>;tag=a3c5e0f6-21b7-4f8e-8d2c-5e9b1f3a7c40',
  'To: <sip:2101@192.0.2.10>',
  'Contact: <sip:asterisk@192.0.2.20:5060>',
  'Call-ID: 8e2b4d61-93f0-4a7c-b5e8-1c6d2f9a0b37',
  'CSeq: 11742 INVITE',
  'Allow: OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, INFO, MESSAGE, REFER',
  'Supported: 100rel, timer, replaces, norefersub, histinfo',
  'Max-Forwards: 70',
  'User-Agent: Asterisk PBX 20.5.2',
  'Content-Type: application/sdp',
].join('\r\n');

export const INVITE_BYTES = Buffer.from(`${INVITE_HEAD}\r\nContent-Length: ${String(SDP.length)}\r\n\r\n${SDP}`, 'latin1');

const OPTS: ParseOptions = { limits: DEFAULT_SIP_LIMITS, datagram: true };

const CAPS: LocalMediaCapabilities = { address: '192.0.2.10', port: 20_000, codecs: ['PCMU', 'PCMA'], telephoneEvent: true, sessionId: '4711' };

/** A JSON text of (about) the same size, with the same content as an object. */
function equivalentJson(): string {
  const lines = INVITE_HEAD.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i)] = l.slice(i + 1).trim();
  }
  return JSON.stringify({ startLine: lines[0], headers, body: SDP.split('\r\n') });
}

function mustParse(buf: Buffer): SipRequest {
  const r = parseMessage(buf, OPTS);
  if (!r.ok) throw new Error(`benchmark INVITE does not parse: ${r.error.reason}`);
  if (r.value.kind !== 'request') throw new Error('benchmark INVITE parsed as a response');
  return r.value;
}

function okResponse(req: SipRequest, body: Buffer): OutgoingMessage {
  return createResponse(req, req.via[0]!, 200, {
    toTag: newTag(),
    headers: [
      ['Contact', '<sip:2101@192.0.2.10:5060>'],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE'],
      ['Server', 'Voxmail/0.1.0'],
    ],
    body,
    contentType: 'application/sdp',
  });
}

interface Case {
  readonly name: string;
  readonly kind: 'baseline' | 'ours' | 'context';
  /** Runs the operation n times; returns a checksum so that nothing is optimised away. */
  readonly run: (n: number) => number;
}

function cases(): Case[] {
  const buf = INVITE_BYTES;
  const json = equivalentJson();
  const req = mustParse(buf);
  const offer = parseSdp(req.body);
  if (!offer.ok) throw new Error(`benchmark SDP does not parse: ${offer.error}`);
  const answer = answerOffer(offer.value, CAPS);
  if (!answer.ok) throw new Error('benchmark SDP offer is not answerable');
  const answerBody = Buffer.from(serializeSdp(answer.value.answer), 'latin1');
  const prebuilt = okResponse(req, answerBody);

  return [
    {
      name: "baseline: latin1 toString + split('\\r\\n')",
      kind: 'baseline',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += buf.toString('latin1').split('\r\n').length;
        return s;
      },
    },
    {
      name: `baseline: JSON.parse (${String(json.length)} B)`,
      kind: 'baseline',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += (JSON.parse(json) as { body: string[] }).body.length;
        return s;
      },
    },
    {
      name: 'parseMessage',
      kind: 'ours',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const r = parseMessage(buf, OPTS);
          s += r.ok ? r.value.body.length : -1;
        }
        return s;
      },
    },
    {
      name: 'serializeMessage (200 OK + SDP)',
      kind: 'ours',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += serializeMessage(prebuilt).length;
        return s;
      },
    },
    {
      name: 'parse + createResponse + serialize',
      kind: 'ours',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const r = parseMessage(buf, OPTS);
          if (!r.ok || r.value.kind !== 'request') return -1;
          s += serializeMessage(okResponse(r.value, answerBody)).length;
        }
        return s;
      },
    },
    {
      name: 'context: + SDP parse, offer/answer, SDP write',
      kind: 'context',
      run: (n) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const r = parseMessage(buf, OPTS);
          if (!r.ok || r.value.kind !== 'request') return -1;
          const o = parseSdp(r.value.body);
          if (!o.ok) return -1;
          const a = answerOffer(o.value, CAPS);
          if (!a.ok) return -1;
          s += serializeMessage(okResponse(r.value, Buffer.from(serializeSdp(a.value.answer), 'latin1'))).length;
        }
        return s;
      },
    },
  ];
}

/** Operations per second of one timed slice of about `ms` milliseconds. */
function slice(c: Case, batch: number, ms: number): { opsPerS: number; checksum: number } {
  let ops = 0;
  let checksum = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    checksum += c.run(batch);
    ops += batch;
    t = performance.now();
  }
  return { opsPerS: (ops * 1000) / (t - t0), checksum };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface ParseBenchResult {
  readonly rows: { name: string; kind: Case['kind']; median: number; min: number; max: number }[];
  readonly pipelinePerS: number;
  readonly targetMet: boolean;
}

export interface ParseBenchOptions {
  readonly rounds?: number;
  readonly sliceMs?: number;
  readonly warmupMs?: number;
}

export function runParseBench(options: ParseBenchOptions = {}): ParseBenchResult {
  const rounds = options.rounds ?? Number(process.env['BENCH_PARSE_ROUNDS'] ?? 9);
  const sliceMs = options.sliceMs ?? 300;
  const warmupMs = options.warmupMs ?? 500;
  const all = cases();
  const fields = INVITE_HEAD.split('\r\n').length; // start line + fields, + Content-Length
  console.log(
    `\nparse/serialize: INVITE of ${String(INVITE_BYTES.length)} bytes (${String(fields)} header fields, ` +
      `SDP ${String(SDP.length)} B); ${String(rounds)} rounds × ${String(sliceMs)} ms per case, interleaved, after ${String(warmupMs)} ms warm-up each; one thread`,
  );

  // Warm up (lets V8 optimise every case) and size batches to ~1 ms.
  const batch = new Map<Case, number>();
  let sink = 0;
  for (const c of all) {
    const w = slice(c, 64, warmupMs);
    sink += w.checksum;
    batch.set(c, Math.max(16, Math.round(w.opsPerS / 1000)));
  }
  const samples = new Map<Case, number[]>(all.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so no case always runs right after the same other one.
    for (let k = 0; k < all.length; k++) {
      const c = all[(k + r) % all.length]!;
      const s = slice(c, batch.get(c)!, sliceMs);
      sink += s.checksum;
      samples.get(c)!.push(s.opsPerS);
    }
  }
  if (sink < 0) console.log('(checksum negative: a case failed)');

  const rows = all.map((c) => {
    const xs = samples.get(c)!;
    return { name: c.name, kind: c.kind, median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
  });
  const split = rows[0]!.median;
  const json = rows[1]!.median;
  printTable(
    'Parse / serialize (one core, median of rounds)',
    [
      { title: 'case' },
      { title: 'msg/s', align: 'right' },
      { title: 'µs/msg', align: 'right' },
      { title: 'min–max msg/s', align: 'right' },
      { title: '× split time', align: 'right' },
      { title: '× JSON.parse time', align: 'right' },
    ],
    rows.map((r) => [r.name, int(r.median), fixed(1e6 / r.median, 2), `${int(r.min)}–${int(r.max)}`, fixed(split / r.median, 1), fixed(json / r.median, 2)]),
  );
  console.log('(× … time: how many times longer one message takes than the baseline on the same bytes, in the same run)');
  const pipelinePerS = rows.find((r) => r.name === 'parse + createResponse + serialize')!.median;
  return { rows, pipelinePerS, targetMet: pipelinePerS >= PARSE_TARGET_PER_S };
}
