/**
 * Frame vocabulary shared by the media engine. Inside the engine, audio is always
 * 8 kHz mono 16-bit linear PCM (`Int16Array`): codecs decode into it at the RTP edge
 * and encode out of it, so the player, recorder and detectors never see a codec.
 */

/** The engine's only sample rate (G.711 narrowband). */
export const SAMPLE_RATE_HZ = 8000;

/** Packetisation time used when SDP does not say otherwise (RFC 3551 §4.5: 20 ms for G.711). */
export const DEFAULT_PTIME_MS = 20;

/** Samples in `ms` of audio at the engine's rate; `ms` must give a whole number of samples. */
export function samplesForMs(ms: number): number {
  const n = (ms * SAMPLE_RATE_HZ) / 1000;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${String(ms)} ms is not a whole number of 8 kHz samples`);
  return n;
}

/** Milliseconds of audio held by `samples` samples at the engine's rate. */
export function msForSamples(samples: number): number {
  return (samples * 1000) / SAMPLE_RATE_HZ;
}

/**
 * Where outgoing frames go (an RTP session encodes and sends them).
 *
 * Contract: `sendFrame` must consume `pcm` synchronously (encode or copy it before it
 * returns). Producers reuse one buffer per stream so that a thousand calls do not
 * allocate fifty arrays a second each.
 */
export interface FrameSink {
  /** `marker` is true on the first frame of a talk spurt (RFC 3550 §5.1, RFC 3551 §4.1). */
  sendFrame(pcm: Int16Array, marker: boolean): void;
}
