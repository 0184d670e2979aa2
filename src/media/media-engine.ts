/**
 * How a call gets its media: the surface the call flow uses (`CallMediaHandle`) and who
 * makes it (`MediaEngine`). Two engines give the same surface:
 *  - `LocalMediaEngine` (the default, `media.workers: 0`): `CallMedia` on this thread,
 *    paced by this thread's one media clock;
 *  - `MediaWorkerPool` (worker/worker-pool.ts, `media.workers: N`): the call's RTP
 *    socket, player and recorder live in one of N worker threads; the handle is a proxy
 *    that exchanges small control messages with it (never audio).
 */
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { err, type Result } from '../shared/result.js';
import { CallMedia, type MediaParameters } from './call-media.js';
import type { DtmfEvent } from './dtmf/digit.js';
import type { MediaClock } from './media-clock.js';
import type { OverloadGate, OverloadRefusalLog } from './overload-gate.js';
import type { PlayOptions, PlayOutcome } from './player.js';
import type { RecorderOptions, RecordingEndReason, RecordingResult } from './recorder.js';
import type { PortAllocator, RtpSessionError, RtpSessionStats } from './rtp/index.js';

/** When a recording starts: at once, or when the prompts queued before it have played. */
export type RecordingStart = 'now' | 'after-playback';

export interface RecordingStarted {
  /** When the recording began (Date.now() of the media's thread: the end of the beep when armed). */
  readonly startedAt: number;
}

/** `startRecording(…, 'after-playback')` when the playback before it did not finish. */
export const RECORDING_NOT_STARTED = 'the prompts before the recording did not finish';

/** One call's media as the call flow sees it (what `CallMedia` offers, and its worker proxy). */
export interface CallMediaHandle {
  readonly localPort: number;
  setRemote(address: string, port: number, rtcpPort?: number): Result<void, string>;
  play(samples: Int16Array, options?: PlayOptions): Promise<PlayOutcome>;
  /** Stop everything playing or queued ('interrupted'). */
  stopPlaying(): void;
  /** Stop only the prompts queued with `bargeIn` ('interrupted'); the others play on at once. */
  skipPrompts(): void;
  /**
   * Record the caller to a WAV file. `when: 'after-playback'` arms it instead: it starts
   * in the same media-clock tick in which the last prompt queued so far (the beep) ends,
   * on the media's own thread — no round trip through the call flow, whose event loop may
   * be busy — and resolves then; if that prompt does not end 'done' (stopped, hang-up),
   * nothing is recorded and it resolves `err(RECORDING_NOT_STARTED)`. Resolves once the
   * file is open, with the moment the recording began.
   */
  startRecording(path: string, options: RecorderOptions, when?: RecordingStart): Promise<Result<RecordingStarted, string>>;
  stopRecording(endedBy?: RecordingEndReason): Promise<RecordingResult | null>;
  onDtmf(fn: (e: DtmfEvent) => void): void;
  deliverInfo(contentType: string, body: Buffer): Result<void, string>;
  stats(): RtpSessionStats;
  /**
   * The media failed on its own and the call cannot go on (its worker thread died).
   * The in-process engine never calls it. Pending plays resolve 'aborted' first.
   */
  onFailure(fn: (reason: string) => void): void;
  close(): Promise<void>;
}

/** What a call asks the engine for: the negotiated parameters and where to bind. */
export interface CallMediaRequest extends MediaParameters {
  /** IP literal to receive on (goes into our SDP). */
  readonly localAddress: string;
  /** The call's logger (its bindings go with the call into a worker). */
  readonly logger: Logger;
  readonly latch?: boolean;
  readonly inbandDtmf?: boolean;
}

export type MediaWorkerError = { readonly code: 'VM_MEDIA_WORKER_FAILED' | 'VM_MEDIA_WORKER_BUSY'; readonly message: string };
/** Every media thread is too far behind real time to take another call (overload-gate.ts). */
export type MediaOverloadError = { readonly code: 'VM_MEDIA_OVERLOADED'; readonly message: string };
export type MediaOpenError = RtpSessionError | MediaWorkerError | MediaOverloadError;

export interface MediaEngine {
  open(request: CallMediaRequest): Promise<Result<CallMediaHandle, MediaOpenError>>;
  /** Stop the engine (calls should be closed first). Idempotent. */
  close(): Promise<void>;
}

export interface LocalMediaEngineOptions {
  readonly allocator: PortAllocator;
  readonly mediaClock: MediaClock;
  readonly clock: Clock;
  /**
   * Refuse calls while this thread is behind real time: the gate the media clock's
   * `onSkip` feeds, and where refusals are logged. Without, calls are never refused.
   */
  readonly overload?: { readonly gate: OverloadGate; readonly log: OverloadRefusalLog };
}

/** `media.workers: 0`: every call's media on this thread, as before (CallMedia). */
export class LocalMediaEngine implements MediaEngine {
  constructor(private readonly opts: LocalMediaEngineOptions) {}

  open(request: CallMediaRequest): Promise<Result<CallMediaHandle, MediaOpenError>> {
    const o = this.opts.overload;
    if (o !== undefined) {
      const now = this.opts.clock.now();
      if (o.gate.closed(now)) {
        o.log.refused(now);
        return Promise.resolve(err(overloaded()));
      }
    }
    return CallMedia.open({ ...request, allocator: this.opts.allocator, mediaClock: this.opts.mediaClock, clock: this.opts.clock });
  }

  close(): Promise<void> {
    this.opts.mediaClock.close();
    return Promise.resolve();
  }
}

/** The refusal both engines give while their media threads are behind. */
export function overloaded(): MediaOverloadError {
  return { code: 'VM_MEDIA_OVERLOADED', message: 'the media threads are too far behind real time to take another call' };
}
