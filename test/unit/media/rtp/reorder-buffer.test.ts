import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ReorderBuffer, type AudioFrame, type ReorderBufferOptions } from '../../../../src/media/rtp/reorder-buffer.js';

interface Pkt {
  ssrc?: number;
  seq: number;
  ts: number;
  marker?: boolean;
  cn?: boolean;
  /** Payload length; payload bytes are filled with `id` so the output can be traced. */
  len?: number;
  id?: number;
}

function setup(opts: Partial<ReorderBufferOptions> = {}) {
  const frames: AudioFrame[] = [];
  const rb = new ReorderBuffer({ ptimeMs: 20, ...opts, onFrame: (f) => frames.push(f) });
  const push = (p: Pkt): void => {
    if (p.cn) rb.pushComfortNoise(p.ssrc ?? 1, p.seq & 0xffff, p.ts >>> 0, p.marker ?? false);
    else {
      const len = p.len ?? 160;
      rb.push(p.ssrc ?? 1, p.seq & 0xffff, p.ts >>> 0, p.marker ?? false, Buffer.alloc(len, (p.id ?? p.seq) & 0xff), len);
    }
  };
  /** Compact description: payload id (first byte) or "-"+samples for silence. */
  const out = (): string[] => frames.map((f) => (f.payload === null ? `-${String(f.samples)}` : `${String(f.payload[0])}${f.samples !== 160 ? `/${String(f.samples)}` : ''}`));
  const total = (): number => frames.reduce((a, f) => a + f.samples, 0);
  return { rb, frames, push, out, total };
}

const stream = (n: number, seq0 = 0, ts0 = 0): Pkt[] => Array.from({ length: n }, (_, i) => ({ seq: seq0 + i, ts: ts0 + i * 160, id: i }));

