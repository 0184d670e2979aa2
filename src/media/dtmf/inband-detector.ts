import type { DtmfDigit, DtmfEvent } from './digit.js';
import { DTMF_COL_HZ, DTMF_ROW_HZ, GoertzelBank, goertzelPower } from './goertzel.js';

/**
 * In-band DTMF detection on 8 kHz 16-bit PCM, for trunks that negotiate no
 * telephone-event. Meant to run only on such calls; a call with RFC 4733 never needs it.
 *
 * @see ITU-T Q.23 (frequencies), Q.24 (receiver: timing, twist, frequency tolerance)
 *
 * Analysis unit: a half-block of 51 samples (6.375 ms). Each half-block goes through 8
 * Goertzel filters; each pair of consecutive half-blocks forms a 102-sample window
 * (12.75 ms, 78 Hz resolution — the classic DTMF block, overlapped by half). A window
 * "hits" digit d when all of these hold:
 *
 *   level     each tone ≥ minLevelDbfs
 *   twist     low group ≤ normalTwistDb above the high group, high ≤ reverseTwistDb above low
 *   peak      each tone ≥ relativePeakDb above the other three of its group
 *   purity    the two tones carry ≥ minToneEnergyRatio (0.85) of the window's energy,
 *             each tone's energy corrected for its measured frequency offset. Speech
 *             and music spread energy over many harmonics: on 10 min of espeak-ng speech
 *             the best window reached 0.846 while real tones sit at 0.93–1.0 (0.95
 *             with 12 dB SNR); 0.7 let a high-pitched voice through as "8".
 *   balance   each tone's level differs ≤ 6 dB between the two half-blocks: a steady
 *             tone, not a speech onset, and a window mostly (≥ 75%) inside the tone
 *   frequency the phase advance of each tone between the half-blocks gives its true
 *             frequency; it must be within maxFrequencyOffset (3%: Q.24 says accept
 *             ±1.5%, reject ±3.5%; 78 Hz windows alone cannot tell 697 from 721 Hz;
 *             2.5% lost 6% of −1.5% tones at 15 dB SNR to estimation noise)
 *   harmonic  the second harmonic of each tone is ≥ secondHarmonicDb below it (voiced
 *             speech has strong harmonics; a DTMF generator does not). Measured through
 *             a Hann window; skipped for a low tone whose double lies within 180 Hz of
 *             the high tone (1394 vs 1336 Hz: the two cannot be told apart in 102 samples).
 *
 * Timing (windows advance by 6.375 ms): a digit starts after MIN_HITS = 4 consecutive
 * hits. With the balance rule a window hits only when ≥ 75% inside the tone, so a tone
 * under ~25 ms can never give 4 hits and a tone over ~32 ms always does (Q.24: reject
 * < 23 ms, accept ≥ 40 ms). It ends after MIN_GAP = 5 windows without it: an
 * interruption ≤ 10 ms spoils at most 4 windows and is bridged; a pause ≥ 25 ms spoils
 * ≥ 5 and separates two digits (Q.24: a 40 ms pause must). The digit is reported once,
 * at its end, with its measured duration.
 */
export interface InbandDtmfDetectorOptions {
  /**
   * Minimum level of each tone, dBFS (a full-scale sine = 0 dBFS). G.711 puts 0 dBm0
   * at −3.17 dBFS, so the default −33 dBFS is ≈ −30 dBm0; phones send −4 to −10 dBm0.
   */
  readonly minLevelDbfs?: number;
  /** How much louder the low group may be than the high group (default 8 dB). */
  readonly normalTwistDb?: number;
  /** How much louder the high group may be than the low group (default 4 dB). */
  readonly reverseTwistDb?: number;
  /** Maximum deviation from the nominal frequency, as a fraction (default 0.03). */
  readonly maxFrequencyOffset?: number;
  /** Each detected tone vs the other tones of its group (default 8 dB). */
  readonly relativePeakDb?: number;
  /** Share of the window's energy in the two tones (default 0.85). */
  readonly minToneEnergyRatio?: number;
  /** Second harmonic below its fundamental by at least (default 15 dB). */
  readonly secondHarmonicDb?: number;
  /** `at` of the first sample, ms (e.g. the clock when the call's audio started). */
  readonly startMs?: number;
}

