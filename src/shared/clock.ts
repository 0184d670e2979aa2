/**
 * Time is injected so that protocol timers (RFC 3261 timers A–K, idle timeouts) can be
 * tested by advancing a manual clock instead of sleeping.
 */
export interface TimerHandle {
  /** Idempotent. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds on a monotonic scale (not wall-clock time). */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** The real clock: `performance.now()` and unref'd Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that moves only when told to; for tests of timer-driven state machines. */
export class ManualClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.time;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return { cancel: () => this.timers.delete(id) };
  }

  /** Advance time, firing due timers in time order (timers set while firing included). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) {
        if (t.at < nextAt || (t.at === nextAt && id < nextId)) {
          nextAt = t.at;
          nextId = id;
        }
      }
      if (nextId < 0 || nextAt > end) break;
      const t = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.time = nextAt;
      t.fn();
    }
    this.time = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}
