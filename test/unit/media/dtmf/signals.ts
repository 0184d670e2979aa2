/**
 * Test signals for the in-band detector, generated here rather than taken from
 * src/media/codec or audio (being written concurrently): DTMF tone pairs, silence,
 * white noise, and a G.711 µ-law round trip (ITU-T G.711 segment encoding).
 */
import { rng } from '../../../support/random.js';

export { rng };

export const RATE = 8000;

export const DIGIT_FREQS: Record<string, readonly [number, number]> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** dBFS of a sine (full-scale sine = 0 dBFS) → amplitude in 16-bit units. */
export const amp = (dbfs: number): number => 32767 * 10 ** (dbfs / 20);

export interface ToneSpec {
  readonly lowDbfs?: number;
  readonly highDbfs?: number;
  /** Multiplies both frequencies (e.g. 1.015 for +1.5%). */
  readonly freqScale?: number;
}

/** A DTMF tone pair as float samples (phase starts at a random-ish but fixed point). */
export function dtmfTone(digit: string, ms: number, spec: ToneSpec = {}): Float64Array {
  const f = DIGIT_FREQS[digit];
  if (!f) throw new Error(`no such digit ${digit}`);
  const scale = spec.freqScale ?? 1;
  return twoSines(f[0] * scale, f[1] * scale, ms, amp(spec.lowDbfs ?? -10), amp(spec.highDbfs ?? -8));
}

export function twoSines(f1: number, f2: number, ms: number, a1: number, a2: number): Float64Array {
  const n = Math.round((ms * RATE) / 1000);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = a1 * Math.sin((2 * Math.PI * f1 * i) / RATE + 0.3) + a2 * Math.sin((2 * Math.PI * f2 * i) / RATE + 1.1);
  }
  return out;
}

export function sines(freqs: readonly number[], ms: number, a: number): Float64Array {
  const n = Math.round((ms * RATE) / 1000);
  const out = new Float64Array(n);
  freqs.forEach((f, k) => {
    for (let i = 0; i < n; i++) out[i]! += a * Math.sin((2 * Math.PI * f * i) / RATE + k);
  });
  return out;
}

export const silence = (ms: number): Float64Array => new Float64Array(Math.round((ms * RATE) / 1000));

export function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}


/** Add white Gaussian noise so that (signal power / noise power) = snrDb over `ref`. */
export function addNoise(x: Float64Array, snrDb: number, refPower: number, seed = 1): Float64Array {
  const r = rng(seed);
  const sigma = Math.sqrt(refPower / 10 ** (snrDb / 10));
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const g = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
    out[i] = x[i]! + sigma * g;
  }
  return out;
}

export const power = (x: Float64Array): number => x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length);

export function toPcm(x: Float64Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(x[i]!)));
  return out;
}

/** G.711 µ-law encode (ITU-T G.711 table 2a, via the usual bias-and-segment method). */
export function ulawEncode(sample: number): number {
  const BIAS = 0x84;
  let s = sample >> 2; // G.711 works on 14-bit magnitude
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  s = Math.min(s, 8158) + (BIAS >> 2);
  let seg = 0;
  for (let v = s >> 6; v > 0 && seg < 7; v >>= 1) seg++;
  const mant = (s >> (seg + 1)) & 0x0f;
  return ~(sign | (seg << 4) | mant) & 0xff;
}

export function ulawDecode(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + 0x84) << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

export function throughUlaw(pcm: Int16Array): Int16Array {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ulawDecode(ulawEncode(pcm[i]!));
  return out;
}
