import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addSeq, addTs, isNewerSeq, isNewerTs, RtpReceiverStats, seqDiff, tsDiff } from '../../../../src/media/rtp/sequence.js';

describe('16-bit sequence and 32-bit timestamp arithmetic', () => {
  test('seqDiff wraps around 65535 → 0', () => {
    assert.equal(seqDiff(0, 65535), 1);
    assert.equal(seqDiff(65535, 0), -1);
    assert.equal(seqDiff(5, 65530), 11);
    assert.equal(seqDiff(100, 100), 0);
    assert.equal(isNewerSeq(0, 65535), true);
    assert.equal(isNewerSeq(65535, 0), false);
    assert.equal(addSeq(65535, 1), 0);
  });

  test('tsDiff wraps around 2³²', () => {
    assert.equal(tsDiff(80, 0xffffffb0), 160);
    assert.equal(tsDiff(0xffffffb0, 80), -160);
    assert.equal(isNewerTs(80, 0xffffffb0), true);
    assert.equal(addTs(0xffffffb0, 160), 80);
  });

  test('property: seqDiff(addSeq(a, d), a) = d for |d| < 2¹⁵; tsDiff likewise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -32768, max: 32767 }), (a, d) => {
        assert.equal(seqDiff(addSeq(a, d), a), d);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (a, d) => {
        assert.equal(tsDiff(addTs(a, d), a), d);
      }),
    );
  });
});

describe('RtpReceiverStats (RFC 3550 A.1, A.3, A.8)', () => {
  test('a new source is on probation until MIN_SEQUENTIAL in-order packets', () => {
    const s = new RtpReceiverStats();
    assert.equal(s.update(1, 100), 'probation');
    assert.equal(s.update(1, 101), 'valid');
    assert.equal(s.update(1, 102), 'valid');
    assert.equal(s.expected, 3, 'the probation packets count once validated');
    assert.equal(s.lost, 0);
  });

  test('probation: a stray does not validate a source; a far jump restarts probation', () => {
    const s = new RtpReceiverStats();
    assert.equal(s.update(1, 100), 'probation');
    assert.equal(s.update(1, 5000), 'probation');
    assert.equal(s.update(1, 5001), 'valid');
    assert.equal(s.expected, 2);
  });

  test('probation tolerates reordering at the start (deviation from the printed A.1), loss stays exact', () => {
    const s = new RtpReceiverStats();
    // Groups of three reversed: 2 1 0 5 4 3 …, packet 7 lost.
    for (const q of [2, 1, 0, 5, 4, 3, 8, 6, 11, 10, 9]) s.update(1, q);
    assert.equal(s.expected, 12);
    assert.equal(s.received, 11);
    assert.equal(s.lost, 1);
  });

  test('reordering across the wrap during probation', () => {
    const s = new RtpReceiverStats();
    for (const q of [0, 65535, 1, 2]) s.update(1, q);
    assert.equal(s.extendedHighestSeq, 65536 + 2);
    assert.equal(s.expected, 4);
    assert.equal(s.lost, 0);
  });

  test('loss and the extended sequence number across the 16-bit wrap', () => {
    const s = new RtpReceiverStats();
    s.update(9, 65530);
    for (let q = 65531; q <= 65535; q++) s.update(9, q);
    for (let q = 0; q < 10; q++) if (q !== 3 && q !== 4) s.update(9, q);
    assert.equal(s.extendedHighestSeq, 65536 + 9);
    assert.equal(s.expected, 65536 + 9 - 65530 + 1);
    assert.equal(s.lost, 2);
    const rep = s.report()!;
    assert.equal(rep.cumulativeLost, 2);
    assert.equal(rep.fractionLost, Math.floor((2 * 256) / 16));
    assert.equal(rep.extendedHighestSeq, 65545);
    // Next interval with no loss: fraction 0.
    s.update(9, 10);
    assert.equal(s.report()!.fractionLost, 0);
  });

  test('a late (reordered) packet is counted, not a new cycle', () => {
    const s = new RtpReceiverStats();
    for (const q of [0, 1, 2, 4, 3, 5]) s.update(1, q);
    assert.equal(s.extendedHighestSeq, 5);
    assert.equal(s.lost, 0);
  });

  test('a jump > MAX_DROPOUT is taken only when the next packet confirms it', () => {
    const s = new RtpReceiverStats();
    for (let q = 0; q < 5; q++) s.update(1, q);
    assert.equal(s.update(1, 20000), 'bad-jump');
    assert.equal(s.update(1, 5), 'valid', 'stray ignored');
    assert.equal(s.update(1, 30000), 'bad-jump');
    assert.equal(s.update(1, 30001), 'restart');
    assert.equal(s.update(1, 30002), 'valid');
    assert.equal(s.lost, 0);
    assert.equal(s.restarts, 1);
  });

  test('an SSRC change resets the counters (new source on probation)', () => {
    const s = new RtpReceiverStats();
    for (const q of [0, 1, 2, 4, 6, 8]) s.update(1, q);
    assert.ok(s.lost > 0);
    assert.equal(s.update(2, 500), 'probation');
    assert.equal(s.update(2, 501), 'valid');
    assert.equal(s.lost, 0);
    assert.equal(s.ssrcChanges, 1);
    assert.equal(s.report()!.ssrc, 2);
  });

  test('jitter: 0 for perfectly paced packets, grows with arrival variation (A.8)', () => {
    const s = new RtpReceiverStats();
    s.update(1, 0);
    for (let i = 0; i < 100; i++) s.updateJitter(addTs(0xffffff00, i * 160), 1000 + i * 160);
    assert.equal(s.jitter, 0, 'timestamp wrap does not disturb transit');
    const t = new RtpReceiverStats();
    for (let i = 0; i < 2000; i++) t.updateJitter(i * 160, i * 160 + (i % 2 === 0 ? 0 : 80));
    assert.ok(Math.abs(t.jitter - 80) < 1, `jitter ${String(t.jitter)} ≈ 80 for ±80 alternating delay`);
  });
});
