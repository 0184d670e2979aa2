/**
 * Work deferred to the end of the current media-clock tick, so that it is done for every
 * call in one pass instead of interleaved with the per-call work.
 *
 * Why: a tick for a thousand calls is a thousand times "cut a frame, encode it, write
 * the RTP header, send". Each send is a system call that sweeps the CPU caches (the
 * kernel's UDP/IP/loopback path), so the next call's JavaScript (player, codec tables,
 * session state) starts cold. Producing every packet first and sending them all after
 * keeps both passes warm (measured: BENCHMARKS.md, media section).
 *
 * Only while a tick is being delivered (`MediaClock` opens the scope around each tick);
 * anywhere else, `inTickScope()` is false and callers do their work at once, so nothing
 * waits for a tick that may never come.
 */

/** Something with work to finish at the end of the tick (an RTP session with a packet to send). */
export interface TickDeferred {
  flushDeferred(): void;
}

let depth = 0;
const queue: TickDeferred[] = [];

/** True while a media-clock tick is being delivered: deferred work will run at its end. */
export function inTickScope(): boolean {
  return depth > 0;
}

/** Run `x.flushDeferred()` at the end of the current tick (call only when `inTickScope()`). */
export function deferToTickEnd(x: TickDeferred): void {
  queue.push(x);
}

/** Open the scope (MediaClock, before delivering a tick). */
export function beginTickScope(): void {
  depth++;
}

/** Close the scope; the outermost close runs the deferred work, in the order it was deferred. */
export function endTickScope(): void {
  if (--depth > 0) return;
  // Deferred work that defers again (it should not: the scope is closed) runs at once.
  for (let i = 0; i < queue.length; i++) {
    try {
      queue[i]!.flushDeferred();
    } catch {
      // Each item reports its own failures (an RTP session counts socket errors).
    }
  }
  queue.length = 0;
}
