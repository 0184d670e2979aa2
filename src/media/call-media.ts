import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { err, ok, type Result } from '../shared/result.js';
import { codecFor, type G711Codec } from './codec/g711.js';
import type { DtmfEvent } from './dtmf/digit.js';
import { InbandDtmfDetector } from './dtmf/inband-detector.js';
import { parseDtmfInfo } from './dtmf/info-body.js';
import { TelephoneEventDecoder } from './dtmf/rfc4733.js';
import type { MediaClock } from './media-clock.js';
import { RECORDING_NOT_STARTED, type CallMediaHandle, type RecordingStart, type RecordingStarted } from './media-engine.js';
import { Player, type PlayOptions, type PlayOutcome } from './player.js';
import { Recorder, type RecorderOptions, type RecordingEndReason, type RecordingResult } from './recorder.js';
import type { AudioFrame, PortAllocator, PortPair, RtpSessionError, RtpSessionOptions, RtpSessionStats, TelephoneEventPacket } from './rtp/index.js';
import { RtpSession } from './rtp/index.js';

/** What SDP negotiation decided, in the media engine's own terms (no SIP types). */
export interface MediaParameters {
  readonly codec: 'PCMU' | 'PCMA';
  readonly payloadType: number;
  readonly telephoneEventPayloadType: number | null;
  readonly ptime: number;
  /** Where to send; null until known (we offered and the answer comes later). */
  readonly remote: { readonly address: string; readonly port: number; readonly rtcpPort?: number } | null;
}

export interface CallMediaOptions extends MediaParameters {
  readonly allocator: PortAllocator;
  /** IP literal we receive on (goes into our SDP). */
  readonly localAddress: string;
  /** The one shared 20 ms clock all players are paced by. */
  readonly mediaClock: MediaClock;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Latch on the first packet's port from the signalled host (NAT). Default true. */
  readonly latch?: boolean;
  /** Also look for DTMF tones in the audio (trunks without RFC 4733). Default false. */
  readonly inbandDtmf?: boolean;
}

const TE_FLUSH_MS = 350;

/** Recordings started in this process: spreads their writes (see `firstFlushMs`). */
let recordingsStarted = 0;
const GOLDEN = 0.6180339887498949;

/**
 * When a new recording first writes: after a whole number of frames in (0, interval],
 * spread by a low-discrepancy sequence. Calls that start recording in the same
 * millisecond (a load test, a burst of callers on one clock tick) would otherwise write
 * every second in the same event-loop turn — a thousand writes at once, a ~10 ms stall
 * of the loop (measured: BENCHMARKS.md, media section); spread, a few per tick.
 */
function staggeredFirstFlushMs(intervalMs: number, ptime: number): number {
  recordingsStarted = (recordingsStarted + 1) % 1_000_000;
  const phase = (recordingsStarted * GOLDEN) % 1;
  const frames = Math.max(1, Math.floor(intervalMs / ptime));
  return Math.min(intervalMs, Math.max(20, Math.ceil(phase * frames) * ptime));
}

/** At most this much audio (frames) is held while a recording's file opens: 10 s at 20 ms. */
const MAX_OPENING_FRAMES = 500;

/** What the RTP session of a call is opened with (everything but where its ports come from). */
function sessionOptions(opts: Omit<CallMediaOptions, 'allocator'>): Omit<RtpSessionOptions, 'allocator'> {
  return {
    localAddress: opts.localAddress,
    payloadType: opts.payloadType,
    telephoneEventPayloadType: opts.telephoneEventPayloadType,
    ptime: opts.ptime,
    remote: opts.remote ? { address: opts.remote.address, port: opts.remote.port } : null,
    ...(opts.remote?.rtcpPort !== undefined ? { rtcpRemotePort: opts.remote.rtcpPort } : {}),
    latch: opts.latch ?? true,
    clock: opts.clock,
    logger: opts.logger,
  };
}

/**
 * The media of one call: an RTP session, the codec, a player for prompts, a recorder
 * for the caller's audio, and the DTMF digits from every source (RFC 4733, SIP INFO,
 * in-band) merged into one stream. The SIP side gives it negotiated parameters; it
 * knows nothing of SIP. `close()` cascades to the player, recorder and session.
 */
export class CallMedia implements CallMediaHandle {
  private readonly codec: G711Codec;
  private readonly player: Player;
  private recorder: Recorder | null = null;
  /**
   * Audio that arrives while the recorder's file is being opened (the caller speaks the
   * moment the beep ends; opening waits on the disk thread pool, which is busy under
   * load): held here, bounded, and written first once the recorder is ready.
   */
  private opening: { readonly frames: Int16Array[]; readonly ready: Promise<Recorder> } | null = null;
  private readonly te: TelephoneEventDecoder;
  private readonly inband: InbandDtmfDetector | null;
  private teFlush: TimerHandle | null = null;
  private readonly dtmfHandlers: ((e: DtmfEvent) => void)[] = [];
  private decoded = new Int16Array(160);
  private encoded = Buffer.alloc(160);
  private closing: Promise<void> | null = null;
  /** The last prompt queued: a recording armed 'after-playback' starts when it ends. */
  private lastPlay: Promise<PlayOutcome> | null = null;

