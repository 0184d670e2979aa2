/**
 * Signal level and energy-based silence detection, for the recorder: stop after N
 * seconds of silence, and trim leading/trailing silence from a message.
 *
 * Levels are in dBFS relative to a full-scale *square* wave (RMS 32768): a full-scale
 * sine reads −3.01 dBFS. (AES17 would call that sine 0 dBFS; we use the plain
 * definition, which is what `sox stat`-style tools and most VAD thresholds assume.)
 *
 * Why energy and not a spectral VAD: a voicemail recorder only needs to tell "someone
 * is talking or there is line noise" from "nothing", on G.711 audio whose idle
 * channel noise is far below speech (µ-law's smallest step is −78 dBFS). A fixed
 * threshold with hangover does that at ~1 multiply-add per sample.
 */

const FULL_SCALE = 32768;

/** Root mean square of a frame, in sample units (0 … 32768). 0 for an empty frame. */
export function rms(frame: Int16Array): number {
  const n = frame.length;
  return n === 0 ? 0 : Math.sqrt(sumOfSquares(frame, 0, n) / n);
}

/** RMS level in dBFS (≤ 0); −Infinity for digital silence or an empty frame. */
export function dbfs(frame: Int16Array): number {
  return 20 * Math.log10(rms(frame) / FULL_SCALE);
}

export interface SilenceDetectorOptions {
  /** Frames whose RMS level is above this are voice. Default −45 dBFS. */
  thresholdDbfs?: number;
  /**
   * After the last voice frame, keep reporting voice for this long, so the short
   * pauses between words and the quiet tails of syllables count as speech. Default 300.
   */
  hangoverMs?: number;
  /** Default 8000 Hz: frame durations are computed from it. */
  sampleRate?: number;
}

/**
 * Feed it consecutive frames (any length; typically one 20 ms RTP frame, 160 samples)
 * and it says whether each is voice, and how long the line has been silent.
 */
export class SilenceDetector {
  readonly thresholdDbfs: number;
  readonly hangoverMs: number;
  readonly sampleRate: number;
  /** Mean square above which a frame is voice (avoids a log per frame). */
  readonly #thresholdPower: number;
  readonly #hangoverSamples: number;
  #silentSamples = 0;
  #voiceSamples = 0;
  #heardVoice = false;

  constructor(options: SilenceDetectorOptions = {}) {
    const { thresholdDbfs = -45, hangoverMs = 300, sampleRate = 8000 } = options;
    if (!(thresholdDbfs <= 0)) throw new RangeError(`SilenceDetector: threshold ${thresholdDbfs} dBFS is not ≤ 0`);
    if (!(hangoverMs >= 0 && hangoverMs <= 60_000)) throw new RangeError(`SilenceDetector: hangover ${hangoverMs} ms is not in [0, 60000]`);
    if (!(Number.isInteger(sampleRate) && sampleRate > 0)) throw new RangeError(`SilenceDetector: bad sample rate ${sampleRate}`);
    this.thresholdDbfs = thresholdDbfs;
    this.hangoverMs = hangoverMs;
    this.sampleRate = sampleRate;
    this.#thresholdPower = (FULL_SCALE * 10 ** (thresholdDbfs / 20)) ** 2;
    this.#hangoverSamples = Math.round((hangoverMs * sampleRate) / 1000);
  }

  /** Classifies one frame: true when it is voice or within the hangover after voice. */
  push(frame: Int16Array): boolean {
    const n = frame.length;
    if (n === 0) return this.#heardVoice && this.#silentSamples <= this.#hangoverSamples;
    if (sumOfSquares(frame, 0, n) / n > this.#thresholdPower) {
      this.#silentSamples = 0;
      this.#voiceSamples += n;
      this.#heardVoice = true;
      return true;
    }
    this.#silentSamples += n;
    // Hangover only follows voice: leading silence is silence.
    return this.#heardVoice && this.#silentSamples <= this.#hangoverSamples;
  }

  /**
   * Milliseconds since the last frame above the threshold (since the start if there
   * was none): the recorder's silence timeout compares against this.
   */
  get silentMs(): number {
    return (this.#silentSamples * 1000) / this.sampleRate;
  }

  /** Total milliseconds of frames above the threshold (hangover not counted). */
  get voiceMs(): number {
    return (this.#voiceSamples * 1000) / this.sampleRate;
  }

  /** Whether any frame so far was above the threshold (an empty message has none). */
  get heardVoice(): boolean {
    return this.#heardVoice;
  }

  reset(): void {
    this.#silentSamples = 0;
    this.#voiceSamples = 0;
    this.#heardVoice = false;
  }
}

export interface TrimOptions {
  /** Default 8000 Hz. */
  sampleRate?: number;
  /** Silence kept before the first and after the last voice, so words are not clipped. Default 100. */
  marginMs?: number;
  /** Analysis frame. Default 20 ms (one RTP packet). */
  frameMs?: number;
  /**
   * Voice must last this long to count, so a hang-up click or a line pop at either end
   * does not stop trimming. Default 60 ms.
   */
  minVoiceMs?: number;
}

/** `samples.subarray(start, end)` is the audio to keep; `start === end` when there is no voice. */
export interface TrimRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Finds the non-silent part of a recording: from the first to the last run of voice
 * (frames above `thresholdDbfs`, at least `minVoiceMs` long), widened by `marginMs`
 * on each side. Leading or trailing silence is only cut when at least `minGapMs` would
 * go, so that a message is not nibbled for nothing.
 */
export function trimSilence(samples: Int16Array, thresholdDbfs = -45, minGapMs = 300, options: TrimOptions = {}): TrimRange {
  const { sampleRate = 8000, marginMs = 100, frameMs = 20, minVoiceMs = 60 } = options;
  const n = samples.length;
  const frameLen = Math.max(1, Math.round((frameMs * sampleRate) / 1000));
  const minVoiceFrames = Math.max(1, Math.ceil(minVoiceMs / frameMs));
  const thresholdPower = (FULL_SCALE * 10 ** (thresholdDbfs / 20)) ** 2;
  const frames = Math.ceil(n / frameLen);

  let first = -1; // first sample of the first voice run
  let last = -1; // end (exclusive) of the last voice run
  let runStart = -1;
  let run = 0;
  for (let f = 0; f < frames; f++) {
    const from = f * frameLen;
    const to = Math.min(n, from + frameLen);
    const voiced = sumOfSquares(samples, from, to) / (to - from) > thresholdPower;
    if (voiced) {
      if (run === 0) runStart = from;
      run++;
      if (run >= minVoiceFrames) {
        if (first < 0) first = runStart;
        last = to;
      }
    } else {
      run = 0;
    }
  }
  if (first < 0) return { start: 0, end: 0 };

  const margin = Math.round((marginMs * sampleRate) / 1000);
  const minGap = Math.round((minGapMs * sampleRate) / 1000);
  let start = Math.max(0, first - margin);
  let end = Math.min(n, last + margin);
  if (start < minGap) start = 0;
  if (n - end < minGap) end = n;
  return { start, end };
}

function sumOfSquares(a: Int16Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    s += v * v;
  }
  return s;
}
