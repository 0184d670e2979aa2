import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { OverloadGate, OverloadRefusalLog } from '../../../src/media/overload-gate.js';

describe('OverloadGate', () => {
  test('closes with refuseMs lost in two late wake-ups within the window, and opens when they leave it', () => {
    const g = new OverloadGate({ refuseMs: 1000 });
    assert.equal(g.closed(0), false);
    g.noteSkip(600, 1000);
    assert.equal(g.closed(1000), false, 'one stall, however long, does not close it');
    g.noteSkip(500, 3000);
    assert.equal(g.closed(3000), true, '1,100 ms lost in two stalls within 5 s');
    assert.equal(g.closed(5999), true);
    assert.equal(g.closed(6000), false, 'the first stall left the window: 500 ms in it');
    g.noteSkip(600, 7000);
    assert.equal(g.closed(7000), true, '500 + 600 ms in two stalls again');
    assert.equal(g.closed(12_000), false);
  });

  test('many small stalls add up; too little lost never closes it', () => {
    const g = new OverloadGate({ refuseMs: 1000 });
    for (let t = 0; t < 4000; t += 400) g.noteSkip(100, t); // 10 stalls, 1,000 ms within 3.6 s
    assert.equal(g.closed(3600), true);
    const h = new OverloadGate({ refuseMs: 1000 });
    for (let t = 0; t < 20_000; t += 1000) h.noteSkip(120, t); // 5 × 120 = 600 ms in any 5 s
    assert.equal(h.closed(20_000), false);
  });

  test('refuseMs 0 never closes; minStalls and windowMs are honoured; bad options throw', () => {
    const off = new OverloadGate({ refuseMs: 0 });
    off.noteSkip(60_000, 0);
    off.noteSkip(60_000, 1);
    assert.equal(off.closed(2), false);
    const one = new OverloadGate({ refuseMs: 500, minStalls: 1, windowMs: 1000 });
    one.noteSkip(500, 0);
    assert.equal(one.closed(999), true);
    assert.equal(one.closed(1000), false);
    assert.throws(() => new OverloadGate({ refuseMs: -1 }), RangeError);
    assert.throws(() => new OverloadGate({ refuseMs: 100, windowMs: 0 }), RangeError);
    assert.throws(() => new OverloadGate({ refuseMs: 100, minStalls: 0 }), RangeError);
  });
});

describe('OverloadRefusalLog', () => {
  test('warns at the first refusal, then at most once per reportMs with the count since', () => {
    const lines: Record<string, unknown>[] = [];
    const log = new OverloadRefusalLog(pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }), 300, 10_000);
    log.refused(1000);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!['level'], 40);
    assert.equal(lines[0]!['code'], 'VM_CALLS_REFUSED_OVERLOAD');
    assert.equal(lines[0]!['refusedCalls'], 1);
    assert.equal(lines[0]!['refuseMs'], 300);
    for (let i = 0; i < 249; i++) log.refused(1000 + i * 4);
    assert.equal(lines.length, 1, '250 refusals in a second: one line');
    log.refused(11_000);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['refusedCalls'], 250, 'the 249 held back and this one');
    assert.equal(lines[1]!['sinceMs'], 10_000);
  });
});
