/**
 * One shared frame clock for every call in the process.
 *
 * Why one clock and not a `setInterval` per call: a thousand intervals mean a thousand
 * timer callbacks every 20 ms, each drifting on its own (Node's `setInterval` reschedules
 * relative to when the callback ran, so lateness accumulates: a 20 ms interval typically
 * ticks 48–49 times a second, and a phone's jitter buffer then underruns). One timer
 * walks all subscribers per tick, and it schedules every tick against absolute time
 * (`start + n × period` on the injected monotonic clock), so lateness never accumulates:
 * a late tick shortens the wait for the next one.
 *
 * Catch-up policy: when the event loop was late by more than a period (GC pause, a burst
 * of SIP work), the missed ticks are run back to back, so streams stay in real time and
 * the RTP receivers' jitter buffers (typically 40–200 ms) absorb the small burst. This is
 * bounded by `maxCatchUpTicks` (5 = 100 ms of audio): after a long stall, sending seconds
 * of audio at once would overflow every phone's jitter buffer anyway (the audio would be
 * discarded at the far end) and the burst — ticks × 1,000 calls — would extend the very
 * stall it is recovering from. Beyond the bound the clock skips ahead; the skipped ticks
 * keep their numbers (tick `n` always means `start + n × period`), so a consumer can see
 * the jump, and they are counted in `skippedTicks` for metrics.
 *
 * Skipped ticks are audio the callers did not get in time (a prompt playing then is
 * stretched by the gap; recordings are not paced by the clock and lose nothing to it):
 * the thread is short of CPU. That is logged as a warning (`VM_MEDIA_OVERLOAD`), at most
 * once per `overloadReportMs` with what was skipped since the last one, so that an
 * operator sees it without a log line per tick.
 * Catch-up within the bound is the normal absorption of jitter and is not reported.
 *
 * The timer is unref'd (through `systemClock`) so the clock never keeps the process
 * alive, and it only runs while someone is subscribed.
 *
 * Each tick is delivered inside a tick scope (tick-batch.ts): the RTP sessions the
 * listeners feed write their packets at once but hand them to the kernel together once
 * every listener has run, which keeps the per-call JavaScript and the system calls
 * from evicting each other's caches.
 *
 * `onTickStart` runs first in each tick, inside the scope: a media worker handles there
 * the messages that arrived while it was busy (a greeting to start), so that they wait
 * for at most the tick in progress, not for a whole catch-up burst and the receive pass
 * after it. Subscribing from inside a tick (there, or from a listener) joins the running
 * clock: the new listener gets the current tick if the walk has not passed it.
 */
