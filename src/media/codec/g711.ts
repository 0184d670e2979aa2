/**
 * ITU-T G.711 companding: µ-law (PCMU, North America/Japan) and A-law (PCMA, the rest
 * of the world), between 8-bit codes and 16-bit linear PCM.
 *
 * @see ITU-T G.711 (11/88) Tables 1a/1b (A-law) and 2a/2b (µ-law)
 * @see RFC 3551 §4.5.14 (PCMA/PCMU payload formats: one code per sample, 8000 Hz)
 *
 * Both directions are table lookups, built once when the module loads: this is on the
 * per-packet hot path (1,000 calls × 50 packets/s × 160 samples ≈ 8 M samples/s).
 *
 * - Decode: a 256-entry Int16Array per law, from the G.711 reconstruction values
 *   scaled to 16 bits (µ-law ±32124, A-law ±32256), identical to Sun's g711.c and ITU-T
 *   G.191's g711.c.
 * - Encode: the reference encoders work on the top 14 (µ-law) or 13 (A-law) bits of the
 *   16-bit sample, so one entry per 14-bit value suffices: 16384 entries for µ-law,
 *   8192 for A-law (24 KiB in all: stays in L1/L2 cache, unlike a 65536-entry table).
 *   The tables reproduce Sun Microsystems' public-domain g711.c bit for bit for every
 *   16-bit input (its linear2ulaw/linear2alaw take the 16-bit sample and truncate it
 *   with >> 2 / >> 3). A-law also equals ITU-T G.191's encoder for every
 *   input. µ-law differs from G.191 only in how a *negative* sample is truncated to 14
 *   bits (floor then negate, versus G.191's one's complement): 508 of the 65536 inputs,
 *   each one quantisation step apart. SoX uses the same tables but first *rounds* the
 *   sample to 14/13 bits. Tests check all three relations exactly: against transcribed
 *   references in test/unit/media/codec/g711.test.ts, and against the real `sox`
 *   binary in test/unit/media/audio/wav-sox.test.ts.
 */

/** One companding law: what a negotiated payload type needs from the codec. */
export interface G711Codec {
  /** The RTP encoding name (RFC 3551 §6). */
  readonly name: 'PCMU' | 'PCMA';
  /** Codes → 16-bit PCM; writes into `out` when given (must be at least as long). */
  readonly decode: (bytes: Uint8Array, out?: Int16Array) => Int16Array;
  /** 16-bit PCM → codes; writes into `out` when given (must be at least as long). */
  readonly encode: (pcm: Int16Array, out?: Buffer) => Buffer;
  /** The code of digital silence (positive zero): 0xFF for µ-law, 0xD5 for A-law. */
  readonly silenceByte: number;
  /**
   * The decode table (code → PCM, 256 entries; read-only): for a consumer that decodes
   * while it copies (the recorder), instead of decoding into a buffer it then reads.
   */
  readonly decodeTable: Int16Array;
}

/** µ-law code of positive zero (all bits inverted, G.711 Table 2a). */
export const ULAW_SILENCE = 0xff;
/** A-law code of the smallest positive value (even bits inverted, G.711 Table 1a). */
export const ALAW_SILENCE = 0xd5;

/** µ-law bias: 33 in 14-bit units (132 in 16-bit) shifts segment edges to powers of 2. */
const ULAW_BIAS = 0x84;
/** Largest 14-bit magnitude before the bias that still fits segment 7 (8159 + 33 = 8192). */
const ULAW_CLIP = 8159;

function buildUlawDecode(): Int16Array {
  const t = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const u = ~code & 0xff; // codes are transmitted with all bits inverted
    const exponent = (u >> 4) & 0x07;
    const mantissa = u & 0x0f;
    const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    t[code] = u & 0x80 ? -magnitude : magnitude;
  }
  return t;
}

function buildAlawDecode(): Int16Array {
  const t = new Int16Array(256);
  for (let code = 0; code < 256; code++) {
    const a = code ^ 0x55; // even bits are inverted on the line
    const exponent = (a >> 4) & 0x07;
    const mantissa = a & 0x0f;
    // Segment 0 has no implicit leading 1; every segment adds half a step (the +8).
    const magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
    t[code] = a & 0x80 ? magnitude : -magnitude;
  }
  return t;
}

/**
 * Index: the 14-bit value `(sample >> 2) & 0x3fff` (two's complement in 14 bits).
 * A 14-bit value v encodes with magnitude |v| (Sun's rounding of negative samples).
 */
function buildUlawEncode(): Uint8Array {
  const t = new Uint8Array(16384);
  for (let i = 0; i < 16384; i++) {
    const v = i >= 8192 ? i - 16384 : i;
    const sign = v < 0 ? 0x00 : 0x80; // on the line, bit 7 set = positive
    const biased = Math.min(Math.abs(v), ULAW_CLIP) + (ULAW_BIAS >> 2); // 33 ... 8192
    // The biased magnitude lies in [2^(e+5), 2^(e+6)) for exponent e; 8192 is clipped
    // to the top code of segment 7.
    const exponent = Math.min(7, 31 - Math.clz32(biased) - 5);
    const mantissa = biased >= 8192 ? 0x0f : (biased >> (exponent + 1)) & 0x0f;
    // Exponent and mantissa are sent inverted (more 1 bits on the line for quiet
    // signals, an old aid to T1 clock recovery); the sign bit is not.
    t[i] = sign | (~((exponent << 4) | mantissa) & 0x7f);
  }
  return t;
}

