/**
 * One caller's call as the flows see it: the SIP call (IncomingCall) joined to its media
 * (CallMedia), with the SDP negotiated once, the caller's keys as one digit stream, and
 * an AbortSignal that fires when the call ends for any reason (BYE, CANCEL, timeout).
 * The flows never touch SDP, sockets or SIP messages.
 */
import { DEFAULT_OVERLOAD_WINDOW_MS, LocalMediaEngine, type CallMediaHandle, type DtmfDigit, type MediaClock, type MediaEngine, type PortAllocator } from '../../media/index.js';
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { err, ok, type Result } from '../../shared/result.js';
import { acceptAnswer, answerOffer, createOffer, type IncomingCall, type SessionDescription } from '../../sip/index.js';

/** What a call needs from the process to open its media. */
export interface MediaEnvironment {
  /**
   * Where calls get their media: media worker threads (`media.workers ≥ 1`). Without it,
   * on this thread (`allocator` + `mediaClock`), as with `media.workers: 0`.
   */
  readonly engine?: MediaEngine;
  readonly allocator?: PortAllocator;
  readonly mediaClock?: MediaClock;
  readonly clock: Clock;
  /** The address to bind this call's RTP socket to, and the one to write in our SDP. */
  addressFor(call: IncomingCall): { readonly bind: string; readonly advertise: string };
  /** Listen for DTMF tones in the audio too (trunks without RFC 4733). */
  readonly inbandDtmf: boolean;
}

/** How a prompt ended: played out, cut short by one of the keys asked for, or the call ended. */
export type PlayResult = { readonly kind: 'done' } | { readonly kind: 'digit'; readonly digit: DtmfDigit } | { readonly kind: 'hangup' };

const CODECS = ['PCMU', 'PCMA'] as const;

const localEngines = new WeakMap<MediaEnvironment, MediaEngine>();

/** Retry-After of a call refused in overload: the gate's window, after which it has opened unless the overload goes on. */
const OVERLOAD_RETRY_AFTER_S = Math.ceil(DEFAULT_OVERLOAD_WINDOW_MS / 1000);

/** The environment's engine, or the in-process one made from its allocator and clock. */
function engineOf(env: MediaEnvironment): MediaEngine {
  if (env.engine) return env.engine;
  let e = localEngines.get(env);
  if (e === undefined) {
    if (!env.allocator || !env.mediaClock) throw new TypeError('MediaEnvironment needs an engine, or an allocator and a media clock');
    e = new LocalMediaEngine({ allocator: env.allocator, mediaClock: env.mediaClock, clock: env.clock });
    localEngines.set(env, e);
  }
  return e;
}

export class CallSession {
  private readonly ac = new AbortController();
  private readonly digitListeners = new Set<(d: DtmfDigit) => void>();
  private answered = false;

  private constructor(
    readonly call: IncomingCall,
    readonly media: CallMediaHandle,
    private readonly sdp: SessionDescription,
    private readonly offerless: boolean,
    readonly log: Logger,
  ) {
    media.onDtmf((e) => {
      log.debug({ digit: e.digit, source: e.source }, 'DTMF');
      for (const fn of [...this.digitListeners]) fn(e.digit);
    });
    call.on('info', (req) => {
      const r = media.deliverInfo(req.headers.get('content-type') ?? '', req.body);
      if (!r.ok) log.debug({ reason: r.error }, 'INFO without a DTMF body ignored');
    });
    media.onFailure((reason) => {
      // The media worker died: the caller would hear nothing more; end the call cleanly.
      log.error({ reason, code: 'VM_MEDIA_WORKER_FAILED' }, 'call media failed; hanging up');
      this.ac.abort();
      call.hangup();
    });
    call.on('terminated', (reason) => {
      log.debug({ reason }, 'call ended');
      this.ac.abort();
    });
  }

  /**
   * Negotiate the caller's offer (or prepare ours for an offerless INVITE) and open the
   * media. On failure, the SIP status to reject with: 488 for an offer we cannot
   * answer, 503 when no media port is free, 503 with Retry-After when the media threads
   * are too far behind real time to take a call (`overloaded`: logged by the engine, in
   * summary, not per call).
   */
  static async open(
    call: IncomingCall,
    env: MediaEnvironment,
    log: Logger,
  ): Promise<Result<CallSession, { status: number; reason: string; headers?: [string, string][]; overloaded?: true }>> {
    const { bind, advertise } = env.addressFor(call);
    const caps = { address: advertise, port: 0, codecs: [...CODECS], telephoneEvent: true };
    let params;
    if (call.offer) {
      // The codec does not depend on our port: negotiate once to learn it, then answer with the real port.
      const probe = answerOffer(call.offer, caps);
      if (!probe.ok) return err({ status: 488, reason: probe.error.reason });
      const m = probe.value.media;
      params = {
        codec: m.codec.name,
        payloadType: m.codec.payloadType,
        telephoneEventPayloadType: m.telephoneEventPayloadType,
        ptime: m.ptime,
        remote: { address: m.remoteAddress, port: m.remotePort, ...(m.rtcpPort !== undefined ? { rtcpPort: m.rtcpPort } : {}) },
      };
    } else {
      params = { codec: 'PCMU' as const, payloadType: 0, telephoneEventPayloadType: 101, ptime: 20, remote: null };
    }
    const opened = await engineOf(env).open({ ...params, localAddress: bind, logger: log, inbandDtmf: env.inbandDtmf });
    if (!opened.ok) {
      // RFC 3261 §21.5.4: the PBX may try another server now, or this one after the pause.
      if (opened.error.code === 'VM_MEDIA_OVERLOADED') return err({ status: 503, reason: opened.error.code, headers: [['Retry-After', String(OVERLOAD_RETRY_AFTER_S)]], overloaded: true });
      return err({ status: 503, reason: `no media: ${opened.error.code}` });
    }
    const media = opened.value;
    const real = { ...caps, port: media.localPort };
    let sdp: SessionDescription;
    if (call.offer) {
      const a = answerOffer(call.offer, real);
      if (!a.ok) {
        await media.close();
        return err({ status: 488, reason: a.error.reason });
      }
      sdp = a.value.answer;
    } else {
      sdp = createOffer(real);
    }
    const session = new CallSession(call, media, sdp, call.offer === null, log);
    if (call.state === 'terminated') session.ac.abort(); // CANCEL arrived while we were opening
    return ok(session);
  }