import { systemClock, type Clock, type TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { DEFAULT_PTIME_MS } from './frame.js';
import { beginTickScope, endTickScope } from './tick-batch.js';

/**
 * Called once per tick. `tick` counts periods since the clock (re)started: tick `n` is
 * nominally due at start + n × period. `nowMs` is the clock time when it was delivered
 * (the same for every tick of one catch-up burst).
 */
export type TickListener = (tick: number, nowMs: number) => void;

/** What a paced producer (Player, RTP sender) needs from the clock. */
export interface TickSource {
  /** The tick period in ms. */
  readonly periodMs: number;
  /** Returns the unsubscribe function (idempotent). */
  subscribe(fn: TickListener): () => void;
  /**
   * The tick being delivered right now, if any: a listener subscribed meanwhile receives
   * it too (a producer starting inside a tick can use this to send at once and skip it).
   */
  readonly deliveringTick?: number | undefined;
}

export interface MediaClockOptions {
  /** Time source and timer; `systemClock` by default, `ManualClock` in tests. */
  readonly clock?: Clock;
  /** Tick period, default 20 ms. */
  readonly periodMs?: number;
  /** Missed ticks run back to back after a late wake-up before skipping ahead; default 5. */
  readonly maxCatchUpTicks?: number;
  /** Where listener exceptions and skipped ticks are reported (neither stops the clock). */
  readonly logger?: Logger;
  /** At most one overload warning (skipped ticks) per this much clock time. Default 10,000 ms. */
  readonly overloadReportMs?: number;
  /**
   * Called at the start of every tick, before the listeners and inside the tick scope
   * (what it sends goes out with the tick's packets). Its exceptions are counted and
   * logged like a listener's.
   */
  readonly onTickStart?: () => void;
  /**
   * Called each time the clock skips ticks (one late wake-up), with the audio time
   * skipped and the clock's time: the media thread's overload gate counts it
   * (overload-gate.ts). Runs outside any tick; its exceptions are logged and ignored.
   */
  readonly onSkip?: (skippedMs: number, now: number) => void;
}

export interface MediaClockStats {
  readonly subscribers: number;
  readonly running: boolean;
  /** Ticks delivered since the clock was made (across restarts). */
  readonly ticks: number;
  /** Ticks run late as part of a catch-up burst. */
  readonly caughtUpTicks: number;
  /** Ticks dropped because the loop was later than `maxCatchUpTicks` periods. */
  readonly skippedTicks: number;
  /** Exceptions thrown by listeners (each is logged, then ignored). */
  readonly listenerErrors: number;
}

export class MediaClock implements TickSource {
  readonly periodMs: number;
  private readonly clock: Clock;
  private readonly maxCatchUp: number;
  private readonly log: Logger | undefined;
  /** Insertion-ordered; a Set tolerates (un)subscription while a tick walks it. */
  private readonly listeners = new Set<TickListener>();
  private timer: TimerHandle | undefined;
  private startMs = 0;
  /** Index of the next tick to deliver: it is due at `startMs + next × periodMs`. */
  private next = 0;
  private ticks = 0;
  private caughtUp = 0;
  private skipped = 0;
  private errors = 0;
  /** Ticks skipped since the last overload warning, and the latest wake-up among them (ms past due). */
  private unreported = 0;
  private unreportedWorstLateMs = 0;
  private lastReportAt = Number.NEGATIVE_INFINITY;
  private readonly overloadReportMs: number;
  private closed = false;
  /** The tick being delivered (undefined between ticks): a subscriber then joins the running clock. */
  private current: number | undefined;
  private readonly onTickStart: (() => void) | undefined;
  private readonly onSkip: ((skippedMs: number, now: number) => void) | undefined;
  /** Bound once so that scheduling a tick does not allocate a closure. */
  private readonly onTimer = (): void => this.fire();

  constructor(options: MediaClockOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.periodMs = options.periodMs ?? DEFAULT_PTIME_MS;
    this.maxCatchUp = options.maxCatchUpTicks ?? 5;
    this.log = options.logger;
    this.onTickStart = options.onTickStart;
    this.onSkip = options.onSkip;
    this.overloadReportMs = options.overloadReportMs ?? 10_000;
    if (!(this.periodMs > 0) || !Number.isFinite(this.periodMs)) throw new RangeError('periodMs must be a positive number');
    if (!Number.isInteger(this.maxCatchUp) || this.maxCatchUp < 0) throw new RangeError('maxCatchUpTicks must be an integer >= 0');
    if (!(this.overloadReportMs >= 0)) throw new RangeError('overloadReportMs must be >= 0');
  }

  /**
   * Receive every tick from the next one on. The first subscriber starts the clock (its
   * first tick comes one period later); the last unsubscribe stops it. A listener added
   * while a tick is being delivered joins the running clock and may already receive that
   * tick (the walk of the listeners reaches it).
   */
  subscribe(fn: TickListener): () => void {
    if (this.closed) return () => undefined;
    // Wrap so that subscribing the same function twice gives two independent subscriptions.
    const entry: TickListener = (tick, now) => fn(tick, now);
    this.listeners.add(entry);
    // While a tick is delivered the timer is unset but the clock runs: `fire` schedules
    // the next tick when it is done. Starting here would renumber the ticks and make the
    // listeners after this one miss the current tick.
    if (this.timer === undefined && this.current === undefined) this.start();
    return () => {
      if (!this.listeners.delete(entry)) return;
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** The tick whose listeners are being called (undefined between ticks). */
  get deliveringTick(): number | undefined {
    return this.current;
  }

  get stats(): MediaClockStats {
    return {
      subscribers: this.listeners.size,
      running: this.timer !== undefined,
      ticks: this.ticks,
      caughtUpTicks: this.caughtUp,
      skippedTicks: this.skipped,
      listenerErrors: this.errors,
    };
  }

  /** Drops all subscribers and stops the timer. Idempotent. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
    this.stop();
  }

  private start(): void {
    this.startMs = this.clock.now();
    this.next = 1;
    this.schedule();
  }

  private stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    // The clock may not run again soon: what was skipped is said now.
    if (this.unreported > 0) this.reportOverload(this.clock.now());
  }

  /** One warning for the ticks skipped since the last one (see the module comment). */
  private reportOverload(now: number): void {
    const skipped = this.unreported;
    const sinceMs = Number.isFinite(this.lastReportAt) ? Math.round(now - this.lastReportAt) : undefined;
    this.log?.warn(
      { code: 'VM_MEDIA_OVERLOAD', skippedTicks: skipped, skippedMs: skipped * this.periodMs, worstLateMs: Math.round(this.unreportedWorstLateMs), ...(sinceMs !== undefined ? { sinceMs } : {}) },
      'media thread overloaded: it woke up too late to keep real time and skipped ticks (prompts were stretched, callers heard gaps); the machine is short of CPU for this many calls',
    );
    this.unreported = 0;
    this.unreportedWorstLateMs = 0;
    this.lastReportAt = now;
  }

  private schedule(): void {
    const due = this.startMs + this.next * this.periodMs;
    // Ceil: Node timers have 1 ms resolution and must not fire before the tick is due
    // (an early wake-up would only cost an extra empty wake-up, but it is avoidable).
    this.timer = this.clock.setTimer(Math.max(0, Math.ceil(due - this.clock.now())), this.onTimer);
  }

  private fire(): void {
    this.timer = undefined;
    try {
      this.deliverDueTicks();
    } finally {
      this.current = undefined;
    }
    if (this.timer === undefined && this.listeners.size > 0 && !this.closed) this.schedule();
  }

  private deliverDueTicks(): void {
    const now = this.clock.now();
    // Ticks due by now: next, next+1, ..., last.
    const last = Math.floor((now - this.startMs) / this.periodMs);
    let late = last - this.next; // ticks beyond the one due "now"
    if (late > this.maxCatchUp) {
      const skip = late - this.maxCatchUp;
      this.unreportedWorstLateMs = Math.max(this.unreportedWorstLateMs, now - (this.startMs + this.next * this.periodMs));
      this.unreported += skip;
      this.skipped += skip;
      this.next += skip;
      late = this.maxCatchUp;
      if (this.onSkip !== undefined) {
        try {
          this.onSkip(skip * this.periodMs, now);
        } catch (e) {
          this.errors++;
          this.log?.error({ err: e, code: 'VM_MEDIA_TICK_LISTENER' }, 'media clock skip hook threw');
        }
      }
    }
    if (this.unreported > 0 && now - this.lastReportAt >= this.overloadReportMs) this.reportOverload(now);
    if (late > 0) this.caughtUp += late;
    while (this.next <= last) {
      const tick = this.next++;
      this.ticks++;
      this.current = tick;
      // Work the listeners defer (their RTP sends) runs once all of them have run (tick-batch.ts).
      beginTickScope();
      try {
        if (this.onTickStart !== undefined) {
          try {
            this.onTickStart();
          } catch (e) {
            this.errors++;
            this.log?.error({ err: e, code: 'VM_MEDIA_TICK_LISTENER' }, 'media clock tick-start hook threw');
          }
        }
        for (const fn of this.listeners) {
          try {
            fn(tick, now);
          } catch (e) {
            // One faulty call must not silence a thousand others.
            this.errors++;
            this.log?.error({ err: e, code: 'VM_MEDIA_TICK_LISTENER' }, 'media clock listener threw');
          }
        }
      } finally {
        endTickScope();
      }
      // The last subscriber left during the tick (or the clock was closed): no catch-up for nobody.
      if (this.listeners.size === 0) return;
    }
  }
}
