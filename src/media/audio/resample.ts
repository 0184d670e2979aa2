/**
 * Sample-rate conversion for prompts and greetings (any WAV rate → 8 kHz for G.711).
 *
 * Band-limited interpolation with a Kaiser-windowed sinc, in polyphase form.
 * @see J. O. Smith, "Digital Audio Resampling Home Page" (CCRMA), bandlimited
 *      interpolation; the same method as libsamplerate's sinc converters and SoX `rate`.
 *
 * Each output sample at input time t = n · from / to is
 *     y(t) = Σ_k x[k] · h(t − k),   h(τ) = 2·fc · sinc(2·fc·τ) · kaiser(τ / W)
 * with fc the cut-off in cycles per input sample: 0.92 × the lower of the two Nyquist
 * frequencies (3680 Hz when the output is 8 kHz), so that when decimating, everything
 * that would alias is removed *before* it can fold into the speech band — linear
 * interpolation would fold 4–8 kHz sibilants straight into 0–4 kHz. The window spans
 * ±32 zero crossings of the sinc; β = 8 gives ≈ 80 dB of stop-band rejection. Measured
 * for 8 kHz output (test/unit/media/audio/resample.test.ts asserts it): flat within
 * 0.05 dB to 3.4 kHz (the telephone band), −2.2 dB at 3.6 kHz, −18 dB at 3.8 kHz, and
 * ≥ 80 dB down from 4.2 kHz on.
 *
 * The ratio is reduced to L/M (e.g. 44100 → 8000 is 80/441); t then takes only L
 * fractional positions, so the kernel is precomputed once per rate pair as L phases
 * (the table is capped at 1 Mi coefficients: for unusual ratios the phase is rounded
 * to one of fewer positions, a timing error below 1/4000 of an input sample) and
 * cached. Each phase is normalised to unit DC gain, so a constant stays constant.
 *
 * Cost: 2·W multiply-adds per output sample, W = 32 / (2·fc) input samples — for 8 kHz
 * output, ≈ 420 taps from 48 kHz, 384 from 44.1 kHz, 192 from 22.05 kHz, 140 from
 * 16 kHz, i.e. 1.1–3.4 M multiply-adds per second of audio: measured 4 ms per second
 * of 48 or 44.1 kHz audio, 2 ms from 22.05 kHz, 1.5 ms from 16 kHz, on one core here. Prompts are converted once when they are loaded, not per
 * call. Pure arithmetic in a fixed order: the output is deterministic.
 */
import type { Result } from '../../shared/result.js';
import { err, ok } from '../../shared/result.js';
import { parseWav } from './wav.js';

/** Zero crossings of the sinc on each side of the centre. */
const ZERO_CROSSINGS = 32;
const KAISER_BETA = 8;
/** Cut-off as a fraction of the lower Nyquist frequency; the transition band sits above. */
const ROLLOFF = 0.92;
/** Largest kernel table kept per rate pair (4 MiB of Float32). */
const MAX_TABLE_COEFFICIENTS = 1 << 20;
/** Rate pairs whose kernels are kept (a deployment uses two or three). */
const CACHE_SIZE = 8;
export const MIN_RATE = 1000;
export const MAX_RATE = 384_000;

interface Kernel {
  /** Output step in input samples is m / l (reduced). */
  readonly l: number;
  readonly m: number;
  /** Phases in `table` (l, or fewer when l × taps would be too big). */
  readonly phases: number;
  /** Half-width in input samples; each phase has 2·halfWidth taps. */
  readonly halfWidth: number;
  readonly table: Float32Array;
}

const kernels = new Map<string, Kernel>();

/**
 * Converts mono 16-bit audio from `fromRate` to `toRate` Hz. Returns a new array of
 * ⌈n · toRate / fromRate⌉ samples, time-aligned with the input (no filter delay).
 * Returns a copy when the rates are equal. Throws RangeError on rates that are not
 * integers within [1000, 384000] (callers validate rates from files first).
 */
