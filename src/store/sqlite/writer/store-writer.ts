/**
 * The main thread's side of the store writer thread (docs/adr/0005-store-writer-thread.md):
 * posts writes, resolves each caller's promise once the group commit that holds its write
 * has returned (durable: synchronous = FULL), keeps the queue bounded, restarts a writer
 * that died, and closes (idempotently) after draining.
 */
import { Worker } from 'node:worker_threads';
import { VoxmailError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/logger.js';
import { StoreError, type StoreErrorCode } from '../../../voicemail/ports.js';
import type { FromWriter, ToWriter, WireError, WriteOp, WriterInit, WriterStats } from './protocol.js';

/** The writer has `maxQueued` writes waiting: the caller should refuse the work (503) rather than queue more. */
export const STORE_WRITER_BUSY = 'VM_STORE_WRITER_BUSY';
/** The writer thread died with the write in flight: it may or may not have been committed. */
export const STORE_WRITER_FAILED = 'VM_STORE_WRITER_FAILED';
/** A write after `close()`. */
export const STORE_CLOSED = 'VM_STORE_CLOSED';

export interface StoreWriterOptions {
  readonly file: string;
  readonly busyTimeoutMs: number;
  readonly logger: Logger;
  /** Writes posted and not yet answered before new ones are refused (VM_STORE_WRITER_BUSY). Default 5,000. */
  readonly maxQueued?: number;
  /** Writes per group commit at most. Default 256. */
  readonly maxGroup?: number;
  /** The niceness the thread sets itself to; default null: keeps the one it inherits. */
  readonly nice?: number | null;
}

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

const MAX_BACKOFF_MS = 5_000;
const STABLE_MS = 10_000;

function createWorker(init: WriterInit): Worker {
  const options = { workerData: init, name: 'voxmail-store-writer' };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./writer-worker-main.js', import.meta.url), options);
  // Under tsx (tests, `npx tsx`): on Node 20 a worker does not inherit the loader hooks (see media/worker/worker-pool.ts).
  const entry = new URL('./writer-worker-main.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/** Rebuilds an error from the writer: StoreError keeps its class and code, SQLite errors their code. */
function unwire(e: WireError): Error {
  if (e.name === 'StoreError' && e.code !== undefined) return new StoreError(e.code as StoreErrorCode, e.message);
  if (e.name === 'VoxmailError' && e.code !== undefined) return new VoxmailError(e.code, e.message);
  const error = new Error(e.message) as Error & { code?: string };
  error.name = e.name;
  if (e.code !== undefined) error.code = e.code;
  return error;
}

export class StoreWriter {
  readonly #init: WriterInit;
  readonly #log: Logger;
  readonly #maxQueued: number;
  readonly #pending = new Map<number, Pending>();
  readonly #stats = new Map<number, (s: WriterStats) => void>();
  #worker: Worker | null = null;
  #seq = 0;
  #closing: Promise<void> | undefined;
  #startedAt = 0;
  #backoffMs = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarts = 0;

  private constructor(options: StoreWriterOptions) {
    this.#init = { file: options.file, busyTimeoutMs: options.busyTimeoutMs, maxGroup: options.maxGroup ?? 256, nice: options.nice ?? null };
    this.#log = options.logger;
    this.#maxQueued = options.maxQueued ?? 5_000;
  }

  /** Starts the thread and waits until its connection is open (an open failure rejects here). */
  static async start(options: StoreWriterOptions): Promise<StoreWriter> {
    const writer = new StoreWriter(options);
    await writer.#spawn();
    return writer;
  }

  /** Writes waiting for their commit. */
  get queued(): number {
    return this.#pending.size;
  }

  /** How many times the thread was restarted after dying. */
  get restarts(): number {
    return this.#restarts;
  }

  /**
   * Runs `write` in the writer thread; resolves with the repository method's result once
   * the transaction holding it has committed, rejects with its error (only this write was
   * rolled back), VM_STORE_WRITER_BUSY, VM_STORE_WRITER_FAILED or VM_STORE_CLOSED.
   */
  write<T>(write: WriteOp, now: Date): Promise<T> {
    if (this.#closing) return Promise.reject(new VoxmailError(STORE_CLOSED, 'the store is closed'));
    const worker = this.#worker;
    if (worker === null) return Promise.reject(new VoxmailError(STORE_WRITER_FAILED, 'the store writer thread is restarting after a failure; nothing was written'));
    if (this.#pending.size >= this.#maxQueued) {
      return Promise.reject(new VoxmailError(STORE_WRITER_BUSY, `the store writer is overloaded (${String(this.#maxQueued)} writes waiting); nothing was written`));
    }
    const id = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#holdOpen(worker);
      this.#post(worker, { type: 'write', id, nowMs: now.getTime(), write });
    });
  }

  /** Commit counters of the current thread (tests, bench). */
  stats(): Promise<WriterStats> {
    const worker = this.#worker;
    if (worker === null || this.#closing) return Promise.resolve({ commits: 0, writes: 0, largestGroup: 0 });
    const id = ++this.#seq;
    return new Promise((resolve) => {
      this.#stats.set(id, resolve);
      this.#holdOpen(worker);
      this.#post(worker, { type: 'stats', id });
    });
  }

  /** For tests: kills the thread as a crash would. */
  async crashForTest(): Promise<void> {
    await this.#worker?.terminate();
  }

  /** Idempotent: refuses new writes, lets the queued ones commit and answer, then ends the thread. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#restartTimer);
      const worker = this.#worker;
      if (worker === null) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref();
      this.#post(worker, { type: 'close' });
      await exited;
    })();
    return this.#closing;
  }

  /** The thread keeps the process alive only while something waits for it, so an idle store does not hold it open. */
  #holdOpen(worker: Worker): void {
    if (this.#pending.size + this.#stats.size > 0 || this.#closing) worker.ref();
    else worker.unref();
  }

  #post(worker: Worker, message: ToWriter): void {
    worker.postMessage(message);
  }

  #spawn(isRestart = false): Promise<void> {
    const worker = createWorker(this.#init);
    this.#worker = worker;
    this.#startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromWriter) => {
        if (m.type === 'ready') {
          ready = true;
          if (m.niceRefused !== null) this.#log.info({ nice: this.#init.nice, error: m.niceRefused }, 'the store writer thread keeps the priority it inherited (changing it needs root or CAP_SYS_NICE)');
          this.#holdOpen(worker);
          resolve();
        } else if (m.type === 'done') {
          for (const r of m.results) {
            const p = this.#pending.get(r.id);
            if (p === undefined) continue;
            this.#pending.delete(r.id);
            if (r.ok) p.resolve(r.value);
            else p.reject(unwire(r.error));
          }
          this.#holdOpen(worker);
        } else {
          this.#stats.get(m.id)?.(m.stats);
          this.#stats.delete(m.id);
          this.#holdOpen(worker);
        }
      });
      let failure: Error | undefined;
      worker.on('error', (error) => {
        failure = error;
        this.#log.error({ err: error }, 'store writer thread failed');
      });
      worker.on('exit', (code) => {
        if (this.#worker === worker) this.#worker = null;
        const why = failure?.message ?? `exit code ${String(code)}`;
        this.#failPending(why);
        if (!ready) reject(failure ?? new VoxmailError(STORE_WRITER_FAILED, `the store writer thread ended before it was ready (${why})`));
        // A first start that fails is the opener's error; a restart that fails is tried again, later.
        if (this.#closing || (!ready && !isRestart)) return;
        this.#scheduleRestart(why);
      });
    });
  }

  #failPending(why: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      p.reject(new VoxmailError(STORE_WRITER_FAILED, `the store writer thread died (${why}); the write may or may not have been committed`));
    }
    for (const resolve of this.#stats.values()) resolve({ commits: 0, writes: 0, largestGroup: 0 });
    this.#stats.clear();
  }

  /** At once after a thread that ran 10 s or more; one that died sooner waits 100 ms, 200 ms ... 5 s. */
  #scheduleRestart(why: string): void {
    this.#backoffMs = Date.now() - this.#startedAt > STABLE_MS ? 0 : Math.min(MAX_BACKOFF_MS, Math.max(100, this.#backoffMs * 2));
    this.#log.error({ reason: why, restartInMs: this.#backoffMs }, 'store writer thread died; restarting it');
    const restart = (): void => {
      if (this.#closing) return;
      this.#restarts++;
      this.#spawn(true).catch((error: unknown) => this.#log.error({ err: error }, 'store writer thread did not start again'));
    };
    if (this.#backoffMs === 0) restart();
    else this.#restartTimer = setTimeout(restart, this.#backoffMs);
  }
}
