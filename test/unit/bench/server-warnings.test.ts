import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { overloadSkippedTicks } from '../../../bench/deposits/server.js';
import { MediaClock } from '../../../src/media/media-clock.js';
import { ManualClock, type Clock, type TimerHandle } from '../../../src/shared/clock.js';

/** Every timer fires `lateBy` ms late: a media thread without a core. */
class StarvedClock implements Clock {
  readonly manual = new ManualClock();
  constructor(private readonly lateBy: number) {}
  now(): number {
    return this.manual.now();
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    return this.manual.setTimer(ms + this.lateBy, fn);
  }
}

describe('deposits bench: the media ticks the server says it skipped', () => {
  test('sums the skipped ticks of the VM_MEDIA_OVERLOAD warnings a starved media clock logs: all of them', () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info', base: { pid: 1, mediaWorker: 0 } }, { write: (s: string) => void lines.push(s.trimEnd()) });
    const time = new StarvedClock(150); // each wake-up 150 ms late: 7 periods, 5 caught up, 2 skipped
    const clock = new MediaClock({ clock: time, logger, overloadReportMs: 1_000 });
    clock.subscribe(() => undefined);
    time.manual.advance(10_000);
    clock.close(); // reports what the last interval skipped
    assert.ok(lines.length >= 2, `${String(lines.length)} warnings`);
    const summed = lines.reduce((n, l) => n + overloadSkippedTicks(l), 0);
    assert.equal(summed, clock.stats.skippedTicks);
    assert.ok(summed > 0);
  });

  test('other warnings, a code only in the message text, and broken JSON count 0', () => {
    assert.equal(overloadSkippedTicks('{"level":40,"code":"VM_MEDIA_RECORD_IO","msg":"write failed"}'), 0);
    assert.equal(overloadSkippedTicks('{"level":40,"code":"VM_X","msg":"not \\"VM_MEDIA_OVERLOAD\\"","skippedTicks":9}'), 0);
    assert.equal(overloadSkippedTicks('{"level":40,"code":"VM_MEDIA_OVERLOAD","skippedTicks":'), 0);
    assert.equal(overloadSkippedTicks('{"level":40,"code":"VM_MEDIA_OVERLOAD","skippedTicks":12,"skippedMs":240}'), 12);
  });
});