  private constructor(
    readonly session: RtpSession,
    private readonly opts: Omit<CallMediaOptions, 'allocator'>,
  ) {
    this.codec = codecFor(opts.codec);
    this.te = new TelephoneEventDecoder({ clock: opts.clock });
    this.inband = opts.inbandDtmf ? new InbandDtmfDetector() : null;
    this.player = new Player({
      clock: opts.mediaClock,
      ptime: opts.ptime,
      sink: {
        sendFrame: (pcm, marker) => {
          if (this.encoded.length < pcm.length) this.encoded = Buffer.alloc(pcm.length);
          const payload = this.codec.encode(pcm, this.encoded);
          this.session.sendAudio(payload, { marker, samples: pcm.length });
        },
      },
    });
    session.onAudio = (frame) => this.receiveAudio(frame);
    session.onAudioInOrder = (datagram, offset, length) => this.receiveInOrder(datagram, offset, length);
    session.onTelephoneEvent = (p) => this.receiveTelephoneEvent(p);
  }

  static async open(opts: CallMediaOptions): Promise<Result<CallMedia, RtpSessionError>> {
    const s = await RtpSession.open({ allocator: opts.allocator, ...sessionOptions(opts) });
    if (!s.ok) return s;
    return ok(new CallMedia(s.value, opts));
  }

  /** The same on a pair bound beforehand (RtpSession.openOn): synchronous; on an error the pair is the caller's. */
  static openOn(opts: Omit<CallMediaOptions, 'allocator'>, pair: PortPair): Result<CallMedia, RtpSessionError> {
    const s = RtpSession.openOn(sessionOptions(opts), pair);
    if (!s.ok) return s;
    return ok(new CallMedia(s.value, opts));
  }

  get localPort(): number {
    return this.session.localPort;
  }

  /** Where to send, once the SDP answer is known. */
  setRemote(address: string, port: number, rtcpPort?: number): Result<void, string> {
    return this.session.setRemote(address, port, rtcpPort);
  }

  /** Queue a prompt (8 kHz PCM); prompts play back to back without gaps. */
  play(samples: Int16Array, options?: PlayOptions): Promise<PlayOutcome> {
    const outcome = this.player.play(samples, options);
    this.lastPlay = outcome;
    return outcome;
  }

  stopPlaying(): void {
    this.player.stop();
  }

  skipPrompts(): void {
    this.player.interruptOnDtmf();
  }

  /**
   * Start recording the caller to a WAV file (one recording at a time); with
   * 'after-playback', the moment the last queued prompt ends (see CallMediaHandle).
   */
  async startRecording(path: string, options: RecorderOptions, when: RecordingStart = 'now'): Promise<Result<RecordingStarted, string>> {
    if (this.recorder || this.opening) return err('already recording');
    if (this.closing) return err('call media is closed');
    const before = when === 'after-playback' ? this.lastPlay : null;
    if (before !== null && (await before) !== 'done') return err(RECORDING_NOT_STARTED);
    // Resumed in the microtask after the player settled the prompt, inside the same clock
    // tick: no packet of the caller can be read in between.
    if (this.recorder || this.opening) return err('already recording');
    if (this.closing) return err('call media is closed');
    // With paced reads (rtp.readIntervalMs) up to that much of the caller's audio can wait
    // in the socket: it was spoken before this moment (during the beep), so it is read now,
    // with nothing recording yet, and is not in the message.
    this.session.drainSocket();
    const startedAt = Date.now();
    const firstFlushMs = staggeredFirstFlushMs(options.flushIntervalMs ?? 1000, this.opts.ptime);
    const frames: Int16Array[] = [];
    const ready = Recorder.open(path, { ptime: this.opts.ptime, logger: this.opts.logger, firstFlushMs, ...options });
    this.opening = { frames, ready };
    let r: Recorder;
    try {
      r = await ready;
    } finally {
      this.opening = null;
    }
    if (this.closing) {
      await r.finish('aborted');
      return err('call media is closed');
    }
    for (const f of frames) r.push(f);
    this.recorder = r;
    return ok({ startedAt });
  }

  /** Stop recording; the recording's file and length. */
  async stopRecording(endedBy?: RecordingEndReason): Promise<RecordingResult | null> {
    if (!this.recorder && this.opening) {
      // Still opening: let it open (it takes the held audio), then finish it.
      try {
        await this.opening.ready;
      } catch {
        return null;
      }
    }
    if (!this.recorder) return null;
    if (endedBy === 'hangup') await this.drainArrivedAudio();
    const r = this.recorder;
    if (!r) return null;
    this.session.flush(); // deliver what the reorder window still holds
    this.recorder = null;
    return r.finish(endedBy);
  }

