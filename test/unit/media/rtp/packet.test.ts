import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  newRtpPacketView,
  parseRtp,
  parseRtpInto,
  readCsrc,
  RTP_HEADER_BYTES,
  serializeRtp,
  writeRtpHeader,
} from '../../../../src/media/rtp/packet.js';

/** A packet written byte by byte, independent of the serializer. */
function fixture(parts: { b0: number; b1: number; seq: number; ts: number; ssrc: number; rest?: number[] }): Buffer {
  const b = Buffer.alloc(12 + (parts.rest?.length ?? 0));
  b[0] = parts.b0;
  b[1] = parts.b1;
  b.writeUInt16BE(parts.seq, 2);
  b.writeUInt32BE(parts.ts, 4);
  b.writeUInt32BE(parts.ssrc, 8);
  if (parts.rest) Buffer.from(parts.rest).copy(b, 12);
  return b;
}

describe('parseRtp (RFC 3550 §5.1)', () => {
  test('fixed header fields, payload as a zero-copy view', () => {
    const buf = fixture({ b0: 0x80, b1: 0x80 | 8, seq: 0xfffe, ts: 0xffffff00, ssrc: 0xdeadbeef, rest: [1, 2, 3, 4] });
    const r = parseRtp(buf);
    assert.ok(r.ok);
    const p = r.value;
    assert.equal(p.marker, true);
    assert.equal(p.payloadType, 8);
    assert.equal(p.sequenceNumber, 0xfffe);
    assert.equal(p.timestamp, 0xffffff00);
    assert.equal(p.ssrc, 0xdeadbeef);
    assert.deepEqual([...p.payload], [1, 2, 3, 4]);
    assert.equal(p.payload.buffer, buf.buffer, 'payload shares memory with the datagram');
    assert.equal(p.payload.byteOffset, buf.byteOffset + 12);
    assert.deepEqual(p.csrcs, []);
    assert.equal(p.extensionProfile, null);
  });

  test('CSRC list (CC=2) is read and skipped', () => {
    const buf = fixture({ b0: 0x82, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff, 0xaa] });
    const r = parseRtp(buf);
    assert.ok(r.ok);
    assert.deepEqual(r.value.csrcs, [7, 0xffffffff]);
    assert.deepEqual([...r.value.payload], [0xaa]);
    assert.equal(readCsrc(buf, 1), 0xffffffff);
  });

  test('header extension (X) is skipped, its profile reported', () => {
    // profile 0xBEDE, length 2 words, 8 bytes of extension, then payload 0x11 0x22
    const ext = [0xbe, 0xde, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x22];
    const r = parseRtp(fixture({ b0: 0x90, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: ext }));
    assert.ok(r.ok);
    assert.equal(r.value.extensionProfile, 0xbede);
    assert.deepEqual([...r.value.payload], [0x11, 0x22]);
  });

  test('CSRC + extension + padding together', () => {
    const rest = [0, 0, 0, 9, /* ext */ 0x10, 0x00, 0, 1, 9, 9, 9, 9, /* payload */ 5, 6, 7, /* padding 3 */ 0, 0, 3];
    const r = parseRtp(fixture({ b0: 0x80 | 0x20 | 0x10 | 1, b1: 0, seq: 1, ts: 2, ssrc: 3, rest }));
    assert.ok(r.ok);
    assert.deepEqual(r.value.csrcs, [9]);
    assert.equal(r.value.extensionProfile, 0x1000);
    assert.equal(r.value.paddingLength, 3);
    assert.deepEqual([...r.value.payload], [5, 6, 7]);
  });

  test('padding is validated: count 0 or longer than the packet is an error', () => {
    assert.deepEqual(parseRtp(fixture({ b0: 0xa0, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [1, 2, 0] })), { ok: false, error: 'bad-padding' });
    assert.deepEqual(parseRtp(fixture({ b0: 0xa0, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [1, 2, 4] })), { ok: false, error: 'bad-padding' });
    const allPad = parseRtp(fixture({ b0: 0xa0, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [0, 0, 3] }));
    assert.ok(allPad.ok);
    assert.equal(allPad.value.payload.length, 0);
  });

  test('truncations are errors, not exceptions', () => {
    assert.deepEqual(parseRtp(Buffer.alloc(11, 0x80)), { ok: false, error: 'too-short' });
    assert.deepEqual(parseRtp(fixture({ b0: 0x83, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [0, 0, 0, 1] })), { ok: false, error: 'truncated-csrc' });
    assert.deepEqual(parseRtp(fixture({ b0: 0x90, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [0xbe, 0xde] })), { ok: false, error: 'truncated-extension' });
    assert.deepEqual(parseRtp(fixture({ b0: 0x90, b1: 0, seq: 1, ts: 2, ssrc: 3, rest: [0xbe, 0xde, 0, 5, 1] })), {
      ok: false,
      error: 'truncated-extension',
    });
  });

  test('anything but version 2 is not RTP: STUN (0x00/0x01), version 0, 1, 3', () => {
    // A STUN Binding Request header: type 0x0001, length, magic cookie, transaction id.
    const stun = Buffer.from('000100002112a442' + '0102030405060708090a0b0c', 'hex');
    assert.deepEqual(parseRtp(stun), { ok: false, error: 'not-rtp-v2' });
    assert.deepEqual(parseRtp(Buffer.from('0101002c2112a442' + '0102030405060708090a0b0c', 'hex')), { ok: false, error: 'not-rtp-v2' });
    for (const b0 of [0x00, 0x40, 0xc0]) {
      assert.deepEqual(parseRtp(fixture({ b0, b1: 0, seq: 1, ts: 2, ssrc: 3 })), { ok: false, error: 'not-rtp-v2' });
    }
  });

  test('parseRtpInto fills a reused view', () => {
    const v = newRtpPacketView();
    const buf = serializeRtp({ marker: false, payloadType: 0, sequenceNumber: 65535, timestamp: 160, ssrc: 42, payload: Buffer.alloc(160, 0xff) });
    assert.equal(parseRtpInto(buf, v), null);
    assert.equal(v.sequenceNumber, 65535);
    assert.equal(v.payloadOffset, 12);
    assert.equal(v.payloadLength, 160);
    assert.equal(parseRtpInto(Buffer.from([1, 2, 3]), v), 'too-short');
  });
});