/**
 * Index: the 13-bit value `(sample >> 3) & 0x1fff`. A-law uses the one's complement of
 * negative values (-1 and 0 share a magnitude), so the quantiser is symmetric.
 */
function buildAlawEncode(): Uint8Array {
  const t = new Uint8Array(8192);
  for (let i = 0; i < 8192; i++) {
    const v = i >= 4096 ? i - 8192 : i;
    const sign = v >= 0 ? 0x80 : 0x00;
    const magnitude = v >= 0 ? v : -v - 1; // 0 ... 4095
    let code: number;
    if (magnitude < 32) {
      code = magnitude >> 1; // segments 0 and 1 share the finest step
    } else {
      const exponent = 31 - Math.clz32(magnitude) - 4; // magnitude in [2^(e+4), 2^(e+5))
      code = (exponent << 4) | ((magnitude >> exponent) & 0x0f);
    }
    t[i] = (sign | code) ^ 0x55;
  }
  return t;
}

const ULAW_DECODE = buildUlawDecode();
const ALAW_DECODE = buildAlawDecode();
const ULAW_ENCODE = buildUlawEncode();
const ALAW_ENCODE = buildAlawEncode();

/** Decodes one µ-law code (only the low 8 bits of `code` are used). */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

/** Decodes one A-law code (only the low 8 bits of `code` are used). */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

/** Encodes one 16-bit sample (values outside int16 are clamped) as a µ-law code. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[(clamp16(sample) >> 2) & 0x3fff]!;
}

/** Encodes one 16-bit sample (values outside int16 are clamped) as an A-law code. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[(clamp16(sample) >> 3) & 0x1fff]!;
}

/**
 * µ-law codes → PCM. Allocates only when `out` is not given; a longer `out` is
 * returned as a view of its first `bytes.length` samples (same for every function here).
 */
export function decodeUlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ULAW_DECODE, bytes, out);
}

/** A-law codes → PCM. Allocates only when `out` is not given. */
export function decodeAlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ALAW_DECODE, bytes, out);
}

/** PCM → µ-law codes. Allocates only when `out` is not given. */
export function encodeUlaw(pcm: Int16Array, out?: Buffer): Buffer {
  const n = pcm.length;
  const dst = outBuffer(out, n);
  // Int16Array elements are already in range: no clamp on the hot path.
  for (let i = 0; i < n; i++) dst[i] = ULAW_ENCODE[(pcm[i]! >> 2) & 0x3fff]!;
  return dst;
}

/** PCM → A-law codes. Allocates only when `out` is not given. */
export function encodeAlaw(pcm: Int16Array, out?: Buffer): Buffer {
  const n = pcm.length;
  const dst = outBuffer(out, n);
  for (let i = 0; i < n; i++) dst[i] = ALAW_ENCODE[(pcm[i]! >> 3) & 0x1fff]!;
  return dst;
}

const PCMU: G711Codec = Object.freeze({ name: 'PCMU', decode: decodeUlaw, encode: encodeUlaw, silenceByte: ULAW_SILENCE, decodeTable: ULAW_DECODE });
const PCMA: G711Codec = Object.freeze({ name: 'PCMA', decode: decodeAlaw, encode: encodeAlaw, silenceByte: ALAW_SILENCE, decodeTable: ALAW_DECODE });

/** The codec for a negotiated RTP encoding name (RFC 3551: PCMU = PT 0, PCMA = PT 8). */
export function codecFor(name: 'PCMU' | 'PCMA'): G711Codec {
  return name === 'PCMU' ? PCMU : PCMA;
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out: Int16Array | undefined): Int16Array {
  const n = bytes.length;
  let dst: Int16Array;
  if (out === undefined) dst = new Int16Array(n);
  else {
    checkLength(out.length, n);
    dst = out.length === n ? out : out.subarray(0, n);
  }
  for (let i = 0; i < n; i++) dst[i] = table[bytes[i]!]!;
  return dst;
}

/** `out` (trimmed to `n` by a view when longer) or a new buffer. */
function outBuffer(out: Buffer | undefined, n: number): Buffer {
  if (out === undefined) return Buffer.allocUnsafe(n); // every byte is written below
  checkLength(out.length, n);
  return out.length === n ? out : out.subarray(0, n);
}

/**
 * A too-short output buffer is a programming error, not bad input: throw rather than
 * write a silently shortened frame.
 */
function checkLength(have: number, need: number): void {
  if (have < need) throw new RangeError(`G.711: output holds ${have} samples, ${need} needed`);
}

function clamp16(sample: number): number {
  // `| 0` would wrap; clamp first so a 40000 from a mixer saturates instead.
  return sample >= 32767 ? 32767 : sample <= -32768 ? -32768 : Math.round(sample) | 0;
}
