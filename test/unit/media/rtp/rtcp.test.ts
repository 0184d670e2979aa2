import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  buildBye,
  buildCompound,
  buildReceiverReport,
  buildSdesCname,
  buildSenderReport,
  ntpFromUnixMs,
  ntpMiddle32,
  parseRtcp,
  type RtcpReportBlock,
} from '../../../../src/media/rtp/rtcp.js';

const block: RtcpReportBlock = { ssrc: 0xcafe, fractionLost: 25, cumulativeLost: -3, extendedHighestSeq: 70000, jitter: 12, lastSr: 0x12345678, delaySinceLastSr: 65536 };

describe('RTCP build → parse', () => {
  test('SR + SDES CNAME + BYE compound round trip', () => {
    const sr = buildSenderReport(0x1111, { ntpSeconds: 3_900_000_000, ntpFraction: 0x80000000, rtpTimestamp: 0xfffffff0, packetCount: 250, octetCount: 40000 }, [block]);
    const buf = buildCompound([sr, buildSdesCname(0x1111, 'voxmail@test'), buildBye([0x1111], 'hang-up')]);
    assert.equal(buf.length % 4, 0);
    const r = parseRtcp(buf);
    assert.ok(r.ok, JSON.stringify(r));
    const [a, b, c] = r.value;
    assert.ok(a?.type === 'sr');
    assert.equal(a.ssrc, 0x1111);
    assert.equal(a.ntpSeconds, 3_900_000_000);
    assert.equal(a.rtpTimestamp, 0xfffffff0);
    assert.equal(a.packetCount, 250);
    assert.deepEqual(a.reports, [block]);
    assert.ok(b?.type === 'sdes');
    assert.deepEqual(b.chunks, [{ ssrc: 0x1111, items: [{ type: 1, text: 'voxmail@test' }] }]);
    assert.ok(c?.type === 'bye');
    assert.deepEqual(c.ssrcs, [0x1111]);
    assert.equal(c.reason, 'hang-up');
  });

  test('RR with no blocks, and CNAMEs of every length mod 4 (null octet + padding)', () => {
    for (let n = 0; n < 9; n++) {
      const cname = 'x'.repeat(n);
      const r = parseRtcp(buildCompound([buildReceiverReport(7), buildSdesCname(7, cname)]));
      assert.ok(r.ok);
      assert.deepEqual(r.value[0], { type: 'rr', ssrc: 7, reports: [] });
      assert.ok(r.value[1]?.type === 'sdes');
      assert.equal(r.value[1].chunks[0]?.items[0]?.text, cname);
    }
  });

  test('a hand-written APP packet and an unknown type (RTPFB 205) are kept', () => {
    const app = Buffer.from('81cc0003' + '00000009' + '54455354' + '01020304', 'hex'); // subtype 1, "TEST"
    const fb = Buffer.from('81cd0002' + '00000001' + '00000002', 'hex');
    const r = parseRtcp(Buffer.concat([buildReceiverReport(1), app, fb]));
    assert.ok(r.ok);
    assert.deepEqual(r.value[1], { type: 'app', subtype: 1, ssrc: 9, name: 'TEST', data: Buffer.from([1, 2, 3, 4]) });
    assert.ok(r.value[2]?.type === 'other');
    assert.equal(r.value[2].packetType, 205);
  });

  test('junk: wrong version, lengths past the end, padding not on the last packet, truncated bodies', () => {
    const rr = buildReceiverReport(1, [block]);
    assert.deepEqual(parseRtcp(Buffer.from([0x80, 201])), { ok: false, error: 'too-short' });
    assert.deepEqual(parseRtcp(Buffer.from('000100002112a442', 'hex')), { ok: false, error: 'not-rtp-v2' });
    const long = Buffer.from(rr);
    long.writeUInt16BE(100, 2);
    assert.deepEqual(parseRtcp(long), { ok: false, error: 'bad-length' });
    const padded = Buffer.from(rr);
    padded[0] = padded[0]! | 0x20;
    assert.deepEqual(parseRtcp(Buffer.concat([padded, buildSdesCname(1, 'a')])), { ok: false, error: 'bad-padding' });
    const rc2 = Buffer.from(rr);
    rc2[0] = 0x82; // claims two blocks, holds one
    assert.deepEqual(parseRtcp(rc2), { ok: false, error: 'bad-rr' });
    const sdes = buildSdesCname(1, 'abc');
    sdes[9] = 200; // item length past the packet
    assert.deepEqual(parseRtcp(sdes), { ok: false, error: 'bad-sdes' });
    assert.deepEqual(parseRtcp(Buffer.concat([rr, Buffer.from([0x80])])), { ok: false, error: 'bad-length' });
  });

  test('NTP helpers', () => {
    const t = ntpFromUnixMs(1_700_000_000_500);
    assert.equal(t.seconds, 1_700_000_000 + 2_208_988_800);
    assert.equal(t.fraction, 0x80000000);
    assert.equal(ntpMiddle32(0x0001abcd, 0x12345678), 0xabcd1234);
  });

  test('property: parseRtcp never throws on arbitrary bytes, nor on mutated valid compounds', () => {
    const valid = buildCompound([buildSenderReport(5, { ntpSeconds: 1, ntpFraction: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 }, [block]), buildSdesCname(5, 'cname'), buildBye([5], 'bye')]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const r = parseRtcp(Buffer.from(bytes));
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(valid.length), (edits, cut) => {
        const b = Buffer.from(valid);
        for (const [i, v] of edits) b[i] = v;
        const r = parseRtcp(b.subarray(0, cut));
        assert.equal(typeof r.ok, 'boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
