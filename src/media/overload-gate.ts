/**
 * Whether a media thread is too far behind real time to take another call (ADR 0010).
 *
 * A media clock that wakes more than a few ticks late skips them (media-clock.ts): every
 * caller of that thread hears a gap, and a thread seconds behind lets the kernel drop the
 * RTP queued on its sockets — audio missing from messages the callers believe were left.
 * Taking more calls then only digs deeper. So while the thread has lost `refuseMs` or more
 * of real time to skipped ticks within the last `windowMs`, in at least `minStalls`
 * separate late wake-ups, new calls are refused (503 with Retry-After), so that the
 * PBX can route them to another server and the calls in progress keep their audio. One
 * stall alone never trips it (a pause of the whole machine, a long GC): the thread is
 * back in time right after. The gate opens again once the window holds less.
 *
 * Pure bookkeeping on times the caller gives (deterministic in tests); one per media
 * thread. Memory is bounded: one entry per late wake-up inside the window, and a wake-up
 * that skips is more than 100 ms late, so at most ~50 in 5 s.
 */
import type { Logger } from '../shared/logger.js';

export interface OverloadGateOptions {
  /** Real time lost to skipped ticks within the window that closes the gate; 0: never closes. */
  readonly refuseMs: number;
  /** Default 5,000 ms. */
  readonly windowMs?: number;
  /** Separate late wake-ups needed within the window; default 2. */
  readonly minStalls?: number;
}

export const DEFAULT_OVERLOAD_WINDOW_MS = 5_000;

export class OverloadGate {
  private readonly refuseMs: number;
  private readonly windowMs: number;
  private readonly minStalls: number;
  /** Late wake-ups inside the window, oldest first: [time, skipped ms]. */
  private readonly stalls: [number, number][] = [];
  private lostMs = 0;

  constructor(options: OverloadGateOptions) {
    this.refuseMs = options.refuseMs;
    this.windowMs = options.windowMs ?? DEFAULT_OVERLOAD_WINDOW_MS;
    this.minStalls = options.minStalls ?? 2;
    if (!(this.refuseMs >= 0) || !Number.isFinite(this.refuseMs)) throw new RangeError('refuseMs must be a number >= 0');
    if (!(this.windowMs > 0) || !Number.isFinite(this.windowMs)) throw new RangeError('windowMs must be a positive number');
    if (!Number.isInteger(this.minStalls) || this.minStalls < 1) throw new RangeError('minStalls must be an integer >= 1');
  }

  /** The thread's clock skipped `skippedMs` of ticks at `now` (one late wake-up). */
  noteSkip(skippedMs: number, now: number): void {
    if (this.refuseMs === 0 || !(skippedMs > 0)) return;
    this.forget(now);
    this.stalls.push([now, skippedMs]);
    this.lostMs += skippedMs;
  }

  /** True while new calls should be refused. */
  closed(now: number): boolean {
    if (this.refuseMs === 0) return false;
    this.forget(now);
    return this.stalls.length >= this.minStalls && this.lostMs >= this.refuseMs;
  }

  private forget(now: number): void {
    while (this.stalls.length > 0 && now - this.stalls[0]![0] >= this.windowMs) {
      this.lostMs -= this.stalls.shift()![1];
    }
    if (this.stalls.length === 0) this.lostMs = 0; // no float residue
  }
}

/**
 * The log of refused calls: a warning at the first refusal, then at most one per
 * `reportMs` with the count since — at 250 new calls a second a line per call would add
 * to the overload it reports.
 */
export class OverloadRefusalLog {
  private pending = 0;
  private lastAt = -Infinity;

  constructor(
    private readonly log: Logger | undefined,
    /** The setting the log lines name (`media.overloadRefuseMs`). */
    private readonly refuseMs: number,
    private readonly reportMs = 10_000,
  ) {}

  refused(now: number): void {
    this.pending++;
    if (now - this.lastAt < this.reportMs) return;
    this.log?.warn(
      { code: 'VM_CALLS_REFUSED_OVERLOAD', refusedCalls: this.pending, refuseMs: this.refuseMs, ...(Number.isFinite(this.lastAt) ? { sinceMs: Math.round(now - this.lastAt) } : {}) },
      'new calls refused with 503: the media threads are too far behind real time to take more (media.overloadRefuseMs); the calls in progress go on',
    );
    this.pending = 0;
    this.lastAt = now;
  }
}
