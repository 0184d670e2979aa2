import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../../src/shared/clock.js';
import { DTMF_DIGITS, digitFromEventCode, eventCodeFromDigit, isDtmfDigit } from '../../../../src/media/dtmf/digit.js';
import type { DtmfEvent } from '../../../../src/media/dtmf/digit.js';
import { TelephoneEventDecoder, parseTelephoneEvent } from '../../../../src/media/dtmf/rfc4733.js';
import { readRtpFromPcap } from './pcap.js';

/** A telephone-event payload (RFC 4733 §2.3). */
function te(event: number, end: boolean, duration: number, volume = 10): Buffer {
  const b = Buffer.alloc(4);
  b[0] = event;
  b[1] = (end ? 0x80 : 0) | volume;
  b.writeUInt16BE(duration, 2);
  return b;
}

interface Pkt {
  readonly payload: Buffer;
  readonly ts: number;
  readonly marker: boolean;
  readonly seq: number;
}

/** The packets a sender emits for one press: start, updates every 20 ms, 3 end packets. */
function press(event: number, ts: number, seq0: number, durationTicks = 800, step = 160): Pkt[] {
  const pkts: Pkt[] = [];
  let seq = seq0;
  for (let d = 0; d < durationTicks; d += step) pkts.push({ payload: te(event, false, d), ts, marker: d === 0, seq: seq++ });
  for (let i = 0; i < 3; i++) pkts.push({ payload: te(event, true, durationTicks), ts, marker: false, seq: seq++ });
  return pkts;
}

function feed(dec: TelephoneEventDecoder, clock: ManualClock, pkts: readonly Pkt[], gapMs = 20): DtmfEvent[] {
  const out: DtmfEvent[] = [];
  for (const p of pkts) {
    out.push(...dec.push(p.payload, p.ts, p.marker, p.seq));
    clock.advance(gapMs);
  }
  return out;
}

const digits = (evs: readonly DtmfEvent[]): string => evs.map((e) => e.digit).join('');

function setup(options: { clockRate?: number } = {}): { dec: TelephoneEventDecoder; clock: ManualClock } {
  const clock = new ManualClock();
  clock.advance(10_000);
  return { dec: new TelephoneEventDecoder({ ...options, clock }), clock };
}

test('event codes 0–15 map to 0-9 * # A-D and back (RFC 4733 §3.2)', () => {
  assert.equal(DTMF_DIGITS.join(''), '0123456789*#ABCD');
  for (let code = 0; code < 16; code++) {
    const d = digitFromEventCode(code);
    assert.ok(d !== undefined && isDtmfDigit(d));
    assert.equal(eventCodeFromDigit(d), code);
  }
  assert.equal(digitFromEventCode(16), undefined, 'flash is not a digit');
  assert.equal(digitFromEventCode(-1), undefined);
  assert.equal(digitFromEventCode(1.5), undefined);
  assert.equal(isDtmfDigit('a'), false, 'digits are upper case');
  assert.equal(isDtmfDigit('12'), false);
});

test('parseTelephoneEvent reads event, E bit, volume, duration; ignores R; rejects short payloads', () => {
  const r = parseTelephoneEvent(Buffer.from([0x0b, 0x80 | 0x40 | 0x0a, 0x08, 0xc0]));
  assert.deepEqual(r, { ok: true, value: { event: 11, end: true, volume: 10, duration: 0x08c0 } });
  const r2 = parseTelephoneEvent(Buffer.from([0x05, 0x3f, 0xff, 0xff, 0xde, 0xad]));
  assert.deepEqual(r2, { ok: true, value: { event: 5, end: false, volume: 63, duration: 0xffff } });
  for (const n of [0, 1, 3]) assert.equal(parseTelephoneEvent(Buffer.alloc(n)).ok, false);
});

test('the decoder never throws on arbitrary packets and keeps reporting at most 2 digits per packet', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ bytes: fc.uint8Array({ maxLength: 8 }), ts: fc.integer({ min: 0, max: 5 }), m: fc.boolean(), seq: fc.integer({ min: 0, max: 0xffff }) }), { maxLength: 60 }),
      (pkts) => {
        const { dec, clock } = setup();
        for (const p of pkts) {
          const out = dec.push(Buffer.from(p.bytes), p.ts * 1000, p.m, p.seq);
          assert.ok(out.length <= 2);
          clock.advance(7);
          dec.flush();
        }
      },
    ),
  );
});

