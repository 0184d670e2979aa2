import { VoxmailError } from '../../shared/errors.js';

/** More tasks are waiting than the limiter holds: the caller should answer "busy, retry". */
export const CONVERTER_BUSY = 'VM_MEDIA_CONVERTER_BUSY';

/**
 * At most `max` tasks at a time, the rest wait in order (FIFO), at most `maxWaiting` of
 * them: each waiter holds its upload in memory, so the queue is bounded too and a task
 * beyond it is refused at once (VM_MEDIA_CONVERTER_BUSY). Ten lines on a queue of
 * resolvers; not worth a dependency. A waiter whose signal aborts leaves the queue.
 */
export class Limiter {
  readonly #max: number;
  readonly #maxWaiting: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(max: number, maxWaiting = 16) {
    if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`Limiter: ${String(max)} is not a positive integer`);
    if (!(Number.isInteger(maxWaiting) && maxWaiting >= 0)) throw new RangeError(`Limiter: maxWaiting ${String(maxWaiting)} is not a non-negative integer`);
    this.#max = max;
    this.#maxWaiting = maxWaiting;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Tasks waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#acquire(signal);
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  #acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#running < this.#max) {
      this.#running++;
      return Promise.resolve();
    }
    if (this.#waiting.length >= this.#maxWaiting) {
      return Promise.reject(new VoxmailError(CONVERTER_BUSY, `${String(this.#running)} conversions are running and ${String(this.#waiting.length)} waiting; try again shortly`));
    }
    return new Promise<void>((resolve, reject) => {
      const go = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#running++;
        resolve();
      };
      const onAbort = (): void => {
        const i = this.#waiting.indexOf(go);
        if (i >= 0) this.#waiting.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(go);
    });
  }
}