export function resample(samples: Int16Array, fromRate: number, toRate = 8000): Int16Array {
  checkRate(fromRate);
  checkRate(toRate);
  if (fromRate === toRate) return samples.slice();
  const k = kernelFor(fromRate, toRate);
  const n = samples.length;
  const outLength = Math.ceil((n * k.l) / k.m);
  const out = new Int16Array(outLength);
  const { l, m, phases, halfWidth, table } = k;
  const taps = 2 * halfWidth;
  const stepWhole = Math.floor(m / l);
  const stepRem = m % l;
  const exactPhases = phases === l;
  let pos = 0; // integer part of t
  let rem = 0; // fractional part of t, in units of 1/l
  for (let o = 0; o < outLength; o++) {
    let base = pos;
    let phase = rem;
    if (!exactPhases) {
      phase = Math.round((rem * phases) / l);
      if (phase === phases) {
        phase = 0;
        base++;
      }
    }
    const first = base - halfWidth + 1; // input index under tap 0
    const t0 = phase * taps;
    let acc = 0;
    if (first >= 0 && first + taps <= n) {
      for (let j = 0; j < taps; j++) acc += samples[first + j]! * table[t0 + j]!;
    } else {
      // Near the ends: samples outside the input are zero.
      const jFrom = Math.max(0, -first);
      const jTo = Math.min(taps, n - first);
      for (let j = jFrom; j < jTo; j++) acc += samples[first + j]! * table[t0 + j]!;
    }
    out[o] = acc >= 32767 ? 32767 : acc <= -32768 ? -32768 : Math.round(acc);
    pos += stepWhole;
    rem += stepRem;
    if (rem >= l) {
      rem -= l;
      pos++;
    }
  }
  return out;
}

/**
 * Parses a WAV file of any supported format, rate and channel count and returns it as
 * mono 16-bit 8 kHz audio, ready for G.711. A truncated file yields what it holds.
 */
export function decodeWavTo8k(buf: Buffer): Result<Int16Array, string> {
  const wav = parseWav(buf);
  if (!wav.ok) return wav;
  return ok(wav.value.sampleRate === 8000 ? wav.value.samples : resample(wav.value.samples, wav.value.sampleRate, 8000));
}

/** Same as `decodeWavTo8k` for another target rate (e.g. 16000 for wide-band codecs). */
export function decodeWavToRate(buf: Buffer, rate: number): Result<Int16Array, string> {
  if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) return err(`unsupported target rate ${rate}`);
  const wav = parseWav(buf);
  if (!wav.ok) return wav;
  return ok(wav.value.sampleRate === rate ? wav.value.samples : resample(wav.value.samples, wav.value.sampleRate, rate));
}

function checkRate(rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_RATE || rate > MAX_RATE) {
    throw new RangeError(`resample: rate ${rate} is not an integer in [${MIN_RATE}, ${MAX_RATE}]`);
  }
}

function kernelFor(fromRate: number, toRate: number): Kernel {
  const key = `${fromRate}:${toRate}`;
  const cached = kernels.get(key);
  if (cached !== undefined) {
    kernels.delete(key); // re-insert: Map order is the LRU order
    kernels.set(key, cached);
    return cached;
  }
  const g = gcd(fromRate, toRate);
  const l = toRate / g;
  const m = fromRate / g;
  // Cut-off in cycles per input sample.
  const fc = (ROLLOFF * Math.min(fromRate, toRate)) / 2 / fromRate;
  const halfWidth = Math.ceil(ZERO_CROSSINGS / (2 * fc));
  const taps = 2 * halfWidth;
  const phases = Math.min(l, Math.max(1, Math.floor(MAX_TABLE_COEFFICIENTS / taps)));
  const table = new Float32Array(phases * taps);
  const i0Beta = besselI0(KAISER_BETA);
  for (let p = 0; p < phases; p++) {
    let sum = 0;
    const row = new Float64Array(taps);
    for (let j = 0; j < taps; j++) {
      // Distance from the output instant (base + p/phases) to input sample first + j.
      const tau = p / phases + halfWidth - 1 - j;
      const x = tau / halfWidth;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - x * x)) / i0Beta;
      const h = 2 * fc * sinc(2 * fc * tau) * window;
      row[j] = h;
      sum += h;
    }
    for (let j = 0; j < taps; j++) table[p * taps + j] = row[j]! / sum;
  }
  const kernel: Kernel = { l, m, phases, halfWidth, table };
  kernels.set(key, kernel);
  if (kernels.size > CACHE_SIZE) kernels.delete(kernels.keys().next().value!);
  return kernel;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for x ≤ 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
