/**
 * The Goertzel algorithm: the DFT at a few chosen frequencies, one second-order IIR
 * filter each, cheaper than an FFT when only 8 of the 4 kHz band's frequencies matter.
 *
 *   s[n] = x[n] + 2cos(ω)·s[n−1] − s[n−2]          ω = 2π·f/fs (f need not be a bin centre)
 *   y    = s[N−1] − e^{−jω}·s[N−2]  =  e^{jω(N−1)} · Σ x[n]·e^{−jωn}
 *
 * `y` is the DFT value times a phase factor that depends only on ω and N, so blocks of
 * equal length can be compared in phase directly (the in-band detector estimates the
 * tone's true frequency from the phase advance between two half-blocks).
 *
 * @see G. Goertzel, "An Algorithm for the Evaluation of Finite Trigonometric Series" (1958)
 * @see ITU-T Q.23 (the DTMF frequencies)
 */

/** ITU-T Q.23 low ("row") group, Hz. */
export const DTMF_ROW_HZ = [697, 770, 852, 941] as const;
/** ITU-T Q.23 high ("column") group, Hz. */
export const DTMF_COL_HZ = [1209, 1336, 1477, 1633] as const;

/**
 * A bank of Goertzel filters over blocks held in a Float64Array. Allocation-free per
 * block: results land in `re`/`im` (one entry per frequency).
 */
export class GoertzelBank {
  readonly frequencies: readonly number[];
  readonly re: Float64Array;
  readonly im: Float64Array;
  private readonly coef: Float64Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(frequencies: readonly number[], sampleRate: number) {
    this.frequencies = [...frequencies];
    const n = frequencies.length;
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.coef = new Float64Array(n);
    this.cos = new Float64Array(n);
    this.sin = new Float64Array(n);
    frequencies.forEach((f, i) => {
      const w = (2 * Math.PI * f) / sampleRate;
      this.cos[i] = Math.cos(w);
      this.sin[i] = Math.sin(w);
      this.coef[i] = 2 * Math.cos(w);
    });
  }

  /** Run every filter over `block[0..length)`; `re[i] + j·im[i]` is `y` above. */
  run(block: Float64Array, length: number = block.length): void {
    for (let i = 0; i < this.coef.length; i++) {
      const c = this.coef[i]!;
      let s1 = 0;
      let s2 = 0;
      // Locals in registers: this loop is the detector's whole cost.
      for (let n = 0; n < length; n++) {
        const s0 = block[n]! + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      this.re[i] = s1 - this.cos[i]! * s2;
      this.im[i] = this.sin[i]! * s2;
    }
  }
}

/** |DFT|² of `block[start..start+length)` at one frequency (for occasional checks). */
export function goertzelPower(block: Float64Array, start: number, length: number, frequency: number, sampleRate: number): number {
  const w = (2 * Math.PI * frequency) / sampleRate;
  const c = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  const end = Math.min(block.length, start + length);
  for (let n = Math.max(0, start); n < end; n++) {
    const s0 = block[n]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}
