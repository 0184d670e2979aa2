/**
 * `media.workers: N`: N media worker threads, each with its own event loop, media clock
 * and disjoint slice of the RTP port range; every call's media lives in one of them.
 * The main thread keeps SIP, the call flow and the store and talks to a call's worker
 * through `RemoteCallMedia` (same surface as `CallMedia`) over the protocol in
 * protocol.ts (control messages only; prompts cross once per worker, shared).
 *
 * Why threads with port slices: one Node thread runs JavaScript on one core; on Node 20
 * dgram has no `reusePort`, and a socket cannot move between threads, so each worker
 * binds its own sockets in its own range: a port is unique because the ranges are
 * disjoint, with no cross-thread allocation protocol. A call goes to the worker with
 * the fewest calls; a worker whose slice is full answers VM_MEDIA_PORTS_EXHAUSTED and the
 * next is tried.
 *
 * A worker that dies (uncaught exception, out of memory) fails its calls: their pending
 * plays resolve 'aborted', a recording's `onError` fires and `stopRecording` rejects
 * (VM_MEDIA_WORKER_FAILED), `onFailure` tells the call to hang up. What the recording had
 * written stays as a pending deposit + partial WAV, recovered at the next start as after
 * a crash of the process (ADR 0002). The worker is started again for new calls.
 *
 * @see docs/adr/0004-media-workers.md
 */
import { Worker } from 'node:worker_threads';
import { bindingsOf, type Logger } from '../../shared/logger.js';
import { err, ok, type Result } from '../../shared/result.js';
import { overloaded, type CallMediaHandle, type CallMediaRequest, type MediaEngine, type MediaOpenError } from '../media-engine.js';
import { OverloadGate, OverloadRefusalLog } from '../overload-gate.js';
import type { FromWorker, ReplyValue, ToWorker, WireError, WorkerInit } from './protocol.js';
import { RemoteCallMedia } from './remote-call-media.js';
import type { RtpSocketKind } from '../rtp/index.js';

export interface MediaWorkerPoolOptions {
  readonly workers: number;
  readonly portMin: number;
  readonly portMax: number;
  /** RTP sockets in the workers (PortAllocator); default 'auto'. */
  readonly sockets?: RtpSocketKind;
  /** How often the workers read a socket that has received (PortAllocator); default 100 ms. */
  readonly readIntervalMs?: number;
  readonly logLevel: string;
  readonly logger: Logger;
  /**
   * Niceness of the worker threads (thread-priority.ts), 0 included; default null: they
   * keep the one they inherit from the thread that starts them.
   */
  readonly nice?: number | null;
  /** Requests waiting for a worker's answer, per worker, before new calls are refused. Default 2,000. */
  readonly maxPendingPerWorker?: number;
  /** Restart a worker that died (default true). */
  readonly restart?: boolean;
  /**
   * `media.overloadRefuseMs`: a worker whose clock lost this much real time to skipped
   * ticks in the last 5 s takes no new call; with every worker so, calls are refused
   * (VM_MEDIA_OVERLOADED → 503). Default 0: never.
   */
  readonly overloadRefuseMs?: number;
}

/**
 * Built (dist/), the entry is a .js file beside this one. Run from source under tsx
 * (tests, `npx tsx`), it is TypeScript, and on Node 20 a worker does not inherit the
 * parent's `--import` loader hooks: the worker first registers tsx's loader, then
 * imports the entry.
 */
/**
 * A media worker's young generation, MB. V8 sizes it for a busy main thread (up to 3 ×
 * 16 MB semi-spaces on 64-bit) and every worker gets its own: with two workers that was
 * tens of MB of RSS that the per-packet path (a view and a frame object per packet) never
 * needs — issue 7 counts memory per concurrent call (BENCHMARKS.md §4).
 */
const MEDIA_WORKER_YOUNG_GENERATION_MB = 16;