describe('writeRtpHeader / serializeRtp', () => {
  test('writes at an offset into an existing buffer (no concatenation)', () => {
    const buf = Buffer.alloc(4 + RTP_HEADER_BYTES + 3, 0xee);
    const payloadAt = writeRtpHeader(buf, 4, { marker: true, payloadType: 101, sequenceNumber: 0x1_0001, timestamp: 2 ** 32 + 5, ssrc: 7 });
    assert.equal(payloadAt, 16);
    Buffer.from([1, 2, 3]).copy(buf, payloadAt);
    const r = parseRtp(buf.subarray(4));
    assert.ok(r.ok);
    assert.deepEqual(
      [r.value.marker, r.value.payloadType, r.value.sequenceNumber, r.value.timestamp, r.value.ssrc, [...r.value.payload]],
      [true, 101, 1, 5, 7, [1, 2, 3]],
      'values are masked to their field widths',
    );
  });

  test('round trip with CSRCs and padding', () => {
    const buf = serializeRtp({ marker: false, payloadType: 13, sequenceNumber: 9, timestamp: 8, ssrc: 7, csrcs: [1, 2, 3], payload: Buffer.from([5]), padTo: 4 });
    assert.equal(buf.length % 4, 0);
    const r = parseRtp(buf);
    assert.ok(r.ok);
    assert.deepEqual(r.value.csrcs, [1, 2, 3]);
    assert.deepEqual([...r.value.payload], [5]);
    assert.equal(r.value.padding, true);
  });

  test('property: serialize → parse is the identity on header fields and payload', () => {
    fc.assert(
      fc.property(
        fc.record({
          marker: fc.boolean(),
          payloadType: fc.integer({ min: 0, max: 127 }),
          sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
          timestamp: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.integer({ min: 0, max: 0xffffffff }),
          csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
          payload: fc.uint8Array({ maxLength: 300 }),
          padTo: fc.constantFrom(0, 4, 16),
        }),
        (p) => {
          const r = parseRtp(serializeRtp(p));
          assert.ok(r.ok);
          const { marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs } = r.value;
          assert.deepEqual({ marker, payloadType, sequenceNumber, timestamp, ssrc, csrcs }, {
            marker: p.marker,
            payloadType: p.payloadType,
            sequenceNumber: p.sequenceNumber,
            timestamp: p.timestamp,
            ssrc: p.ssrc,
            csrcs: p.csrcs,
          });
          assert.deepEqual(new Uint8Array(r.value.payload), p.payload);
        },
      ),
    );
  });

  test('property: the parser never throws and never reads outside the datagram', () => {
    const v = newRtpPacketView();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, forceV2) => {
        const buf = Buffer.from(bytes);
        if (forceV2 && buf.length > 0) buf[0] = 0x80 | (buf[0]! & 0x3f);
        const r = parseRtp(buf);
        if (r.ok) assert.ok(r.value.payload.byteOffset + r.value.payload.length <= buf.byteOffset + buf.length);
        const e = parseRtpInto(buf, v);
        if (e === null) assert.ok(v.payloadOffset + v.payloadLength + v.paddingLength === buf.length && v.payloadLength >= 0);
      }),
      { numRuns: 5000 },
    );
  });
});
