/**
 * The messages between the main thread and a media worker (worker_threads MessagePort,
 * structured clone). Control only, never audio: a prompt's PCM crosses once per worker
 * as a SharedArrayBuffer (`prompt`), and plays name it by id.
 *
 * Requests that wait for an answer carry `req`; the worker answers each with exactly one
 * `reply` of the same `req`. A port delivers messages in order, so a `prompt` posted
 * before a `play` is known when the play arrives, and a call's `close` comes after its
 * other requests.
 */
import type { DtmfEvent } from '../dtmf/digit.js';
import type { PlayOutcome } from '../player.js';
import type { RecordingEndReason, RecordingResult } from '../recorder.js';
import type { RtpSessionStats, RtpSocketKind } from '../rtp/index.js';
import type { MediaParameters } from '../call-media.js';
import type { RecordingStart } from '../media-engine.js';

/** The data part of RecorderOptions (callbacks, logger, signal and openFile stay on the main thread). */
export interface RecorderSettings {
  readonly maxDurationMs: number;
  readonly silence?: { readonly thresholdDbfs?: number; readonly timeoutMs?: number };
  readonly flushIntervalMs?: number;
  readonly firstFlushMs?: number;
  readonly ptime?: number;
  readonly trimSilence?: boolean;
  readonly trimPaddingMs?: number;
  readonly syncEachFlush?: boolean;
  readonly maxBacklogMs?: number;
  readonly overwrite?: boolean;
}

export interface WorkerInit {
  readonly index: number;
  /** This worker's slice of the RTP port range (disjoint from every other worker's). */
  readonly portMin: number;
  readonly portMax: number;
  readonly sockets: RtpSocketKind;
  readonly readIntervalMs?: number;
  readonly logLevel: string;
  /** The niceness the thread sets itself to; null: keeps the one it inherited. */
  readonly nice: number | null;
}

export type ToWorker =
  | { readonly t: 'prompt'; readonly id: number; readonly buffer: SharedArrayBuffer; readonly length: number }
  | { readonly t: 'forget'; readonly id: number }
  | {
      readonly t: 'open';
      readonly req: number;
      readonly call: number;
      /** A spare pair's RTP port this worker announced: open on it, synchronously. */
      readonly port?: number;
      readonly params: MediaParameters;
      readonly localAddress: string;
      readonly latch: boolean;
      readonly inbandDtmf: boolean;
      readonly bindings: Record<string, unknown>;
    }
  | { readonly t: 'remote'; readonly call: number; readonly address: string; readonly port: number; readonly rtcpPort?: number }
  | { readonly t: 'play'; readonly call: number; readonly play: number; readonly prompt: number; readonly bargeIn: boolean }
  | { readonly t: 'abort-play'; readonly call: number; readonly play: number }
  | { readonly t: 'stop-play'; readonly call: number }
  | { readonly t: 'skip-prompts'; readonly call: number }
  | { readonly t: 'rec-start'; readonly req: number; readonly call: number; readonly path: string; readonly settings: RecorderSettings; readonly when: RecordingStart }
  | { readonly t: 'rec-stop'; readonly req: number; readonly call: number; readonly endedBy?: RecordingEndReason }
  | { readonly t: 'close'; readonly req: number; readonly call: number }
  | { readonly t: 'shutdown' };

export interface WireError {
  readonly code: string;
  readonly message: string;
}

/** What a request's reply carries, by request kind. */
export type ReplyValue =
  | { readonly kind: 'opened'; readonly localPort: number }
  | { readonly kind: 'rec-started'; readonly startedAt: number }
  | { readonly kind: 'rec-result'; readonly result: RecordingResult | null }
  | { readonly kind: 'closed'; readonly stats: RtpSessionStats | null };

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'reply'; readonly req: number; readonly ok: true; readonly value: ReplyValue }
  | { readonly t: 'reply'; readonly req: number; readonly ok: false; readonly error: WireError }
  | { readonly t: 'played'; readonly call: number; readonly play: number; readonly outcome: PlayOutcome }
  /** `event.at` is on the worker's clock; `epoch` is the worker's performance.timeOrigin. */
  | { readonly t: 'dtmf'; readonly call: number; readonly event: DtmfEvent; readonly epoch: number }
  | { readonly t: 'rec-event'; readonly call: number; readonly kind: 'silence' | 'max-duration' | 'error'; readonly error?: WireError }
  | { readonly t: 'closed-all' }
  /** A pair bound ahead for `localAddress`: the main thread may answer a call with it at once. */
  | { readonly t: 'spare'; readonly localAddress: string; readonly port: number }
  /** The worker's clock skipped `ms` of ticks (one late wake-up): its overload gate counts it. */
  | { readonly t: 'skipped'; readonly ms: number };