export interface InbandDtmfDetectorStats {
  /** 51-sample half-blocks seen. */
  halfBlocks: number;
  /** Half-blocks loud enough to run the filters on (the rest cost only an energy sum). */
  analysed: number;
  /** 102-sample windows that passed every spectral test (before timing): a margin gauge. */
  hitWindows: number;
}

export const INBAND_SAMPLE_RATE = 8000;
const HALF = 51;
const WINDOW = 2 * HALF;
const MIN_HITS = 4;
const MIN_GAP = 5;
/** ±6 dB between half-blocks, as a power ratio. */
const BALANCE = 10 ** (6 / 10);
const FULL_SCALE = 32768;
/** Beyond the Hann main lobe (2 bins = 157 Hz) of the high tone, a low tone's harmonic is measurable. */
const HARMONIC_CLEARANCE_HZ = 180;
const HANN = Float64Array.from({ length: WINDOW }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (n + 0.5)) / WINDOW));
/** Keypad layout: row index × 4 + column index → digit. */
const KEYPAD: readonly DtmfDigit[] = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'];
const NONE: readonly DtmfEvent[] = Object.freeze([]);

const dbToPower = (db: number): number => 10 ** (db / 10);

export class InbandDtmfDetector {
  private readonly bank = new GoertzelBank([...DTMF_ROW_HZ, ...DTMF_COL_HZ], INBAND_SAMPLE_RATE);
  /** cos/sin of ω·HALF per frequency: rotates the second half-block's phase reference. */
  private readonly rotRe = new Float64Array(8);
  private readonly rotIm = new Float64Array(8);
  private readonly minTonePower: number;
  private readonly minHalfEnergy: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly maxOffset: number;
  private readonly relativePeak: number;
  private readonly minRatio: number;
  private readonly harmonic: number;
  private readonly startMs: number;

  /** The two half-blocks of the current window: samples, Goertzel outputs, energy. */
  private prev = new Float64Array(HALF);
  private cur = new Float64Array(HALF);
  private fill = 0;
  private curEnergy = 0;
  private readonly prevRe = new Float64Array(8);
  private readonly prevIm = new Float64Array(8);
  private prevEnergy = 0;
  private prevAnalysed = false;
  private readonly windowBuf = new Float64Array(WINDOW);
  private readonly power = new Float64Array(8);
  private halves = 0;

  readonly stats: InbandDtmfDetectorStats = { halfBlocks: 0, analysed: 0, hitWindows: 0 };

  private runDigit = -1;
  private runLength = 0;
  private runStart = 0;
  private tone = -1;
  private toneStart = 0;
  private toneLastHit = 0;
  private gap = 0;

  constructor(options: InbandDtmfDetectorOptions = {}) {
    const minLevelDbfs = options.minLevelDbfs ?? -33;
    const amplitude = FULL_SCALE * 10 ** (minLevelDbfs / 20);
    // |DFT|² of a sine of amplitude a over N samples is (a·N/2)².
    this.minTonePower = ((amplitude * WINDOW) / 2) ** 2;
    // A half-block quieter than one minimum tone at −6 dB cannot be part of a hit.
    this.minHalfEnergy = ((amplitude * amplitude) / 2) * HALF * 0.25;
    this.normalTwist = dbToPower(options.normalTwistDb ?? 8);
    this.reverseTwist = dbToPower(options.reverseTwistDb ?? 4);
    this.maxOffset = options.maxFrequencyOffset ?? 0.03;
    this.relativePeak = dbToPower(options.relativePeakDb ?? 8);
    this.minRatio = options.minToneEnergyRatio ?? 0.85;
    this.harmonic = dbToPower(options.secondHarmonicDb ?? 15);
    this.startMs = options.startMs ?? 0;
    this.bank.frequencies.forEach((f, i) => {
      const w = (2 * Math.PI * f * HALF) / INBAND_SAMPLE_RATE;
      this.rotRe[i] = Math.cos(w);
      this.rotIm[i] = -Math.sin(w);
    });
  }