  /** Fires once when the call is over (caller hung up, CANCEL, our BYE, timeouts). */
  get ended(): AbortSignal {
    return this.ac.signal;
  }

  /** 183 Session Progress with our SDP: prompts play as early media, the call stays unanswered. */
  startEarlyMedia(): boolean {
    if (this.ended.aborted) return false;
    this.call.progress(183, { sdp: this.sdp });
    return true;
  }

  /**
   * Answer (200 OK) and wait for the ACK, which confirms the caller hears us. Resolves
   * false if the call ended first (CANCEL, no ACK in 64×T1).
   */
  answer(): Promise<boolean> {
    return this.answerNow().confirmed;
  }

  /**
   * Answer (200 OK) without waiting: `confirmed` resolves true at the ACK and false if the
   * call ended first (CANCEL, no ACK in 64×T1). `mediaNow` resolves true once our media may
   * start, before the ACK: when the INVITE carried the offer, the caller has been ready to
   * receive since it sent it and we may send as soon as our answer is out (RFC 3264 §5.1,
   * §6.1 "it MAY send media immediately") — so it resolves when the 200 has been handed to
   * the kernel, and a greeting played then reaches the caller a round trip sooner, as
   * Asterisk's and FreeSWITCH's do. False without an offer in the INVITE (the caller's
   * address comes with the ACK: wait for `confirmed`) or when the call ended. Only what
   * needs the caller to be there (a recording, a message) waits for the ACK.
   */
  answerNow(): { readonly confirmed: Promise<boolean>; readonly mediaNow: Promise<boolean> } {
    if (this.ended.aborted) return { confirmed: Promise.resolve(false), mediaNow: Promise.resolve(false) };
    const confirmed = new Promise<boolean>((resolve) => {
      const onEnd = (): void => resolve(false);
      this.ended.addEventListener('abort', onEnd, { once: true });
      this.call.on('ack', (answer) => {
        this.ended.removeEventListener('abort', onEnd);
        if (this.offerless && answer) {
          const n = acceptAnswer(this.sdp, answer);
          if (n.ok) this.media.setRemote(n.value.remoteAddress, n.value.remotePort, n.value.rtcpPort);
        }
        this.answered = true;
        resolve(!this.ended.aborted);
      });
    });
    // Resolves when the 200 is out, or when the call ends first (a TCP peer that stopped
    // reading must not leave the flow waiting for a write that never completes).
    const sent = new Promise<void>((resolve) => {
      this.ended.addEventListener('abort', () => resolve(), { once: true });
      this.call.accept({ sdp: this.sdp }, resolve);
    });
    const mediaNow = this.offerless ? Promise.resolve(false) : sent.then(() => !this.ended.aborted);
    return { confirmed, mediaNow };
  }

  get isAnswered(): boolean {
    return this.answered;
  }

  /**
   * Play prompts back to back. Any key in `stopOn` stops them (barge-in) and is returned;
   * other keys are ignored. Returns 'hangup' if the call ends meanwhile. The prompts are
   * queued before this returns its promise, so a play started right after queues behind
   * them — and a key that stops these does not stop that one.
   */
  async play(prompts: readonly Int16Array[], stopOn: readonly DtmfDigit[] = []): Promise<PlayResult> {
    if (this.ended.aborted) return { kind: 'hangup' };
    let pressed: DtmfDigit | null = null;
    const bargeIn = stopOn.length > 0;
    const onDigit = (d: DtmfDigit): void => {
      if (pressed === null && stopOn.includes(d)) {
        pressed = d;
        this.media.skipPrompts();
      }
    };
    this.digitListeners.add(onDigit);
    try {
      const outcomes = await Promise.all(prompts.map((p) => this.media.play(p, { signal: this.ended, bargeIn })));
      if (this.ended.aborted || outcomes.includes('aborted')) return { kind: 'hangup' };
      if (pressed !== null) return { kind: 'digit', digit: pressed };
      return { kind: 'done' };
    } finally {
      this.digitListeners.delete(onDigit);
    }
  }

  /** Call `fn` for every key the caller presses until the returned function is called. */
  onDigit(fn: (d: DtmfDigit) => void): () => void {
    this.digitListeners.add(fn);
    return () => this.digitListeners.delete(fn);
  }

  /** End the call from our side (BYE once answered, 480 before) — no-op once ended. */
  hangup(): void {
    this.call.hangup();
  }

  /** Refuse the still-unanswered call with a final response (e.g. 480 after early media, 302). */
  reject(status: number, headers: readonly (readonly [string, string])[] = []): void {
    this.call.reject(status, { headers });
  }

  /** Release the media (port, player, recorder). Idempotent. */
  close(): Promise<void> {
    return this.media.close();
  }
}
