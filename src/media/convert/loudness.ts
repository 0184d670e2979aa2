/**
 * Loudness normalisation of decoded audio (8 kHz mono float), done here in one pass
 * over the samples instead of with ffmpeg's `loudnorm` filter: measured on this machine
 * class, `loudnorm` runs at ~52× real time (it resamples to 192 kHz inside), so a
 * 5-minute upload costs ~6 s of a core, against ~0.3 s for decoding alone. Speech on a
 * phone line needs an even level, not broadcast-grade loudness control.
 *
 * The measure follows ITU-R BS.1770-4 gating without the K-weighting filter (which
 * matters little in the 300–3400 Hz telephone band and is +0.7 dB at 1 kHz, the
 * constant −0.691 compensates for it): 400 ms blocks every 100 ms, absolute gate at
 * −70, relative gate 10 dB under the mean of the blocks above it. With this scale a
 * full-scale sine measures −3.0, as in LUFS.
 *
 * @see ITU-R BS.1770-4 §2 (gating), EBU R128 (−23 LUFS broadcast; −16…−19 for speech
 *      played on small speakers / phones, AES TD1004)
 */

/** Target integrated loudness, ≈ LUFS. */
export const TARGET_LOUDNESS = -18;
/** Highest sample peak after the gain (dBFS): headroom for G.711 and the resampled peaks. */
export const PEAK_CEILING_DBFS = -1;
/** A quiet recording is raised at most this much (beyond, it is mostly noise). */
export const MAX_GAIN_DB = 30;
/** Gated loudness under this is "no sound": line noise of a silent recording sits around −60. */
export const SILENCE_LOUDNESS = -50;

const RATE = 8000;
const BLOCK = (RATE * 400) / 1000;
const HOP = (RATE * 100) / 1000;

export interface Loudness {
  /** Gated loudness (≈ LUFS); -Infinity when every block is under the absolute gate. */
  readonly integrated: number;
  /** Largest |sample|, 0–1 and more for float input. */
  readonly peak: number;
  /** The loudest 400 ms block. */
  readonly loudestBlock: number;
}

function toDb(meanSquare: number): number {
  return meanSquare > 0 ? 10 * Math.log10(meanSquare) : -Infinity;
}

/** BS.1770-style gated loudness of 8 kHz samples. */
export function measureLoudness(x: Float32Array): Loudness {
  let peak = 0;
  for (const v of x) {
    const a = Math.abs(v);
    if (a > peak) peak = a;
  }
  const blocks: number[] = [];
  if (x.length < BLOCK) {
    let sum = 0;
    for (const v of x) sum += v * v;
    if (x.length > 0) blocks.push(sum / x.length);
  } else {
    // Running sum of squares over a sliding 400 ms window, read every 100 ms.
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += (x[i] ?? 0) ** 2;
    blocks.push(sum / BLOCK);
    for (let start = HOP; start + BLOCK <= x.length; start += HOP) {
      for (let i = start - HOP; i < start; i++) sum -= (x[i] ?? 0) ** 2;
      for (let i = start + BLOCK - HOP; i < start + BLOCK; i++) sum += (x[i] ?? 0) ** 2;
      blocks.push(Math.max(0, sum) / BLOCK);
    }
  }
  const loudestBlock = blocks.reduce((m, b) => Math.max(m, toDb(b)), -Infinity);
  const aboveAbsolute = blocks.filter((b) => toDb(b) > -70);
  if (aboveAbsolute.length === 0) return { integrated: -Infinity, peak, loudestBlock };
  const relativeGate = toDb(mean(aboveAbsolute)) - 10;
  const gated = aboveAbsolute.filter((b) => toDb(b) > relativeGate);
  return { integrated: toDb(mean(gated)), peak, loudestBlock };
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length === 0 ? 0 : s / values.length;
}

/** The gain (dB) that brings `l` to the target without passing the peak ceiling. */
export function gainFor(l: Loudness): number {
  if (!Number.isFinite(l.integrated) || l.peak === 0) return 0;
  const toTarget = TARGET_LOUDNESS - l.integrated;
  const toCeiling = PEAK_CEILING_DBFS - 20 * Math.log10(l.peak);
  return Math.min(toTarget, toCeiling, MAX_GAIN_DB);
}

/**
 * `x` × gain as 16-bit PCM, with a 10 ms fade at both ends (an upload cut mid-sound
 * would otherwise start or end with a click). Rounded and clamped.
 */
export function applyGain(x: Float32Array, gainDb: number, fadeMs = 10): Int16Array {
  const g = 10 ** (gainDb / 20) * 32767;
  const fade = Math.min(Math.floor((RATE * fadeMs) / 1000), Math.floor(x.length / 2));
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = (x[i] ?? 0) * g;
    if (i < fade) v *= i / fade;
    else if (i >= x.length - fade) v *= (x.length - 1 - i) / fade;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}