  /** Feed samples (any frame size). Returns the digits whose tones ended in them. */
  process(samples: Int16Array): readonly DtmfEvent[] {
    let out: DtmfEvent[] | undefined;
    let fill = this.fill;
    let energy = this.curEnergy;
    let cur = this.cur;
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]!;
      cur[fill++] = x;
      energy += x * x;
      if (fill === HALF) {
        this.curEnergy = energy;
        const ev = this.halfBlock();
        if (ev) (out ??= []).push(ev);
        cur = this.cur; // halfBlock() swapped the buffers
        fill = 0;
        energy = 0;
      }
    }
    this.fill = fill;
    this.curEnergy = energy;
    return out ?? NONE;
  }

  /** End of audio: report a tone still sounding (if it already qualified). */
  flush(): readonly DtmfEvent[] {
    if (this.tone < 0) return NONE;
    const ev = this.emit();
    return [ev];
  }

  /** Forget the audio so far (keeps the time base). */
  reset(): void {
    this.fill = 0;
    this.curEnergy = 0;
    this.prevAnalysed = false;
    this.runDigit = -1;
    this.runLength = 0;
    this.tone = -1;
    this.gap = 0;
  }

  private halfBlock(): DtmfEvent | undefined {
    const k = this.halves++;
    const analysed = this.curEnergy >= this.minHalfEnergy;
    this.stats.halfBlocks++;
    if (analysed) {
      this.stats.analysed++;
      this.bank.run(this.cur, HALF);
    }
    const cand = analysed && this.prevAnalysed ? this.classify() : -1;
    if (cand >= 0) this.stats.hitWindows++;
    // Shift: the current half becomes the previous one.
    const t = this.prev;
    this.prev = this.cur;
    this.cur = t;
    if (analysed) {
      this.prevRe.set(this.bank.re);
      this.prevIm.set(this.bank.im);
    }
    this.prevEnergy = this.curEnergy;
    this.prevAnalysed = analysed;
    return this.track(cand, k);
  }

  /** The digit index (0–15) this window is a clean DTMF tone pair of, or −1. */
  private classify(): number {
    const re = this.bank.re;
    const im = this.bank.im;
    const pre = this.prevRe;
    const pim = this.prevIm;
    // Window DFT power per frequency: X = Y_prev + e^{−jω·HALF}·Y_cur.
    let bestRow = 0;
    let bestCol = 4;
    const power = this.power;
    for (let i = 0; i < 8; i++) {
      const xr = pre[i]! + this.rotRe[i]! * re[i]! - this.rotIm[i]! * im[i]!;
      const xi = pim[i]! + this.rotRe[i]! * im[i]! + this.rotIm[i]! * re[i]!;
      power[i] = xr * xr + xi * xi;
      if (i < 4) {
        if (power[i]! > power[bestRow]!) bestRow = i;
      } else if (power[i]! > power[bestCol]!) bestCol = i;
    }
    const pr = power[bestRow]!;
    const pc = power[bestCol]!;
    if (pr < this.minTonePower || pc < this.minTonePower) return -1;
    if (pr > pc * this.normalTwist || pc > pr * this.reverseTwist) return -1;
    for (let i = 0; i < 8; i++) {
      if (i === bestRow || i === bestCol) continue;
      if (power[i]! * this.relativePeak > (i < 4 ? pr : pc)) return -1;
    }
    const er = this.toneEnergy(bestRow, pr);
    if (er < 0) return -1;
    const ec = this.toneEnergy(bestCol, pc);
    if (ec < 0) return -1;
    if (er + ec < this.minRatio * (this.prevEnergy + this.curEnergy)) return -1;
    // Second harmonics, over the window's samples (only now: candidates are rare). A Hann
    // window keeps the other tone's leakage (rectangular sidelobes ≈ −15 dB two bins away)
    // from posing as a harmonic; fundamentals are re-measured through the same window.
    const w = this.windowBuf;
    for (let n = 0; n < HALF; n++) {
      w[n] = this.prev[n]! * HANN[n]!;
      w[n + HALF] = this.cur[n]! * HANN[n + HALF]!;
    }
    const fr = DTMF_ROW_HZ[bestRow]!;
    const fc = DTMF_COL_HZ[bestCol - 4]!;
    const rate = INBAND_SAMPLE_RATE;
    if (goertzelPower(w, 0, WINDOW, 2 * fc, rate) * this.harmonic > goertzelPower(w, 0, WINDOW, fc, rate)) return -1;
    if (Math.abs(2 * fr - fc) > HARMONIC_CLEARANCE_HZ) {
      if (goertzelPower(w, 0, WINDOW, 2 * fr, rate) * this.harmonic > goertzelPower(w, 0, WINDOW, fr, rate)) return -1;
    }
    return bestRow * 4 + (bestCol - 4);
  }

  /**
   * The energy in the window of the tone at filter `i` (window power `p`), or −1 if it is
   * not one steady tone: its level must match in both half-blocks, and the phase advance
   * between them must put its true frequency within `maxFrequencyOffset`. The energy is
   * corrected for that offset (a sine off the analysis frequency shows less power), so
   * the purity ratio compares true energies.
   */
  private toneEnergy(i: number, p: number): number {
    const ar = this.prevRe[i]!;
    const ai = this.prevIm[i]!;
    const br = this.bank.re[i]!;
    const bi = this.bank.im[i]!;
    const pa = ar * ar + ai * ai;
    const pb = br * br + bi * bi;
    if (pa > pb * BALANCE || pb > pa * BALANCE) return -1;
    // y_cur·conj(y_prev) turns by 2π·f_true·HALF/fs; the rotation for f_nominal is removed.
    const cr = br * ar + bi * ai;
    const ci = bi * ar - br * ai;
    const dr = cr * this.rotRe[i]! - ci * this.rotIm[i]!;
    const di = cr * this.rotIm[i]! + ci * this.rotRe[i]!;
    const offsetHz = (Math.atan2(di, dr) * INBAND_SAMPLE_RATE) / (2 * Math.PI * HALF);
    if (Math.abs(offsetHz) > this.maxOffset * this.bank.frequencies[i]!) return -1;
    // |DFT|² of a sine of energy E over N samples is E·N/2 on frequency, times the
    // squared Dirichlet kernel D(δ) = sin(πδN/fs) / (N·sin(πδ/fs)) when δ Hz off.
    const x = (Math.PI * offsetHz) / INBAND_SAMPLE_RATE;
    const d = x === 0 ? 1 : Math.sin(x * WINDOW) / (WINDOW * Math.sin(x));
    return (2 * p) / WINDOW / (d * d);
  }

  /** Q.24 timing over window results; `k` is the index of the window's second half. */
  private track(cand: number, k: number): DtmfEvent | undefined {
    if (cand >= 0 && cand === this.runDigit) this.runLength++;
    else {
      this.runDigit = cand;
      this.runLength = cand >= 0 ? 1 : 0;
      this.runStart = k - 1;
    }
    let ended: DtmfEvent | undefined;
    if (this.tone >= 0) {
      if (cand === this.tone) {
        this.gap = 0;
        this.toneLastHit = k;
      } else if (++this.gap >= MIN_GAP) {
        ended = this.emit();
      }
    }
    if (this.tone < 0 && this.runDigit >= 0 && this.runLength >= MIN_HITS) {
      this.tone = this.runDigit;
      this.toneStart = this.runStart;
      this.toneLastHit = k;
      this.gap = 0;
    }
    return ended;
  }

  private emit(): DtmfEvent {
    const samplesToMs = (halves: number): number => (halves * HALF * 1000) / INBAND_SAMPLE_RATE;
    const ev: DtmfEvent = {
      digit: KEYPAD[this.tone] ?? '0',
      source: 'inband',
      durationMs: samplesToMs(this.toneLastHit + 1 - this.toneStart),
      at: this.startMs + samplesToMs(this.toneStart),
    };
    this.tone = -1;
    this.gap = 0;
    return ev;
  }
}