function createWorker(init: WorkerInit): Worker {
  const options = {
    workerData: init,
    name: `voxmail-media-${String(init.index)}`,
    resourceLimits: { maxYoungGenerationSizeMb: MEDIA_WORKER_YOUNG_GENERATION_MB },
  };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./media-worker-main.js', import.meta.url), options);
  const entry = new URL('./media-worker-main.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

interface Pending {
  readonly resolve: (v: Result<ReplyValue, WireError>) => void;
  readonly call: number;
}

/** One worker thread and what the main thread knows of it. */
export class MediaWorkerLink {
  worker: Worker | null = null;
  alive = false;
  /** Calls placed in this worker, by call id. */
  readonly calls = new Map<number, RemoteCallMedia>();
  readonly pending = new Map<number, Pending>();
  /** Prompt ids this incarnation of the worker has been given. */
  readonly prompts = new Set<number>();
  /** RTP ports of pairs this incarnation has bound ahead ('spare'), by local address. */
  readonly spares = new Map<string, number[]>();
  /** Closed while this worker's clock is too far behind real time to take a new call. */
  readonly gate: OverloadGate;
  private ready: Promise<void> = Promise.resolve();
  private stopping = false;
  private closedAll: (() => void) | null = null;
  restarts = 0;

  constructor(
    readonly index: number,
    readonly portMin: number,
    readonly portMax: number,
    private readonly pool: MediaWorkerPool,
  ) {
    this.gate = new OverloadGate({ refuseMs: pool.overloadRefuseMs });
  }

  start(): Promise<void> {
    const init: WorkerInit = { index: this.index, portMin: this.portMin, portMax: this.portMax, sockets: this.pool.sockets, readIntervalMs: this.pool.readIntervalMs, logLevel: this.pool.logLevel, nice: this.pool.nice };
    const w = createWorker(init);
    this.worker = w;
    this.prompts.clear();
    this.spares.clear();
    this.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker): void => {
        if (m.t !== 'ready') return;
        w.off('message', onReady);
        w.off('error', reject);
        this.alive = true;
        resolve();
      };
      w.on('message', onReady);
      w.once('error', reject);
      // A worker that exits before it is ready (no error event) must not leave start() waiting.
      w.once('exit', (code) => reject(new Error(`media worker ${String(this.index)} exited (code ${String(code)}) before it was ready`)));
    });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    w.on('error', (e) => this.pool.log.error({ err: e, code: 'VM_MEDIA_WORKER_FAILED', worker: this.index }, 'media worker failed'));
    w.on('exit', (code) => this.onExit(w, code));
    return this.ready;
  }

  post(msg: ToWorker): void {
    if (!this.alive || this.worker === null) return;
    this.worker.postMessage(msg);
  }

  /** A port this worker has bound ahead for `localAddress`, taken (the worker opens on it when told). */
  takeSpare(localAddress: string): number | undefined {
    return this.spares.get(localAddress)?.shift();
  }

  /** Send a request; resolves with the reply, or an error if the worker dies first. */
  request(call: number, make: (req: number) => ToWorker): Promise<Result<ReplyValue, WireError>> {
    if (!this.alive) return Promise.resolve(err({ code: 'VM_MEDIA_WORKER_FAILED', message: `media worker ${String(this.index)} is not running` }));
    const req = this.pool.nextId();
    return new Promise((resolve) => {
      this.pending.set(req, { resolve, call });
      this.post(make(req));
    });
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'ready':
        return;
      case 'reply': {
        const p = this.pending.get(m.req);
        if (p === undefined) return;
        this.pending.delete(m.req);
        p.resolve(m.ok ? ok(m.value) : err(m.error));
        return;
      }
      case 'played':
        this.calls.get(m.call)?.onPlayed(m.play, m.outcome);
        return;
      case 'dtmf':
        this.calls.get(m.call)?.onDtmfEvent({ ...m.event, at: m.event.at + m.epoch - performance.timeOrigin });
        return;
      case 'rec-event':
        this.calls.get(m.call)?.onRecordingEvent(m.kind, m.error);
        return;
      case 'closed-all':
        this.closedAll?.();
        return;
      case 'spare': {
        let ports = this.spares.get(m.localAddress);
        if (!ports) this.spares.set(m.localAddress, (ports = []));
        ports.push(m.port);
        return;
      }
      case 'skipped':
        // Timed on this thread's clock on arrival: the worker's clock has another origin.
        this.gate.noteSkip(m.ms, performance.now());
        return;
    }
  }

  private onExit(w: Worker, code: number): void {
    if (this.worker !== w) return;
    this.alive = false;
    this.worker = null;
    this.spares.clear();
    const failure: WireError = { code: 'VM_MEDIA_WORKER_FAILED', message: `media worker ${String(this.index)} exited (code ${String(code)})` };
    for (const p of this.pending.values()) p.resolve(err(failure));
    this.pending.clear();
    const calls = [...this.calls.values()];
    this.calls.clear();
    if (!this.stopping) {
      this.pool.log.error({ code: 'VM_MEDIA_WORKER_FAILED', worker: this.index, exitCode: code, calls: calls.length }, 'media worker exited; its calls fail');
    }
    for (const c of calls) c.onWorkerFailed(failure.message);
    if (!this.stopping && this.pool.restart) {
      this.restarts++;
      // Later calls need it; a worker that cannot even start is logged, not retried in a loop.
      const delay = Math.min(5_000, 100 * 2 ** Math.min(this.restarts, 6));
      setTimeout(() => {
        if (this.stopping) return;
        this.start().catch((e: unknown) => this.pool.log.error({ err: e, worker: this.index }, 'media worker could not be restarted'));
      }, delay).unref();
    }
  }

  /** Test hook and last resort: kill the thread now (its calls fail as after a crash). */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const w = this.worker;
    if (w === null || !this.alive) return;
    const done = new Promise<void>((resolve) => (this.closedAll = resolve));
    this.post({ t: 'shutdown' });
    await Promise.race([done, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await w.terminate();
  }
}

