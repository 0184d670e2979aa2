/**
 * Synthetic signals: the record beep, silence, and dual tones (DTMF test signals).
 *
 * A tone that starts or stops at full amplitude is heard as a click (its spectrum
 * splatters); every tone here fades in and out with a raised-cosine (Hann) ramp, so the
 * first and last samples are exactly 0 and the envelope has no corner.
 * @see ITU-T Q.23 (DTMF frequencies), Q.24 (timing and level tolerances)
 */

/** Longest signal generated in one call: 10 minutes (bounds the allocation). */
export const MAX_TONE_MS = 10 * 60 * 1000;

export interface ToneOptions {
  /** Hz, below the Nyquist frequency. Default 1000 (the usual record beep). */
  frequency?: number;
  /** Default 400 ms. */
  durationMs?: number;
  /** Peak amplitude as a fraction of full scale, 0–1. Default 0.5 (−6 dBFS peak). */
  amplitude?: number;
  /** Default 8000 Hz. */
  sampleRate?: number;
  /** Length of each fade (in and out), clamped to half the duration. Default 10 ms. */
  rampMs?: number;
}

export interface DualToneOptions {
  /** Peak amplitude of *each* component (the sum peaks at twice this). Default 0.25. */
  amplitude?: number;
  /** Level of f2 relative to f1 in dB ("twist" in Q.24 terms). Default 0. */
  twistDb?: number;
  sampleRate?: number;
  /** Default 5 ms: DTMF digits can be as short as 40 ms. */
  rampMs?: number;
}

/** A sine with raised-cosine fades. Throws RangeError on out-of-range options. */
export function tone(options: ToneOptions = {}): Int16Array {
  const { frequency = 1000, durationMs = 400, amplitude = 0.5, sampleRate = 8000, rampMs = 10 } = options;
  return synthesize([{ frequency, amplitude }], durationMs, sampleRate, rampMs);
}

/**
 * The sum of two sines (e.g. a DTMF digit: 697 Hz + 1209 Hz for "1"), with the same
 * fades as `tone`. Throws RangeError on out-of-range options.
 */
export function dualTone(f1: number, f2: number, durationMs: number, options: DualToneOptions = {}): Int16Array {
  const { amplitude = 0.25, twistDb = 0, sampleRate = 8000, rampMs = 5 } = options;
  const a2 = amplitude * 10 ** (twistDb / 20);
  if (amplitude + a2 > 1) throw new RangeError(`dualTone: amplitudes ${amplitude} + ${a2} exceed full scale`);
  return synthesize(
    [
      { frequency: f1, amplitude },
      { frequency: f2, amplitude: a2 },
    ],
    durationMs,
    sampleRate,
    rampMs,
  );
}

/** `ms` of digital silence. */
export function silence(ms: number, sampleRate = 8000): Int16Array {
  checkDuration(ms);
  checkRate(sampleRate);
  return new Int16Array(Math.round((ms * sampleRate) / 1000));
}

interface Component {
  readonly frequency: number;
  readonly amplitude: number;
}

function synthesize(partials: readonly Component[], durationMs: number, sampleRate: number, rampMs: number): Int16Array {
  checkDuration(durationMs);
  checkRate(sampleRate);
  let total = 0;
  for (const { frequency, amplitude } of partials) {
    if (!(frequency > 0 && frequency < sampleRate / 2)) {
      throw new RangeError(`tone: frequency ${frequency} Hz is not in (0, ${sampleRate / 2})`);
    }
    if (!(amplitude >= 0 && amplitude <= 1)) throw new RangeError(`tone: amplitude ${amplitude} is not in [0, 1]`);
    total += amplitude;
  }
  if (total > 1) throw new RangeError(`tone: amplitudes sum to ${total} > 1 (would clip)`);
  if (!(rampMs >= 0)) throw new RangeError(`tone: rampMs ${rampMs} is negative`);

  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Int16Array(n);
  if (n === 0) return out;
  // Ramp of r samples: the envelope is 0 at sample 0 and at sample n-1, 1 in between.
  const r = Math.min(Math.round((rampMs * sampleRate) / 1000), Math.floor((n - 1) / 2));
  const omegas = partials.map((p) => (2 * Math.PI * p.frequency) / sampleRate);
  for (let i = 0; i < n; i++) {
    let v = 0;
    // sin(ω·i) from the sample index, not a running phase: no accumulated error.
    for (let k = 0; k < partials.length; k++) v += partials[k]!.amplitude * Math.sin(omegas[k]! * i);
    const fromEdge = Math.min(i, n - 1 - i);
    const envelope = fromEdge >= r ? 1 : 0.5 - 0.5 * Math.cos((Math.PI * fromEdge) / r);
    out[i] = Math.round(v * envelope * 32767);
  }
  return out;
}

function checkDuration(ms: number): void {
  if (!(ms >= 0 && ms <= MAX_TONE_MS)) throw new RangeError(`duration ${ms} ms is not in [0, ${MAX_TONE_MS}]`);
}

function checkRate(rate: number): void {
  if (!(Number.isInteger(rate) && rate >= 1000 && rate <= 384_000)) throw new RangeError(`sample rate ${rate} is not an integer in [1000, 384000]`);
}
