import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock, type Clock, type TimerHandle } from '../../../src/shared/clock.js';
import { pino } from 'pino';
import { MediaClock } from '../../../src/media/media-clock.js';

/** A manual clock whose next timer fires `lateBy` ms late, like a busy event loop. */
class LateClock implements Clock {
  readonly manual = new ManualClock();
  lateBy = 0;
  now(): number {
    return this.manual.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const h = this.manual.setTimer(ms + this.lateBy, fn);
    this.lateBy = 0;
    return h;
  }
}

describe('MediaClock (manual time)', () => {
  test('ticks every 20 ms against absolute time, starting one period after the first subscriber', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    const seen: Array<[number, number]> = [];
    clock.subscribe((tick, now) => seen.push([tick, now]));
    time.advance(19);
    assert.equal(seen.length, 0);
    time.advance(1);
    assert.deepEqual(seen, [[1, 20]]);
    time.advance(80);
    assert.deepEqual(
      seen.map(([t]) => t),
      [1, 2, 3, 4, 5],
    );
    assert.deepEqual(
      seen.map(([, n]) => n),
      [20, 40, 60, 80, 100],
    );
    clock.close();
  });

  test('one timer serves every subscriber; it stops with the last one and restarts', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    let a = 0;
    let b = 0;
    const offA = clock.subscribe(() => a++);
    const offB = clock.subscribe(() => b++);
    assert.equal(time.pending, 1);
    time.advance(100);
    assert.equal(a, 5);
    assert.equal(b, 5);
    offA();
    offA(); // idempotent
    time.advance(40);
    assert.equal(a, 5);
    assert.equal(b, 7);
    offB();
    assert.equal(time.pending, 0, 'no timer left once nobody listens');
    assert.equal(clock.stats.running, false);
    time.advance(1000);
    assert.equal(b, 7);
    const ticks: number[] = [];
    clock.subscribe((t) => ticks.push(t));
    time.advance(40);
    assert.deepEqual(ticks, [1, 2], 'tick numbering restarts with the clock');
    clock.close();
    assert.equal(time.pending, 0);
  });

  test('a late wake-up is caught up: missed ticks run back to back, no drift', () => {
    const time = new LateClock();
    const clock = new MediaClock({ clock: time });
    const ticks: number[] = [];
    clock.subscribe((t) => ticks.push(t));
    time.lateBy = 50; // the timer for tick 2 (due at 40) fires at 90: ticks 2, 3, 4 are due
    time.manual.advance(20);
    assert.deepEqual(ticks, [1]);
    time.manual.advance(69);
    assert.deepEqual(ticks, [1]);
    time.manual.advance(1);
    assert.deepEqual(ticks, [1, 2, 3, 4]);
    assert.equal(clock.stats.caughtUpTicks, 2);
    time.manual.advance(10); // now 100: tick 5 on schedule, not 20 ms after the late burst
    assert.deepEqual(ticks, [1, 2, 3, 4, 5]);
    assert.equal(clock.stats.skippedTicks, 0);
    clock.close();
  });

  test('beyond 5 missed ticks it skips ahead and counts them; tick numbers keep meaning time', () => {
    const time = new LateClock();
    const clock = new MediaClock({ clock: time, maxCatchUpTicks: 5 });
    const ticks: number[] = [];
    clock.subscribe((t) => ticks.push(t));
    time.lateBy = 980; // the timer for tick 2 fires at 1020: ticks 2..51 are due
    time.manual.advance(1020);
    // The due tick (51) and 5 missed ones (46..50) run; 2..45 are skipped.
    assert.deepEqual(ticks, [1, 46, 47, 48, 49, 50, 51]);
    assert.equal(clock.stats.skippedTicks, 44);
    assert.equal(clock.stats.caughtUpTicks, 5);
    time.manual.advance(20);
    assert.equal(ticks.at(-1), 52);
    clock.close();
  });

  /** A logger whose lines (parsed) land in `lines` at once. */
  function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    return { logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }), lines };
  }

  /**
   * The next tick's timer fires `ms` late: the pending timer (due within a period)
   * fires on time and schedules the late one, which fires `ms` after its tick was due.
   */
  function stall(time: LateClock, ms: number): void {
    time.lateBy = ms;
    time.manual.advance(20 + 20 + ms);
  }

  test('skipped ticks are a VM_MEDIA_OVERLOAD warning: at once, then at most once per overloadReportMs with the count since', () => {
    const time = new LateClock();
    const { logger, lines } = capturingLogger();
    const clock = new MediaClock({ clock: time, logger, overloadReportMs: 10_000 });
    clock.subscribe(() => undefined);
    stall(time, 980); // 49 ticks late: 5 caught up, 44 skipped
    assert.equal(clock.stats.skippedTicks, 44);
    assert.equal(lines.length, 1);
    const first = lines[0]!;
    assert.equal(first['level'], 40);
    assert.equal(first['code'], 'VM_MEDIA_OVERLOAD');
    assert.equal(first['skippedTicks'], 44);
    assert.equal(first['skippedMs'], 880);
    assert.equal(first['worstLateMs'], 980);
    const firstAt = time.now();
    // Two more stalls within 10 s: counted, not logged.
    stall(time, 200);
    stall(time, 300);
    assert.equal(clock.stats.skippedTicks, 44 + 5 + 10);
    assert.equal(lines.length, 1);
    // The first tick 10 s after the warning says what was skipped since.
    time.manual.advance(firstAt + 10_000 - time.now());
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['skippedTicks'], 15);
    assert.equal(lines[1]!['worstLateMs'], 300);
    assert.equal(lines[1]!['sinceMs'], 10_000);
    // Nothing skipped since: no more warnings.
    time.manual.advance(30_000);
    assert.equal(lines.length, 2);
    clock.close();
    assert.equal(lines.length, 2);
  });

  test('onSkip hears every late wake-up that skips, with the audio time skipped and the clock time; a throwing hook is counted', () => {
    const time = new LateClock();
    const skips: [number, number][] = [];
    const clock = new MediaClock({ clock: time, maxCatchUpTicks: 5, onSkip: (ms, now) => skips.push([ms, now]) });
    const heard: number[] = [];
    clock.subscribe((t) => heard.push(t));
    stall(time, 100); // 5 ticks late: caught up, nothing skipped
    assert.deepEqual(skips, []);
    stall(time, 980); // 44 ticks skipped
    assert.deepEqual(skips, [[880, time.now()]]);
    assert.equal(heard.at(-1), Math.floor(time.now() / 20), 'the tick due now still ran after the hook');
    const time2 = new LateClock();
    const throwing = new MediaClock({ clock: time2, onSkip: () => { throw new Error('gate broke'); } });
    throwing.subscribe(() => undefined);
    stall(time2, 500);
    assert.equal(throwing.stats.listenerErrors, 1);
    assert.ok(throwing.stats.skippedTicks > 0, 'the clock skipped and ran on');
    throwing.close();
    clock.close();
  });

  test('catching up within maxCatchUpTicks is not an overload; skips still unreported are said when the clock stops', () => {
    const time = new LateClock();
    const { logger, lines } = capturingLogger();
    const clock = new MediaClock({ clock: time, logger, maxCatchUpTicks: 5 });
    const off = clock.subscribe(() => undefined);
    stall(time, 100); // 5 ticks late: all caught up
    assert.equal(clock.stats.caughtUpTicks, 5);
    assert.equal(clock.stats.skippedTicks, 0);
    assert.equal(lines.length, 0);
    stall(time, 500); // 20 skipped: the first warning, at once
    assert.equal(lines.length, 1);
    stall(time, 300); // within 10 s of it: held back...
    assert.equal(lines.length, 1);
    off(); // ...until the last subscriber leaves and the clock stops
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!['skippedTicks'], 10);
    clock.close();
    assert.equal(lines.length, 2);
  });

  test('a throwing listener is counted and does not stop the others', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    let n = 0;
    clock.subscribe(() => {
      throw new Error('boom');
    });
    clock.subscribe(() => n++);
    time.advance(60);
    assert.equal(n, 3);
    assert.equal(clock.stats.listenerErrors, 3);
    clock.close();
  });

  test('unsubscribing and resubscribing from inside a tick: the new listener joins the running clock', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    const seen: number[] = [];
    const off = clock.subscribe((t) => {
      seen.push(t);
      off();
      clock.subscribe((t2) => seen.push(100 + t2));
    });
    time.advance(20);
    // Added during tick 1's walk of the listeners, the new one still gets tick 1.
    assert.deepEqual(seen, [1, 101]);
    assert.equal(time.pending, 1, 'exactly one timer');
    time.advance(40);
    assert.deepEqual(seen, [1, 101, 102, 103], 'the numbering goes on: no restart');
    clock.close();
  });

  test('a subscribe from inside a tick does not make the later listeners miss that tick', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    const a: number[] = [];
    const b: number[] = [];
    const c: number[] = [];
    let offC: (() => void) | undefined;
    // The only listener leaves and comes back in one tick (the clock had no subscriber for
    // a moment): the others of that tick, and the ticks after, are still delivered.
    clock.subscribe((t) => {
      a.push(t);
      if (t === 2) offC = clock.subscribe((t2) => c.push(t2));
    });
    clock.subscribe((t) => b.push(t));
    time.advance(60);
    assert.deepEqual(a, [1, 2, 3]);
    assert.deepEqual(b, [1, 2, 3]);
    assert.deepEqual(c, [2, 3]);
    offC?.();
    assert.equal(time.pending, 1);
    clock.close();
  });

  test('onTickStart runs first in every tick (catch-up ticks too), inside the tick scope; a throw is counted', async () => {
    const { inTickScope } = await import('../../../src/media/tick-batch.js');
    const time = new LateClock();
    const order: string[] = [];
    let throwOnce = true;
    const clock = new MediaClock({
      clock: time,
      onTickStart: () => {
        order.push(`start:${String(inTickScope())}`);
        if (throwOnce) {
          throwOnce = false;
          throw new Error('hook failed');
        }
      },
    });
    clock.subscribe((t) => order.push(`tick ${String(t)}`));
    time.lateBy = 20; // the timer set in tick 1 for tick 2 (due at 40) fires at 60, with tick 3
    time.manual.advance(60);
    assert.deepEqual(order, ['start:true', 'tick 1', 'start:true', 'tick 2', 'start:true', 'tick 3']);
    assert.equal(clock.stats.listenerErrors, 1);
    clock.close();
  });

  test('a listener subscribed by onTickStart gets that tick', () => {
    const time = new ManualClock();
    const seen: string[] = [];
    let added = false;
    const clock: MediaClock = new MediaClock({
      clock: time,
      onTickStart: () => {
        if (added) return;
        added = true;
        clock.subscribe((t) => seen.push(`new ${String(t)}`));
      },
    });
    clock.subscribe((t) => seen.push(`old ${String(t)}`));
    time.advance(40);
    assert.deepEqual(seen, ['old 1', 'new 1', 'old 2', 'new 2']);
    clock.close();
  });

  test('after close, subscribe is a no-op', () => {
    const time = new ManualClock();
    const clock = new MediaClock({ clock: time });
    clock.close();
    clock.close();
    let n = 0;
    const off = clock.subscribe(() => n++);
    time.advance(100);
    off();
    assert.equal(n, 0);
    assert.equal(time.pending, 0);
  });
});