export class MediaWorkerPool implements MediaEngine {
  readonly links: readonly MediaWorkerLink[];
  readonly log: Logger;
  readonly logLevel: string;
  readonly nice: number | null;
  readonly sockets: RtpSocketKind;
  readonly readIntervalMs: number | undefined;
  readonly restart: boolean;
  readonly maxPending: number;
  readonly overloadRefuseMs: number;
  private readonly refusals: OverloadRefusalLog;
  private ids = 0;
  private cursor = 0;
  /** Prompt PCM shared once: the main thread's array → its id and shared copy. */
  private readonly promptIds = new WeakMap<Int16Array, number>();
  private readonly promptBuffers = new Map<number, { readonly buffer: SharedArrayBuffer; readonly length: number }>();
  private readonly promptGone = new FinalizationRegistry<number>((id) => this.forgetPrompt(id));
  private closing: Promise<void> | null = null;

  private constructor(opts: MediaWorkerPoolOptions) {
    this.log = opts.logger;
    this.logLevel = opts.logLevel;
    this.nice = opts.nice ?? null;
    this.sockets = opts.sockets ?? 'auto';
    this.readIntervalMs = opts.readIntervalMs;
    this.restart = opts.restart ?? true;
    this.maxPending = opts.maxPendingPerWorker ?? 2_000;
    this.overloadRefuseMs = opts.overloadRefuseMs ?? 0;
    this.refusals = new OverloadRefusalLog(opts.logger, this.overloadRefuseMs);
    const min = opts.portMin + (opts.portMin % 2);
    const pairs = Math.floor((opts.portMax - min + 1) / 2);
    const per = Math.floor(pairs / opts.workers);
    if (!(opts.workers >= 1) || per < 1) throw new RangeError(`RTP range ${String(opts.portMin)}-${String(opts.portMax)} has fewer port pairs than media workers (${String(opts.workers)})`);
    const links: MediaWorkerLink[] = [];
    for (let i = 0; i < opts.workers; i++) {
      const lo = min + 2 * per * i;
      // The last worker takes the remainder too.
      const hi = i === opts.workers - 1 ? min + 2 * pairs - 1 : lo + 2 * per - 1;
      links.push(new MediaWorkerLink(i, lo, hi, this));
    }
    this.links = links;
  }