describe('ReorderBuffer', () => {
  test('in order: every payload once, in order; no delay once started', () => {
    const { rb, push, out, total, frames } = setup();
    const pk = stream(10);
    for (let i = 0; i < 4; i++) push(pk[i]!);
    assert.equal(frames.length, 4, 'starts after one window (60 ms) and delivers the held packets');
    push(pk[4]!);
    assert.equal(frames.length, 5, 'then each in-order packet comes straight out');
    for (let i = 5; i < 10; i++) push(pk[i]!);
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(total(), 1600);
    assert.equal(rb.pending, 0);
  });

  test('reordered within the window: put back in order, nothing lost', () => {
    const { rb, push, out, total } = setup();
    const pk = stream(10);
    for (const i of [1, 0, 2, 4, 3, 5, 8, 6, 7, 9]) push(pk[i]!);
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(total(), 1600);
    assert.equal(rb.stats.lostSamples, 0);
  });

  test('duplicates dropped, whether still held or already played', () => {
    const { rb, push, out } = setup();
    const pk = stream(8);
    for (const i of [0, 1, 1, 2, 3, 4, 2, 5, 6, 7, 7]) push(pk[i]!);
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5', '6', '7']);
    assert.equal(rb.stats.duplicates, 3);
  });

  test('a lost packet becomes one null 20 ms slot once the window has passed it', () => {
    const { rb, push, out, total } = setup();
    const pk = stream(12);
    for (let i = 0; i < 6; i++) push(pk[i]!);
    push(pk[7]!);
    push(pk[8]!);
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5'], 'hole held while within the window');
    push(pk[9]!);
    push(pk[10]!);
    assert.deepEqual(out().slice(6), ['-160', '7', '8', '9', '10'], 'declared lost when the newest is > 60 ms past it');
    push(pk[6]!); // too late now
    push(pk[11]!);
    rb.flush();
    assert.equal(total(), 12 * 160);
    assert.equal(rb.stats.late, 1);
    assert.equal(rb.stats.lostSamples, 160);
  });

  test('sequence 65535 → 0 and timestamp 2³² wrap, with reordering across both', () => {
    const { rb, push, out, total } = setup();
    const pk = stream(10, 65531, 0xffffffff - 4 * 160 + 1);
    for (const i of [0, 1, 2, 3, 5, 4, 6, 8, 7, 9]) push(pk[i]!);
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(total(), 1600);
  });

  test('silence suppression: a marker packet 1 s later → 1 s of null slots, at once', () => {
    const { rb, push, out, total, frames } = setup();
    const pk = stream(5);
    for (const p of pk) push(p);
    push({ seq: 5, ts: 800 + 8000, marker: true, id: 50 });
    assert.equal(frames.at(-1)!.payload![0], 50, 'no waiting: the marker says the gap is silence');
    assert.deepEqual(out().slice(5, 7), ['-160', '-160']);
    assert.equal(out().filter((s) => s === '-160').length, 50);
    assert.equal(total(), 800 + 8000 + 160);
    assert.equal(rb.stats.silenceSamples, 8000);
    assert.equal(rb.stats.lostSamples, 0);
  });

  test('a timestamp gap without a marker also becomes the right amount of silence (after the window)', () => {
    const { rb, push, total } = setup();
    for (const p of stream(5)) push(p);
    for (let i = 0; i < 5; i++) push({ seq: 5 + i, ts: 800 + 1600 + i * 160, id: 60 + i });
    rb.flush();
    assert.equal(total(), 800 + 1600 + 800, 'sequence numbers are contiguous, the timestamps say 200 ms are missing');
    assert.equal(rb.stats.lostSamples, 1600);
  });

  test('comfort noise (RFC 3389) is silence until the next audio', () => {
    const { rb, push, out, total } = setup();
    for (const p of stream(5)) push(p);
    push({ seq: 5, ts: 800, cn: true });
    push({ seq: 6, ts: 800 + 1600, cn: true });
    push({ seq: 7, ts: 800 + 4000, id: 70 }); // no marker: CN already says "silence"
    push({ seq: 8, ts: 800 + 4160, id: 71 });
    rb.flush();
    assert.equal(total(), 800 + 4000 + 320);
    assert.deepEqual(out().slice(-2), ['70', '71']);
    assert.ok(out().slice(5, -2).every((s) => s === '-160'));
    assert.equal(rb.stats.silenceSamples, 4000);
    assert.equal(rb.stats.lostSamples, 0);
  });

  test('a jump > 10 s is a resync (confirmed by the next packet), not 25 s of silence', () => {
    const { rb, push, out, total } = setup();
    for (const p of stream(5)) push(p);
    const far = 800 + 25 * 8000;
    for (let i = 0; i < 6; i++) push({ seq: 5 + i, ts: far + i * 160, id: 80 + i });
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '80', '81', '82', '83', '84', '85']);
    assert.equal(total(), 11 * 160);
    assert.equal(rb.stats.resyncs, 1);
  });

  test('one stray packet with a wild timestamp is discarded; the stream goes on', () => {
    const { rb, push, out } = setup();
    const pk = stream(10);
    for (let i = 0; i < 5; i++) push(pk[i]!);
    push({ seq: 5000, ts: 0x7000_0000, id: 99 });
    for (let i = 5; i < 10; i++) push(pk[i]!);
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    assert.equal(rb.stats.discarded, 1);
    assert.equal(rb.stats.resyncs, 0);
  });

  test('a stream that restarts with a lower timestamp (backward > 1 s) resyncs', () => {
    const { rb, push, out } = setup();
    for (const p of stream(5, 100, 1_000_000)) push(p);
    for (const p of stream(3, 1000, 5000)) push({ ...p, id: 20 + p.id! });
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4', '20', '21', '22']);
  });

  test('SSRC change: the old stream is played out, the new one starts without inserted silence', () => {
    const { rb, push, out, total } = setup();
    const a = stream(6);
    for (const i of [0, 1, 2, 3, 5]) push(a[i]!); // 4 missing, still within the window
    for (const p of stream(5, 7000, 123456)) push({ ...p, ssrc: 2, id: 40 + p.id! });
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '-160', '5', '40', '41', '42', '43', '44']);
    assert.equal(total(), 11 * 160);
    assert.equal(rb.stats.resyncs, 1);
  });

  test('240-byte packets (30 ms) with ptime 20: whole payloads; a lost one → 160 + 80 of silence', () => {
    const { rb, push, out, total } = setup();
    for (let i = 0; i < 10; i++) if (i !== 4) push({ seq: i, ts: i * 240, len: 240, id: i });
    rb.flush();
    assert.deepEqual(out(), ['0/240', '1/240', '2/240', '3/240', '-160', '-80', '5/240', '6/240', '7/240', '8/240', '9/240']);
    assert.equal(total(), 2400);
  });

  test('an overlapping packet (repacketized) is trimmed to the part not yet played', () => {
    const { rb, push, out, total, frames } = setup();
    for (const p of stream(4)) push(p);
    push({ seq: 4, ts: 640, len: 80, id: 4 }); // first half of slot 4
    push({ seq: 5, ts: 640, len: 320, id: 5 }); // slot 4 again, and 5
    rb.flush();
    assert.deepEqual(out(), ['0', '1', '2', '3', '4/80', '5/240']);
    assert.equal(frames.at(-1)!.payload!.length, 240);
    assert.equal(total(), 640 + 320);
  });

  test('ptime 10 and 60: silence slots follow ptime', () => {
    const a = setup({ ptimeMs: 10 });
    a.push({ seq: 0, ts: 0, len: 80 });
    a.push({ seq: 1, ts: 80 + 480, len: 80, marker: true });
    a.rb.flush();
    assert.deepEqual(a.out(), ['0/80', '-80', '-80', '-80', '-80', '-80', '-80', '1/80']);
    const b = setup({ ptimeMs: 60 });
    b.push({ seq: 0, ts: 0, len: 480 });
    b.push({ seq: 1, ts: 480 + 1000, len: 480, marker: true });
    b.rb.flush();
    assert.deepEqual(b.out(), ['0/480', '-480', '-480', '-40', '1/480']);
  });

  test('bounded: hostile timestamps never hold more than maxPending packets', () => {
    const { rb, push } = setup({ maxPending: 8 });
    push({ seq: 0, ts: 0 });
    for (let i = 1; i < 200; i++) {
      push({ seq: i, ts: 8000 - i * 30, len: 1 }); // descending timestamps in a far hole
      assert.ok(rb.pending <= 8);
    }
  });

  test('property: displaced by ≤ 3 slots, random loss → every received payload once, in order; samples = timestamp span', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 120 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 120, maxLength: 120 }),
        fc.array(fc.boolean(), { minLength: 120, maxLength: 120 }),
        (n, seq0, ts0, delays, keepMask) => {
          const { rb, frames, push, total } = setup();
          const keep = keepMask.map((k, i) => k || i === 0 || i === n - 1 || i % 3 !== 0);
          // Arrival order: packet i at time i + delay[i] (delay ≤ 3 slots = the window).
          const order = Array.from({ length: n }, (_, i) => i)
            .filter((i) => keep[i])
            .sort((a, b) => a + delays[a]! - (b + delays[b]!) || a - b);
          for (const i of order) push({ seq: seq0 + i, ts: ts0 + i * 160, id: i });
          rb.flush();
          assert.equal(total(), n * 160);
          let slot = 0;
          for (const f of frames) {
            assert.equal(f.samples, 160);
            if (f.payload === null) assert.equal(keep[slot], false, `slot ${String(slot)} lost though received`);
            else assert.equal(f.payload[0], slot & 0xff);
            slot++;
          }
          assert.equal(rb.stats.late + rb.stats.duplicates, 0);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('property: any input sequence → no exception, bounded, output in timestamp order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            ssrc: fc.constantFrom(1, 2),
            seq: fc.integer({ min: 0, max: 0xffff }),
            ts: fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 20000 })),
            marker: fc.boolean(),
            cn: fc.boolean(),
            len: fc.integer({ min: 0, max: 500 }),
          }),
          { maxLength: 80 },
        ),
        (pkts) => {
          const { rb, push, frames } = setup({ maxPending: 16 });
          for (const p of pkts) {
            push(p);
            assert.ok(rb.pending <= 16);
          }
          rb.flush();
          for (const f of frames) assert.ok(f.samples > 0 && (f.payload === null || f.payload.length === f.samples));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('property: passInOrder, then push when it declines, gives exactly what push alone gives (frames and stats)', () => {
    // Mostly in-order streams (where passInOrder takes the packet) with every kind of
    // disturbance: loss, duplicates, swaps, markers, comfort noise, SSRC changes, jumps.
    const step = fc.record({
      kind: fc.constantFrom('next', 'next', 'next', 'next', 'next', 'skip', 'dup', 'swap', 'marker', 'cn', 'ssrc', 'jump', 'back'),
      len: fc.constantFrom(160, 160, 160, 240, 80),
    });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.array(step, { minLength: 1, maxLength: 150 }), (seq0, ts0, steps) => {
        const pkts: Pkt[] = [];
        let seq = seq0;
        let ts = ts0;
        let ssrc = 1;
        let id = 0;
        const emit = (p: Partial<Pkt>, len: number): void => {
          pkts.push({ ssrc, seq, ts, len, id: ++id, ...p });
          seq = (seq + 1) & 0xffff;
          ts = (ts + len) >>> 0;
        };
        for (const st of steps) {
          if (st.kind === 'skip') {
            seq = (seq + 1) & 0xffff;
            ts = (ts + st.len) >>> 0;
          } else if (st.kind === 'dup' && pkts.length > 0) pkts.push({ ...pkts[pkts.length - 1]! });
          else if (st.kind === 'swap' && pkts.length > 1) pkts.push(pkts.splice(pkts.length - 2, 1)[0]!);
          else if (st.kind === 'marker') emit({ marker: true, ts: (ts + 800) >>> 0 }, st.len);
          else if (st.kind === 'cn') emit({ cn: true }, st.len);
          else if (st.kind === 'ssrc') {
            ssrc = ssrc === 1 ? 2 : 1;
            emit({}, st.len);
          } else if (st.kind === 'jump') {
            ts = (ts + 8000 * 20) >>> 0;
            emit({}, st.len);
          } else if (st.kind === 'back') {
            ts = (ts - 8000 * 2) >>> 0;
            emit({}, st.len);
          } else emit({}, st.len);
        }
        const a = setup();
        const b = setup();
        let passed = 0;
        for (const p of pkts) {
          a.push(p);
          const len = p.len ?? 160;
          if (!p.cn && b.rb.passInOrder(p.ssrc ?? 1, p.seq & 0xffff, p.ts >>> 0, len)) {
            passed++;
            b.frames.push({ payload: Buffer.alloc(len, (p.id ?? p.seq) & 0xff), samples: len });
          } else b.push(p);
        }
        a.rb.flush();
        b.rb.flush();
        assert.deepEqual(b.out(), a.out());
        assert.deepEqual(b.rb.stats, a.rb.stats);
        // The fast path is taken for the plain packets once the stream has started.
        if (steps.length > 20 && steps.every((x) => x.kind === 'next')) assert.ok(passed >= pkts.length - 4, `${String(passed)} of ${String(pkts.length)} passed`);
      }),
      { numRuns: 1000 },
    );
  });
});
