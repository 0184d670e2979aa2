/**
 * One attempt's abort signal: aborted by the caller's signal (worker shutdown), by
 * `close()`, or by the timeout — whichever comes first.
 *
 * Not `AbortSignal.any([signal, AbortSignal.timeout(ms)])`: on Node 20 every `any()`
 * leaves an entry in each source signal's dependant set that is never removed
 * (nodejs/node#55351), and the worker's shutdown signal lives as long as the process,
 * so every delivery would leak a little. Here the listeners are removed and the timer
 * cleared by `dispose()` when the attempt ends.
 */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** True when the timeout, not a parent, ended the attempt. */
  readonly timedOut: boolean;
  /** Detach from the parents and stop the timer; call when the attempt is over. */
  dispose(): void;
  /** Abort from outside (the sender closing). */
  abort(): void;
}

export function attemptSignal(parents: readonly AbortSignal[], timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onParentAbort = (): void => controller.abort(new Error('aborted'));
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${String(timeoutMs)} ms`));
  }, timeoutMs);
  timer.unref();
  for (const p of parents) {
    if (p.aborted) onParentAbort();
    else p.addEventListener('abort', onParentAbort, { once: true });
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      for (const p of parents) p.removeEventListener('abort', onParentAbort);
    },
    abort: onParentAbort,
  };
}