  /**
   * The caller hung up: their last packets may already wait in the socket (the BYE and
   * the final RTP arrive together, and after a busy moment of the event loop they are
   * read in the same turn, the BYE first). They are audio the caller spoke before
   * hanging up, so read them into the recording: one more poll phase of the loop, no
   * more — a caller that keeps streaming after its BYE (SIPp does, until our 200 OK)
   * would otherwise add what it sent after hanging up. No timer, no fixed delay.
   */
  private async drainArrivedAudio(): Promise<void> {
    // Two immediates: the second runs after the next poll phase has read the sockets.
    await new Promise<void>((r) => setImmediate(r));
    await new Promise<void>((r) => setImmediate(r));
    // That poll phase reads at most 256 ready sockets (native udp-io); after a stall of a
    // thread carrying a thousand calls most of them are ready, and this call's socket may
    // be left for a later turn. Read it now (dgram sockets cannot be read on demand).
    this.session.drainSocket();
  }

  /** Digits from RFC 4733, SIP INFO and (if enabled) in-band tones, each once. */
  onDtmf(fn: (e: DtmfEvent) => void): void {
    this.dtmfHandlers.push(fn);
  }

  /** A DTMF INFO the SIP side received in this call's dialog. */
  deliverInfo(contentType: string, body: Buffer): Result<void, string> {
    const r = parseDtmfInfo(contentType, body);
    if (!r.ok) return r;
    this.emitDtmf([{ digit: r.value.digit, source: 'info', durationMs: r.value.durationMs, at: this.opts.clock.now() }]);
    return ok(undefined);
  }

  stats(): RtpSessionStats {
    return this.session.stats();
  }

  /** In-process media does not fail on its own: nothing to report (see CallMediaHandle). */
  onFailure(fn: (reason: string) => void): void {
    void fn;
  }

  /** Stop everything; a recording in progress is finished (as 'aborted' unless already ended). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.teFlush?.cancel();
      this.player.close();
      const r = this.recorder;
      this.recorder = null;
      if (r) {
        try {
          await r.finish('aborted');
        } catch (e) {
          this.opts.logger.warn({ err: e }, 'recording could not be finished');
        }
      }
      await this.session.close();
    })();
    return this.closing;
  }

  // --- receive path (per packet: keep it allocation-free) ---------------------------

  /** The usual packet (RtpSession.onAudioInOrder): its payload, in place in the datagram. */
  private receiveInOrder(datagram: Buffer, offset: number, length: number): void {
    const rec = this.recorder;
    if (rec !== null && this.inband === null) {
      // A recording and nothing else listening: decoded as it is copied (one pass).
      rec.pushCoded(datagram, this.codec.decodeTable, offset, length);
      return;
    }
    if (rec === null && this.opening === null && this.inband === null) return; // nothing listens (the greeting)
    this.receiveAudio({ payload: datagram.subarray(offset, offset + length), samples: length });
  }

  private receiveAudio(frame: AudioFrame): void {
    const rec = this.recorder;
    const early = rec === null && this.opening !== null && this.opening.frames.length < MAX_OPENING_FRAMES ? this.opening.frames : null;
    if (frame.payload === null) {
      // Missing audio (loss, comfort noise): silence of the right length keeps real time.
      if (rec) {
        if (this.decoded.length < frame.samples) this.decoded = new Int16Array(frame.samples);
        const z = this.decoded.subarray(0, frame.samples);
        z.fill(0);
        rec.push(z);
      } else if (early) {
        early.push(new Int16Array(frame.samples));
      }
      return;
    }
    if (rec !== null && this.inband === null) {
      // The usual case, a recording and nothing else listening: decode as it copies (one pass).
      rec.pushCoded(frame.payload, this.codec.decodeTable);
      return;
    }
    if (!rec && !early && !this.inband) return;
    if (this.decoded.length < frame.payload.length) this.decoded = new Int16Array(frame.payload.length);
    const pcm = this.codec.decode(frame.payload, this.decoded);
    rec?.push(pcm);
    early?.push(pcm.slice()); // rare (only while the file opens): a copy, the buffer is reused
    if (this.inband) {
      const digits = this.inband.process(pcm);
      if (digits.length > 0) this.emitDtmf(digits);
    }
  }

  private receiveTelephoneEvent(p: TelephoneEventPacket): void {
    const digits = this.te.push(p.payload, p.timestamp, p.marker, p.sequenceNumber);
    if (digits.length > 0) this.emitDtmf(digits);
    // An event whose end packets were all lost still ends: check once packets stop.
    this.teFlush?.cancel();
    this.teFlush = this.opts.clock.setTimer(TE_FLUSH_MS, () => {
      const late = this.te.flush();
      if (late.length > 0) this.emitDtmf(late);
    });
  }

  private emitDtmf(events: readonly DtmfEvent[]): void {
    for (const e of events) {
      for (const fn of this.dtmfHandlers) {
        try {
          fn(e);
        } catch (x) {
          this.opts.logger.error({ err: x }, 'DTMF handler threw');
        }
      }
    }
  }
}