describe('MediaClock (real time)', () => {
  test('150 ± 3 ticks in 3 s, and the last tick is on time (no accumulated drift)', async () => {
    const clock = new MediaClock();
    let ticks = 0;
    let lateAtEnd = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      // unref'd timer: keep the test process alive ourselves while waiting.
      const keepAlive = setTimeout(() => undefined, 10_000);
      const off = clock.subscribe((tick) => {
        ticks++;
        if (tick === 150) {
          lateAtEnd = performance.now() - t0 - 150 * 20;
          off();
          clearTimeout(keepAlive);
          resolve();
        }
      });
      // Also stop at 3 s wall time in case ticks were skipped (then the count assertion fails).
      setTimeout(() => {
        off();
        clearTimeout(keepAlive);
        resolve();
      }, 3100).unref();
    });
    console.log(`media clock: ${String(ticks)} ticks in ${(performance.now() - t0).toFixed(1)} ms; tick 150 late by ${lateAtEnd.toFixed(2)} ms; skipped ${String(clock.stats.skippedTicks)}`);
    assert.ok(Math.abs(ticks - 150) <= 3, `${String(ticks)} ticks`);
    assert.ok(lateAtEnd < 20, `drift ${lateAtEnd.toFixed(1)} ms`);
    clock.close();
  });
});
