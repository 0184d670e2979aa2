/**
 * The media worker's side of the protocol (protocol.ts): the calls placed in this
 * thread, each a `CallMedia` on this thread's own `MediaClock`, ports from this worker's
 * slice of the range, prompts shared once (SharedArrayBuffer) and named by id.
 *
 * Kept apart from the thread entry (media-worker-main.ts) so that it can be driven in a
 * test without a thread: `handle()` takes a message, `post` sends one back.
 */
import type { Clock } from '../../shared/clock.js';
import { VoxmailError } from '../../shared/errors.js';
import { lazyChild, type Logger } from '../../shared/logger.js';
import { CallMedia } from '../call-media.js';
import { MediaClock } from '../media-clock.js';
import type { PlayOutcome } from '../player.js';
import { PortAllocator, type PortPair, type RtpSocketKind } from '../rtp/index.js';
import type { FromWorker, ReplyValue, ToWorker, WireError } from './protocol.js';

interface HostedCall {
  readonly media: CallMedia;
  readonly log: Logger;
  /** Plays in progress, by id: aborting one removes it from the player. */
  readonly plays: Map<number, AbortController>;
}

export interface MediaWorkerHostOptions {
  readonly portMin: number;
  readonly portMax: number;
  readonly sockets: RtpSocketKind;
  /** PortAllocator's `readIntervalMs` (default 100). */
  readonly readIntervalMs?: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly post: (msg: FromWorker) => void;
  /**
   * Messages that arrived while the thread was busy, taken synchronously (at most a few):
   * called at the start of every media-clock tick, so that a greeting to start waits for
   * at most the tick in progress, not for a catch-up burst of ticks and the receive pass
   * after it (see media-worker-main.ts). Returns undefined when none waits.
   */
  readonly takeMessage?: () => ToWorker | undefined;
}

/** Messages handled at the start of one tick, at most: a flood must not hold the tick's packets back. */
export const MESSAGES_PER_TICK = 32;

/**
 * Port pairs each worker keeps bound ahead, per local address, so that the SIP thread can
 * put a port in its 200 OK without a round trip to a thread that may be busy (at 2,500
 * calls that round trip was most of INVITE→200's p99). Capped to an eighth of the slice.
 */
export const SPARE_PAIRS = 16;

function wireError(e: unknown): WireError {
  if (e instanceof VoxmailError) return { code: e.code, message: e.message };
  return { code: 'VM_MEDIA_WORKER_FAILED', message: e instanceof Error ? e.message : String(e) };
}

export class MediaWorkerHost {
  private readonly calls = new Map<number, HostedCall>();
  private readonly prompts = new Map<number, Int16Array>();
  private readonly allocator: PortAllocator;
  /** Pairs bound ahead and announced ('spare'), by local address and RTP port. */
  private readonly spares = new Map<string, Map<number, PortPair>>();
  /** Spares being bound, by local address. */
  private readonly binding = new Map<string, number>();
  private readonly spareTarget: number;
  private stopped = false;
  /** Inside takeWaiting (it is not re-entered). */
  private taking = false;
  /** This thread's clock: every player of this worker is paced by it. */
  readonly mediaClock: MediaClock;
  private readonly epoch = performance.timeOrigin;

  constructor(private readonly opts: MediaWorkerHostOptions) {
    this.allocator = new PortAllocator({ min: opts.portMin, max: opts.portMax, sockets: opts.sockets, ...(opts.readIntervalMs !== undefined ? { readIntervalMs: opts.readIntervalMs } : {}) });
    this.spareTarget = Math.min(SPARE_PAIRS, Math.floor((opts.portMax - opts.portMin + 1) / 2 / 8));
    this.mediaClock = new MediaClock({
      clock: opts.clock,
      logger: opts.logger,
      ...(opts.takeMessage !== undefined ? { onTickStart: (): void => this.takeWaiting() } : {}),
      // The main thread decides whether this worker takes new calls (overload-gate.ts).
      onSkip: (ms: number): void => this.opts.post({ t: 'skipped', ms }),
    });
  }

