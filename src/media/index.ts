/**
 * Public face of the media engine. Other modules (the voicemail call flows) import from
 * here only; it knows nothing of SIP or voicemail.
 */
export { CallMedia, type CallMediaOptions, type MediaParameters } from './call-media.js';
export {
  LocalMediaEngine,
  type CallMediaHandle,
  type CallMediaRequest,
  type LocalMediaEngineOptions,
  type MediaEngine,
  type MediaOpenError,
  type MediaOverloadError,
  type MediaWorkerError,
  type RecordingStart,
  type RecordingStarted,
  RECORDING_NOT_STARTED,
} from './media-engine.js';
export { MediaWorkerPool, type MediaWorkerPoolOptions } from './worker/worker-pool.js';
export { MediaClock, type MediaClockOptions, type TickSource } from './media-clock.js';
export { DEFAULT_OVERLOAD_WINDOW_MS, OverloadGate, OverloadRefusalLog, type OverloadGateOptions } from './overload-gate.js';
export { Player, type PlayOptions, type PlayOutcome } from './player.js';
export { Recorder, type RecorderOptions, type RecordingEndReason, type RecordingResult } from './recorder.js';
export { recoverWav } from './wav-recovery.js';
export { PortAllocator, type PortAllocationError, type RtpSessionError, type RtpSessionStats } from './rtp/index.js';
export { codecFor, decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw, type G711Codec } from './codec/g711.js';
export { parseWav, toWav, type WavAudio } from './audio/wav.js';
export { decodeWavTo8k, resample } from './audio/resample.js';
export { dualTone, silence, tone } from './audio/tone.js';
export { SilenceDetector, dbfs, rms, trimSilence } from './audio/level.js';
export type { DtmfDigit, DtmfEvent, DtmfSource } from './dtmf/digit.js';
export { parseDtmfInfo } from './dtmf/info-body.js';
