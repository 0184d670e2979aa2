import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { overloadReport, overloadTimeline } from '../../../bench/deposits/server.js';

/** The ticks a log line (JSON) says a media clock skipped; 0 for any other line. */
const skippedTicks = (line: string): number => overloadReport(line)?.skippedTicks ?? 0;
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
    const summed = lines.reduce((n, l) => n + skippedTicks(l), 0);
    assert.equal(summed, clock.stats.skippedTicks);
    assert.ok(summed > 0);
  });

  test('other warnings, a code only in the message text, and broken JSON count 0', () => {
    assert.equal(skippedTicks('{"level":40,"code":"VM_MEDIA_RECORD_IO","msg":"write failed"}'), 0);
    assert.equal(skippedTicks('{"level":40,"code":"VM_X","msg":"not \\"VM_MEDIA_OVERLOAD\\"","skippedTicks":9}'), 0);
    assert.equal(skippedTicks('{"level":40,"code":"VM_MEDIA_OVERLOAD","skippedTicks":'), 0);
    assert.equal(skippedTicks('{"level":40,"code":"VM_MEDIA_OVERLOAD","skippedTicks":12,"skippedMs":240}'), 12);
  });

  test('each warning gives its time, thread, ticks and latest wake-up, said in seconds after the step started', () => {
    const line =
      '{"level":40,"time":"2026-11-27T16:31:51.572Z","pid":30452,"mediaWorker":1,"name":"voxmail","code":"VM_MEDIA_OVERLOAD","skippedTicks":3,"skippedMs":60,"worstLateMs":173,"msg":"media thread overloaded"}';
    const r = overloadReport(line);
    assert.deepEqual(r, { time: Date.parse('2026-11-27T16:31:51.572Z'), worker: 1, skippedTicks: 3, worstLateMs: 173 });
    assert.equal(overloadReport('{"level":40,"code":"VM_MEDIA_RECORD_IO"}'), null);
    const onMain = overloadReport('{"level":40,"time":1000,"code":"VM_MEDIA_OVERLOAD","skippedTicks":2,"worstLateMs":120}');
    assert.deepEqual(onMain, { time: 1000, worker: -1, skippedTicks: 2, worstLateMs: 120 });
    const start = Date.parse('2026-11-27T16:31:41.000Z');
    assert.equal(
      overloadTimeline([r, { ...onMain, time: start + 12_340 }], start),
      'warnings at +10.6 s (thread 1: 3 ticks, worst 173 ms late), +12.3 s (thread main: 2 ticks, worst 120 ms late)',
    );
    assert.equal(overloadTimeline([], start), 'no warning was parsed');
  });
});