  /**
   * Handle up to MESSAGES_PER_TICK messages that wait (`takeMessage`), in order. Called
   * at the start of every tick and, in a worker, after each batch of received datagrams
   * (media-worker-main.ts): the two long stretches of a busy worker's turn. Not
   * re-entered: a message handled here that leads back here (it cannot today) takes nothing.
   */
  takeWaiting(): void {
    const take = this.opts.takeMessage;
    if (take === undefined || this.taking) return;
    this.taking = true;
    try {
      for (let i = 0; i < MESSAGES_PER_TICK; i++) {
        const msg = take();
        if (msg === undefined) return;
        this.handle(msg);
      }
    } finally {
      this.taking = false;
    }
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  handle(msg: ToWorker): void {
    switch (msg.t) {
      case 'prompt':
        this.prompts.set(msg.id, new Int16Array(msg.buffer, 0, msg.length));
        return;
      case 'forget':
        this.prompts.delete(msg.id);
        return;
      case 'open':
        if (msg.port === undefined || !this.openOnSpare(msg, msg.port)) void this.open(msg);
        return;
      case 'remote': {
        const c = this.calls.get(msg.call);
        const r = c?.media.setRemote(msg.address, msg.port, msg.rtcpPort);
        if (r && !r.ok) c?.log.warn({ reason: r.error }, 'new remote media address refused');
        return;
      }
      case 'play':
        this.play(msg.call, msg.play, msg.prompt, msg.bargeIn);
        return;
      case 'abort-play':
        this.calls.get(msg.call)?.plays.get(msg.play)?.abort();
        return;
      case 'stop-play':
        this.calls.get(msg.call)?.media.stopPlaying();
        return;
      case 'skip-prompts':
        this.calls.get(msg.call)?.media.skipPrompts();
        return;
      case 'rec-start':
        void this.recStart(msg);
        return;
      case 'rec-stop':
        void this.recStop(msg.req, msg.call, msg.endedBy);
        return;
      case 'close':
        void this.closeCall(msg.req, msg.call);
        return;
      case 'shutdown':
        void this.shutdown();
        return;
    }
  }

  private reply(req: number, value: ReplyValue): void {
    this.opts.post({ t: 'reply', req, ok: true, value });
  }

  private fail(req: number, error: WireError): void {
    this.opts.post({ t: 'reply', req, ok: false, error });
  }

  /**
   * Open on the spare pair the main thread chose (it has answered the call with this port
   * already): synchronously, so the messages that follow find the call. False if there is
   * no such spare (then the normal path replies with another port and the main thread
   * fails the call).
   */
  private openOnSpare(msg: Extract<ToWorker, { t: 'open' }>, port: number): boolean {
    const pair = this.spares.get(msg.localAddress)?.get(port);
    if (pair === undefined) return false;
    this.spares.get(msg.localAddress)!.delete(port);
    this.refillSpares(msg.localAddress);
    const log = callLogger(this.opts.logger, msg.bindings);
    let opened;
    try {
      opened = CallMedia.openOn({ ...msg.params, localAddress: msg.localAddress, mediaClock: this.mediaClock, clock: this.opts.clock, logger: log, latch: msg.latch, inbandDtmf: msg.inbandDtmf }, pair);
    } catch (e) {
      opened = { ok: false as const, error: wireError(e) };
    }
    if (!opened.ok) {
      void pair.release();
      this.fail(msg.req, { code: opened.error.code, message: opened.error.message });
      return true;
    }
    this.placed(msg, opened.value, log);
    return true;
  }

  /** Bind pairs until `spareTarget` wait for `localAddress`, announcing each. */
  private refillSpares(localAddress: string): void {
    const have = (this.spares.get(localAddress)?.size ?? 0) + (this.binding.get(localAddress) ?? 0);
    for (let i = have; i < this.spareTarget; i++) {
      this.binding.set(localAddress, (this.binding.get(localAddress) ?? 0) + 1);
      void this.allocator.allocate(localAddress).then((r) => {
        this.binding.set(localAddress, this.binding.get(localAddress)! - 1);
        if (!r.ok) return; // a full slice: calls take the normal path (and fail there the same way)
        if (this.stopped) {
          void r.value.release();
          return;
        }
        let set = this.spares.get(localAddress);
        if (!set) this.spares.set(localAddress, (set = new Map<number, PortPair>()));
        set.set(r.value.rtpPort, r.value);
        this.opts.post({ t: 'spare', localAddress, port: r.value.rtpPort });
      });
    }
  }

  private placed(msg: Extract<ToWorker, { t: 'open' }>, media: CallMedia, log: Logger): void {
    const call: HostedCall = { media, log, plays: new Map() };
    this.calls.set(msg.call, call);
    media.onDtmf((event) => this.opts.post({ t: 'dtmf', call: msg.call, event, epoch: this.epoch }));
    this.reply(msg.req, { kind: 'opened', localPort: media.localPort });
  }

  private async open(msg: Extract<ToWorker, { t: 'open' }>): Promise<void> {
    const log = callLogger(this.opts.logger, msg.bindings);
    let opened;
    try {
      opened = await CallMedia.open({
        ...msg.params,
        allocator: this.allocator,
        localAddress: msg.localAddress,
        mediaClock: this.mediaClock,
        clock: this.opts.clock,
        logger: log,
        latch: msg.latch,
        inbandDtmf: msg.inbandDtmf,
      });
    } catch (e) {
      this.fail(msg.req, wireError(e));
      return;
    }
    if (!opened.ok) {
      this.fail(msg.req, { code: opened.error.code, message: opened.error.message });
      return;
    }
    this.placed(msg, opened.value, log);
    // The first call from an address starts the spares for it; later ones top them up.
    if (this.spareTarget > 0 && !this.stopped) this.refillSpares(msg.localAddress);
  }

  private play(callId: number, playId: number, promptId: number, bargeIn: boolean): void {
    const call = this.calls.get(callId);
    const samples = this.prompts.get(promptId);
    const done = (outcome: PlayOutcome): void => this.opts.post({ t: 'played', call: callId, play: playId, outcome });
    if (call === undefined || samples === undefined) {
      if (call !== undefined) call.log.error({ prompt: promptId }, 'media worker: unknown prompt');
      done('aborted');
      return;
    }
    const ac = new AbortController();
    call.plays.set(playId, ac);
    let outcome: Promise<PlayOutcome>;
    try {
      outcome = call.media.play(samples, { bargeIn, signal: ac.signal });
    } catch (e) {
      call.plays.delete(playId);
      call.log.error({ err: e }, 'media worker: play refused');
      done('aborted');
      return;
    }
    void outcome.then((o) => {
      call.plays.delete(playId);
      done(o);
    });
  }

  private async recStart(msg: Extract<ToWorker, { t: 'rec-start' }>): Promise<void> {
    const call = this.calls.get(msg.call);
    if (call === undefined) {
      this.fail(msg.req, { code: 'VM_MEDIA_WORKER_FAILED', message: 'no such call in this media worker' });
      return;
    }
    const event = (kind: 'silence' | 'max-duration' | 'error', error?: WireError): void =>
      this.opts.post({ t: 'rec-event', call: msg.call, kind, ...(error ? { error } : {}) });
    try {
      const r = await call.media.startRecording(
        msg.path,
        {
          ...msg.settings,
          logger: call.log,
          onSilenceTimeout: () => event('silence'),
          onMaxDuration: () => event('max-duration'),
          onError: (e) => event('error', wireError(e)),
        },
        msg.when,
      );
      if (r.ok) this.reply(msg.req, { kind: 'rec-started', startedAt: r.value.startedAt });
      else this.fail(msg.req, { code: 'VM_MEDIA_RECORD_REFUSED', message: r.error });
    } catch (e) {
      this.fail(msg.req, wireError(e));
    }
  }

  private async recStop(req: number, callId: number, endedBy: Parameters<CallMedia['stopRecording']>[0]): Promise<void> {
    const call = this.calls.get(callId);
    if (call === undefined) {
      this.reply(req, { kind: 'rec-result', result: null });
      return;
    }
    try {
      this.reply(req, { kind: 'rec-result', result: await call.media.stopRecording(endedBy) });
    } catch (e) {
      this.fail(req, wireError(e));
    }
  }

  private async closeCall(req: number, callId: number): Promise<void> {
    const call = this.calls.get(callId);
    if (call === undefined) {
      this.reply(req, { kind: 'closed', stats: null });
      return;
    }
    try {
      await call.media.close();
    } catch (e) {
      call.log.warn({ err: e }, 'media worker: closing the call media failed');
    }
    this.calls.delete(callId);
    this.reply(req, { kind: 'closed', stats: call.media.stats() });
  }

  /** Close every call (recordings finished as 'aborted'), stop the clock, say so. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    const spares = [...this.spares.values()].flatMap((m) => [...m.values()]);
    this.spares.clear();
    await Promise.all([...spares.map((p) => p.release().catch(() => undefined)), ...[...this.calls.values()].map((c) => c.media.close().catch(() => undefined))]);
    this.calls.clear();
    this.mediaClock.close();
    this.opts.post({ t: 'closed-all' });
  }
}

/** Keys the worker's own logger writes in every line (media-worker-main.ts): the main thread's are the same process's. */
const THREAD_KEYS = new Set(['pid', 'hostname', 'name']);

/** The call's logger: the bindings the main thread sent, less THREAD_KEYS (pino would write them twice). */
function callLogger(threadLogger: Logger, bindings: Record<string, unknown>): Logger {
  const own: Record<string, unknown> = {};
  for (const k of Object.keys(bindings)) if (!THREAD_KEYS.has(k)) own[k] = bindings[k];
  return lazyChild(threadLogger, own);
}