  /** Start the workers and wait until every one is ready. */
  static async start(opts: MediaWorkerPoolOptions): Promise<MediaWorkerPool> {
    const pool = new MediaWorkerPool(opts);
    try {
      await Promise.all(pool.links.map((l) => l.start()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  nextId(): number {
    this.ids = (this.ids + 1) % Number.MAX_SAFE_INTEGER;
    return this.ids;
  }

  /** Calls placed in each worker (for metrics and tests). */
  get callsPerWorker(): number[] {
    return this.links.map((l) => l.calls.size);
  }

  async open(request: CallMediaRequest): Promise<Result<CallMediaHandle, MediaOpenError>> {
    if (this.closing) return err({ code: 'VM_MEDIA_WORKER_FAILED', message: 'media workers are stopping' });
    const order = this.placementOrder();
    if (order.length === 0) return err({ code: 'VM_MEDIA_WORKER_FAILED', message: 'no media worker is running' });
    let last: MediaOpenError = { code: 'VM_MEDIA_WORKER_BUSY', message: 'every media worker has too many requests waiting' };
    // Workers behind real time take no new call while another can (overload-gate.ts).
    const now = performance.now();
    const open = order.filter((l) => !l.gate.closed(now));
    if (open.length === 0) {
      this.refusals.refused(now);
      return err(overloaded());
    }
    for (const link of open) {
      if (link.pending.size >= this.maxPending) continue;
      const call = this.nextId();
      const message = (req: number, port?: number): ToWorker => ({
        t: 'open',
        req,
        call,
        ...(port !== undefined ? { port } : {}),
        params: { codec: request.codec, payloadType: request.payloadType, telephoneEventPayloadType: request.telephoneEventPayloadType, ptime: request.ptime, remote: request.remote },
        localAddress: request.localAddress,
        latch: request.latch ?? true,
        inbandDtmf: request.inbandDtmf ?? false,
        // Not bindings(): that serialises a lazy child's bindings here, for a call that
        // usually logs nothing; the worker's logger redacts them when it writes.
        bindings: bindingsOf(request.logger),
      });
      const spare = link.takeSpare(request.localAddress);
      if (spare !== undefined) return ok(this.openOnSpare(link, call, spare, message, request));
      const r = await link.request(call, (req) => message(req));
      if (r.ok && r.value.kind === 'opened') {
        const media = new RemoteCallMedia(this, link, call, r.value.localPort, request.logger);
        if (!link.alive) {
          media.onWorkerFailed('media worker exited');
          return err({ code: 'VM_MEDIA_WORKER_FAILED', message: `media worker ${String(link.index)} exited` });
        }
        link.calls.set(call, media);
        return ok(media);
      }
      if (!r.ok) {
        last = r.error as MediaOpenError;
        // A full slice: another worker may have room. Anything else would fail the same way there.
        if (r.error.code !== 'VM_MEDIA_PORTS_EXHAUSTED' && r.error.code !== 'VM_MEDIA_WORKER_FAILED') return err(last);
      }
    }
    return err(last);
  }

  /**
   * The call gets a pair the worker bound ahead: the handle (and its port, for the SDP
   * answer) now, without waiting for the worker. The worker opens on that pair as soon as
   * it reads the message, before any later message for the call. Should it refuse (the
   * call's parameters are invalid, or it restarted meanwhile and no longer has the pair),
   * the call fails like a call whose worker died: its port was already given out.
   */
  private openOnSpare(link: MediaWorkerLink, call: number, port: number, message: (req: number, port?: number) => ToWorker, request: CallMediaRequest): RemoteCallMedia {
    const media = new RemoteCallMedia(this, link, call, port, request.logger);
    link.calls.set(call, media);
    void link.request(call, (req) => message(req, port)).then((r) => {
      if (r.ok && r.value.kind === 'opened' && r.value.localPort === port) return;
      // A worker that died has failed its calls already (onExit).
      if (link.calls.get(call) !== media) return;
      const why = !r.ok ? r.error.message : `the worker opened port ${r.value.kind === 'opened' ? String(r.value.localPort) : '?'} instead of ${String(port)}`;
      request.logger.warn({ code: 'VM_MEDIA_WORKER_FAILED', worker: link.index, port, reason: why }, 'media on a spare port failed');
      link.calls.delete(call);
      media.onWorkerFailed(why);
      if (r.ok && r.value.kind === 'opened') link.post({ t: 'close', req: this.nextId(), call });
    });
    return media;
  }

  /** Live workers, fewest calls first; ties rotate so that an idle pool fills evenly. */
  private placementOrder(): MediaWorkerLink[] {
    const n = this.links.length;
    const start = this.cursor;
    this.cursor = (this.cursor + 1) % n;
    const rotated: MediaWorkerLink[] = [];
    for (let i = 0; i < n; i++) {
      const l = this.links[(start + i) % n]!;
      if (l.alive) rotated.push(l);
    }
    return rotated.sort((a, b) => a.calls.size + a.pending.size - (b.calls.size + b.pending.size));
  }

  /**
   * The id the workers know `samples` by; registers it with `link` first if needed
   * (one shared copy per prompt for all workers, made on its first play).
   */
  promptId(link: MediaWorkerLink, samples: Int16Array): number {
    let id = this.promptIds.get(samples);
    if (id === undefined) {
      id = this.nextId();
      const buffer = new SharedArrayBuffer(samples.length * 2);
      new Int16Array(buffer).set(samples);
      this.promptIds.set(samples, id);
      this.promptBuffers.set(id, { buffer, length: samples.length });
      this.promptGone.register(samples, id);
    }
    if (!link.prompts.has(id)) {
      const p = this.promptBuffers.get(id)!;
      link.post({ t: 'prompt', id, buffer: p.buffer, length: p.length });
      link.prompts.add(id);
    }
    return id;
  }

  private forgetPrompt(id: number): void {
    this.promptBuffers.delete(id);
    for (const l of this.links) {
      if (l.prompts.delete(id)) l.post({ t: 'forget', id });
    }
  }

  close(): Promise<void> {
    this.closing ??= Promise.all(this.links.map((l) => l.stop())).then(() => undefined);
    return this.closing;
  }
}