const SIPP_DIR = path.dirname(
  execFileSync('dpkg', ['-L', 'sip-tester'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.endsWith('dtmf_2833_1.pcap')) ?? assert.fail('sip-tester (SIPp) with its DTMF pcaps is required: apt-get install sip-tester'),
);
const SIPP_PCAPS: ReadonlyArray<readonly [string, string]> = [
  ...'0123456789'.split('').map((d) => [`dtmf_2833_${d}.pcap`, d] as const),
  ['dtmf_2833_star.pcap', '*'],
  ['dtmf_2833_pound.pcap', '#'],
];

/** Replay a capture's RTP (telephone-event PT only, as the RTP session would) at its pace. */
function replay(dec: TelephoneEventDecoder, clock: ManualClock, file: string): DtmfEvent[] {
  const pkts = readRtpFromPcap(path.join(SIPP_DIR, file));
  assert.ok(pkts.length > 0, `${file} holds RTP`);
  const out: DtmfEvent[] = [];
  let t = pkts[0]!.timeMs;
  for (const p of pkts) {
    clock.advance(p.timeMs - t);
    t = p.timeMs;
    if (p.payloadType !== 101) continue; // the PT the capture's SDP negotiated
    out.push(...dec.push(p.payload, p.timestamp, p.marker, p.seq));
  }
  return out;
}

test('SIPp RFC 4733 pcaps: each holds one digit, decoded exactly once', () => {
  for (const [file, digit] of SIPP_PCAPS) {
    const { dec, clock } = setup();
    const out = replay(dec, clock, file);
    clock.advance(1000);
    out.push(...dec.flush());
    assert.equal(digits(out), digit, file);
    assert.equal(out[0]!.source, 'rfc4733');
    assert.equal(out[0]!.durationMs, 280, `${file}: duration 0x08c0 ticks at 8 kHz`);
    assert.equal(dec.stats.duplicates, 2, `${file}: the 2 repeated end packets are dropped`);
    assert.equal(dec.stats.endLost, 0);
  }
});

test('SIPp pcaps replayed one after another (timestamps jump back and forth) give each digit once', () => {
  const { dec, clock } = setup();
  const out: DtmfEvent[] = [];
  // "#*10" has descending timestamps; the same capture twice repeats identical packets.
  for (const file of ['dtmf_2833_pound.pcap', 'dtmf_2833_star.pcap', 'dtmf_2833_1.pcap', 'dtmf_2833_0.pcap', 'dtmf_2833_5.pcap', 'dtmf_2833_5.pcap']) {
    out.push(...replay(dec, clock, file));
    clock.advance(500);
    out.push(...dec.flush());
  }
  assert.equal(digits(out), '#*1055');
});

test('redundant end packets count once', () => {
  const { dec, clock } = setup();
  const out = feed(dec, clock, press(5, 1000, 1));
  assert.equal(digits(out), '5');
  assert.equal(out[0]!.durationMs, 100);
  assert.equal(out[0]!.at, 10_000, 'at = arrival of the start packet');
  assert.equal(dec.stats.duplicates, 2);
  clock.advance(5000);
  assert.deepEqual(dec.flush(), []);
});

test('lost start packets: the first packet seen starts the event; at is back-dated by its duration', () => {
  const { dec, clock } = setup();
  const out = feed(dec, clock, press(7, 1000, 1).slice(3));
  assert.equal(digits(out), '7');
  assert.equal(out[0]!.at, 10_000 - 60, 'the first packet seen said 480 ticks = 60 ms had passed');
  // Only end packets arrive: still the digit.
  const out2 = feed(dec, clock, press(8, 9000, 50).slice(-2));
  assert.equal(digits(out2), '8');
});

test('lost end packets: the digit is reported on the next event start, or by flush() after the timeout', () => {
  const { dec, clock } = setup();
  const a = press(1, 1000, 1).slice(0, -3);
  const b = press(2, 3000, 20);
  const out = feed(dec, clock, [...a, ...b]);
  assert.equal(digits(out), '12');
  assert.equal(out[0]!.durationMs, 80, 'the last update said 640 ticks');
  assert.equal(dec.stats.endLost, 1);

  const c = press(3, 6000, 40).slice(0, -3);
  assert.deepEqual(feed(dec, clock, c), []);
  assert.equal(dec.activeDigit, '3', 'key-down is visible for barge-in');
  assert.deepEqual(dec.flush(clock.now() + 100), [], 'not yet: updates may still come');
  const late = dec.flush(clock.now() + 300);
  assert.equal(digits(late), '3');
  assert.deepEqual(dec.flush(clock.now() + 5000), [], 'reported once');
  // Its end packets finally arriving change nothing.
  assert.deepEqual(feed(dec, clock, press(3, 6000, 40).slice(-3)), []);
});

test('reordered packets: within an event, and an end packet arriving after the next event began', () => {
  const { dec, clock } = setup();
  const a = press(4, 1000, 1);
  const b = press(6, 2600, 20);
  const shuffled = [a[1]!, a[0]!, a[3]!, a[2]!, a[4]!, b[0]!, a[5]!, b[1]!, a[6]!, a[7]!, ...b.slice(2)];
  const out = feed(dec, clock, shuffled);
  assert.equal(digits(out), '46');
});

test('the same digit twice (new timestamp) is two digits; a long press is one', () => {
  const { dec, clock } = setup();
  const out = feed(dec, clock, [...press(1, 1000, 1), ...press(1, 2000, 20)]);
  assert.equal(digits(out), '11');
  // 4 s held: 200 updates, one digit with the whole duration.
  const long = feed(dec, clock, press(9, 10_000, 100, 32_000));
  assert.equal(digits(long), '9');
  assert.equal(long[0]!.durationMs, 4000);
});

test('an event longer than 0xFFFF ticks continues in a new segment (§2.5.1.3): still one digit', () => {
  const { dec, clock } = setup();
  const seg1 = press(0, 5000, 1, 0xffff, 4000).map((p) => (p.payload.readUInt8(1) & 0x80 ? { ...p, payload: te(0, true, 0xffff) } : p));
  const seg2 = press(0, 5000 + 0xffff, 100, 8000).map((p) => ({ ...p, marker: false }));
  const out = feed(dec, clock, [...seg1, ...seg2]);
  assert.equal(digits(out), '0');
  assert.equal(out[0]!.durationMs, (0xffff + 8000) / 8);
});

test('all 16 events 0–15 in a row, at a 16 kHz telephone-event clock', () => {
  const { dec, clock } = setup({ clockRate: 16000 });
  const pkts = Array.from({ length: 16 }, (_, e) => press(e, 100_000 + e * 5000, e * 20, 1600, 320)).flat();
  const out = feed(dec, clock, pkts);
  assert.equal(digits(out), '0123456789*#ABCD');
  assert.ok(out.every((e) => e.durationMs === 100));
});

test('non-DTMF events (16 = flash) and malformed payloads give no digit and do not disturb', () => {
  const { dec, clock } = setup();
  const out = feed(dec, clock, [...press(16, 1000, 1), { payload: Buffer.from([1, 2]), ts: 2000, marker: true, seq: 10 }, ...press(2, 3000, 11)]);
  assert.equal(digits(out), '2');
  assert.equal(dec.stats.nonDtmf, 1);
  assert.equal(dec.stats.malformed, 1);
});

test('a sender reusing the timestamp for the next press (marker, newer seq) still gives two digits', () => {
  const { dec, clock } = setup();
  const out = feed(dec, clock, [...press(5, 1000, 1), ...press(5, 1000, 20)]);
  assert.equal(digits(out), '55');
});

test('reset() forgets timestamps (new SSRC)', () => {
  const { dec, clock } = setup();
  assert.equal(digits(feed(dec, clock, press(5, 1000, 1))), '5');
  dec.reset();
  assert.equal(digits(feed(dec, clock, press(5, 1000, 1), 0)), '5', 'same bytes, new stream, even at once');
});
