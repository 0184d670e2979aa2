/**
 * RIFF/WAVE reading (untrusted: uploaded greetings, prompt packs, crashed recordings)
 * and 16-bit PCM writing.
 *
 * @see Microsoft, "Multimedia Programming Interface and Data Specifications 1.0" (1991),
 *      RIFF and WAVE chunks; RFC 2361 (WAVE format tags); Microsoft WAVEFORMATEXTENSIBLE
 *      (mmreg.h / ksmedia.h, KSDATAFORMAT_SUBTYPE_* GUIDs)
 *
 *   offset  size  field
 *   0       4     "RIFF"
 *   4       4     RIFF size (ignored: streaming writers leave 0 or 0xFFFFFFFF)
 *   8       4     "WAVE"
 *   12      ...   chunks, in any order, each:
 *                   4  id ("fmt ", "data", "LIST", "fact", ...)
 *                   4  size n (little-endian)
 *                   n  body, then one pad byte when n is odd
 *
 *   "fmt " body (16, 18 or 40 bytes):
 *   0   2  format tag (1 PCM, 3 IEEE float, 6 A-law, 7 µ-law, 0xFFFE extensible)
 *   2   2  channels
 *   4   4  sample rate
 *   8   4  byte rate (ignored)
 *   12  2  block align = channels × container bytes
 *   14  2  bits per sample
 *   16  2  cbSize (extra bytes)            — extensible only from here on:
 *   18  2  valid bits per sample
 *   20  4  channel mask (ignored: we downmix everything)
 *   24  16 sub-format GUID: first 2 bytes are a format tag, then
 *          00 00 00 00 10 00 80 00 00 AA 00 38 9B 71
 *
 * Every sample format is converted to 16-bit and multi-channel audio is averaged to
 * mono, because everything downstream (G.711, the player, the recorder) works on mono
 * 16-bit. The parser never throws: any input yields `ok` or an `err` with a sentence.
 */
import { err, ok } from '../../shared/result.js';
import type { Result } from '../../shared/result.js';
import { alawToLinear, decodeAlaw, decodeUlaw, ulawToLinear } from '../codec/g711.js';
import { WAV_HEADER_BYTES, wavHeader } from './wav-header.js';

/** Bounds on what we accept, so a hostile header cannot make us allocate or loop much. */
export interface WavLimits {
  /** Audio bytes decoded. */
  readonly maxDataBytes: number;
  readonly maxChannels: number;
  readonly minSampleRate: number;
  readonly maxSampleRate: number;
  /** Chunks walked before giving up. */
  readonly maxChunks: number;
}

/** The defaults; `parseWav` callers may pass tighter ones (e.g. for uploads). */
export const WAV_LIMITS: WavLimits = Object.freeze({
  /** Audio bytes decoded (100 MB ≈ 10 min of 48 kHz 24-bit stereo, 3.6 h of 8 kHz µ-law). */
  maxDataBytes: 100 * 1024 * 1024,
  maxChannels: 8,
  minSampleRate: 1000,
  maxSampleRate: 384_000,
  /** Chunks walked before giving up (real files have fewer than 10). */
  maxChunks: 1000,
});

/** The sample encodings we decode. */
export type WavSampleFormat = 'pcm-u8' | 'pcm-s16' | 'pcm-s24' | 'pcm-s32' | 'float32' | 'float64' | 'alaw' | 'ulaw';

export interface WavAudio {
  readonly sampleRate: number;
  /** Channels in the file; `samples` is always their mono average. */
  readonly channels: number;
  readonly format: WavSampleFormat;
  /** Mono, 16-bit, `sampleRate` samples per second. */
  readonly samples: Int16Array;
  /**
   * The data chunk was cut short (a size of 0 or 0xFFFFFFFF left by a streaming or
   * crashed writer, a size beyond the end of the file, or a partial last frame): the
   * samples are what the file holds.
   */
  readonly truncated: boolean;
}

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_ALAW = 0x0006;
const FORMAT_ULAW = 0x0007;
const FORMAT_EXTENSIBLE = 0xfffe;

/** Names for the tags people actually meet, so the error says what the file is. */
const KNOWN_TAGS: ReadonlyMap<number, string> = new Map([
  [0x0002, 'Microsoft ADPCM'],
  [0x0011, 'IMA ADPCM'],
  [0x0022, 'TrueSpeech'],
  [0x0031, 'GSM 6.10'],
  [0x0040, 'G.721 ADPCM'],
  [0x0045, 'G.726 ADPCM'],
  [0x0050, 'MPEG'],
  [0x0055, 'MP3'],
  [0x0064, 'G.726 ADPCM'],
  [0x0065, 'G.722 ADPCM'],
  [0x00ff, 'AAC'],
  [0x0160, 'WMA'],
  [0x0161, 'WMA'],
  [0x0162, 'WMA Pro'],
  [0x1610, 'AAC'],
  [0x2000, 'AC-3'],
  [0x674f, 'Ogg Vorbis'],
  [0xf1ac, 'FLAC'],
]);

/** The 14 bytes that follow the format tag in every KSDATAFORMAT_SUBTYPE_* GUID. */
const GUID_TAIL = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);

interface FmtChunk {
  readonly format: WavSampleFormat;
  readonly channels: number;
  readonly sampleRate: number;
  readonly blockAlign: number;
}

/** Parses a WAV file into mono 16-bit samples. Never throws. */
export function parseWav(buf: Buffer, limits: Partial<WavLimits> = {}): Result<WavAudio, string> {
  try {
    // Field by field: an explicit `undefined` must not switch a limit off.
    return parse(buf, {
      maxDataBytes: limits.maxDataBytes ?? WAV_LIMITS.maxDataBytes,
      maxChannels: limits.maxChannels ?? WAV_LIMITS.maxChannels,
      minSampleRate: limits.minSampleRate ?? WAV_LIMITS.minSampleRate,
      maxSampleRate: limits.maxSampleRate ?? WAV_LIMITS.maxSampleRate,
      maxChunks: limits.maxChunks ?? WAV_LIMITS.maxChunks,
    });
  } catch (e) {
    // Defence in depth: a bug here must cost one file, not the process.
    return err(`internal error parsing WAV: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parse(buf: Buffer, limits: WavLimits): Result<WavAudio, string> {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    if (buf.length >= 4 && buf.toString('latin1', 0, 4) === 'RF64') return err('not a RIFF/WAVE file (RF64 is not supported)');
    return err('not a RIFF/WAVE file');
  }
  let fmt: FmtChunk | undefined;
  let data: { start: number; end: number; truncated: boolean } | undefined;
  let offset = 12;
  for (let chunks = 0; offset + 8 <= buf.length; chunks++) {
    if (chunks >= limits.maxChunks) return err(`more than ${limits.maxChunks} chunks`);
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    const available = buf.length - body;
    if (id === 'data') {
      if (data !== undefined) break; // a second data chunk: keep the first, like most readers
      if (size > available || size === 0xffffffff || (size === 0 && available > 0 && !chunkFollows(buf, body))) {
        // Unknown or wrong length (streamed or crashed writer): the audio runs to EOF.
        data = { start: body, end: buf.length, truncated: true };
        break;
      }
      data = { start: body, end: body + size, truncated: false };
    } else if (id === 'fmt ') {
      if (size > available) return err('fmt chunk truncated');
      if (fmt !== undefined) return err('more than one fmt chunk');
      const parsed = parseFmt(buf.subarray(body, body + size), limits);
      if (!parsed.ok) return parsed;
      fmt = parsed.value;
    } else if (size > available) {
      // An unknown chunk running past EOF: trailing junk once we have what we need.
      if (fmt !== undefined && data !== undefined) break;
      return err(`${printable(id)} chunk truncated`);
    }
    offset = nextChunk(buf, body + size, size);
  }
  if (fmt === undefined) return err('no fmt chunk');
  if (data === undefined) return err('no data chunk');

  const { blockAlign } = fmt;
  let bytes = data.end - data.start;
  let truncated = data.truncated;
  if (bytes > limits.maxDataBytes) {
    if (!truncated) return err(`data chunk of ${bytes} bytes exceeds the ${limits.maxDataBytes}-byte limit`);
    return err(`data of unknown length exceeds the ${limits.maxDataBytes}-byte limit`);
  }
  const frames = Math.floor(bytes / blockAlign);
  if (frames * blockAlign !== bytes) {
    truncated = true; // a partial last frame: only a cut file ends mid-frame
    bytes = frames * blockAlign;
  }
  const samples = decodeFrames(buf.subarray(data.start, data.start + bytes), fmt, frames);
  return ok({ sampleRate: fmt.sampleRate, channels: fmt.channels, format: fmt.format, samples, truncated });
}

function parseFmt(b: Buffer, limits: WavLimits): Result<FmtChunk, string> {
  if (b.length < 16) return err(`fmt chunk too short (${b.length} bytes)`);
  let tag = b.readUInt16LE(0);
  const channels = b.readUInt16LE(2);
  const sampleRate = b.readUInt32LE(4);
  const blockAlign = b.readUInt16LE(12);
  const bits = b.readUInt16LE(14);
  if (tag === FORMAT_EXTENSIBLE) {
    // cbSize says 22 for a complete extension; trust the bytes present, not cbSize.
    if (b.length < 40) return err('WAVE_FORMAT_EXTENSIBLE fmt chunk too short');
    if (!b.subarray(26, 40).equals(GUID_TAIL)) return err('unsupported WAVE_FORMAT_EXTENSIBLE sub-format (not a PCM/float/G.711 GUID)');
    tag = b.readUInt16LE(24);
  }
  if (channels === 0) return err('fmt chunk says 0 channels');
  if (channels > limits.maxChannels) return err(`${channels} channels (at most ${limits.maxChannels})`);
  if (sampleRate < limits.minSampleRate || sampleRate > limits.maxSampleRate) {
    return err(`unsupported sample rate ${sampleRate} Hz (${limits.minSampleRate}–${limits.maxSampleRate})`);
  }
  // Samples are read in their container (block align / channels): bit depths such as
  // 20-in-24 are left-justified, so reading the container is right.
  const container = blockAlign / channels;
  let format: WavSampleFormat;
  switch (tag) {
    case FORMAT_PCM: {
      const byContainer: Record<number, WavSampleFormat> = { 1: 'pcm-u8', 2: 'pcm-s16', 3: 'pcm-s24', 4: 'pcm-s32' };
      const f = Number.isInteger(container) ? byContainer[container] : undefined;
      if (f === undefined || bits === 0 || bits > container * 8) return err(`unsupported PCM layout: ${bits} bits in ${blockAlign}-byte frames of ${channels} channels`);
      format = f;
      break;
    }
    case FORMAT_FLOAT:
      if (container === 4 && bits === 32) format = 'float32';
      else if (container === 8 && bits === 64) format = 'float64';
      else return err(`unsupported IEEE float layout: ${bits} bits in ${blockAlign}-byte frames`);
      break;
    case FORMAT_ALAW:
    case FORMAT_ULAW:
      if (container !== 1 || bits !== 8) return err(`unsupported G.711 layout: ${bits} bits in ${blockAlign}-byte frames`);
      format = tag === FORMAT_ALAW ? 'alaw' : 'ulaw';
      break;
    default: {
      const name = KNOWN_TAGS.get(tag);
      return err(`unsupported format tag 0x${tag.toString(16).padStart(2, '0')}${name === undefined ? '' : ` (${name})`}`);
    }
  }
  return ok({ format, channels, sampleRate, blockAlign });
}

/** Converts interleaved frames to mono 16-bit: the average of the channels, rounded. */
function decodeFrames(bytes: Buffer, fmt: FmtChunk, frames: number): Int16Array {
  const { channels, format } = fmt;
  if (format === 'ulaw' || format === 'alaw') {
    const decoded = format === 'ulaw' ? decodeUlaw(bytes) : decodeAlaw(bytes);
    return channels === 1 ? decoded : downmixInt16(decoded, channels, frames);
  }
  if (format === 'pcm-s16' && channels === 1) {
    const out = new Int16Array(frames);
    for (let i = 0; i < frames; i++) out[i] = bytes.readInt16LE(2 * i);
    return out;
  }
  // General path: each sample to a float in 16-bit units, then average and round.
  const read = sampleReader(bytes, format);
  const width = fmt.blockAlign / channels;
  const out = new Int16Array(frames);
  for (let f = 0, p = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++, p += width) sum += read(p);
    out[f] = toInt16(sum / channels);
  }
  return out;
}

/** A reader of one sample at a byte offset, scaled so that full scale is ±32768. */
function sampleReader(b: Buffer, format: WavSampleFormat): (p: number) => number {
  switch (format) {
    case 'pcm-u8':
      return (p) => (b[p]! - 128) * 256;
    case 'pcm-s16':
      return (p) => b.readInt16LE(p);
    case 'pcm-s24':
      return (p) => b.readIntLE(p, 3) / 256;
    case 'pcm-s32':
      return (p) => b.readInt32LE(p) / 65536;
    case 'float32':
      return (p) => b.readFloatLE(p) * 32768;
    case 'float64':
      return (p) => b.readDoubleLE(p) * 32768;
    case 'ulaw':
      return (p) => ulawToLinear(b[p]!);
    case 'alaw':
      return (p) => alawToLinear(b[p]!);
  }
}

function downmixInt16(interleaved: Int16Array, channels: number, frames: number): Int16Array {
  const out = new Int16Array(frames);
  for (let f = 0, p = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[p++]!;
    out[f] = toInt16(sum / channels);
  }
  return out;
}

/** Rounds and saturates (floats may exceed ±1.0; NaN becomes 0). */
function toInt16(v: number): number {
  if (v >= 32767) return 32767;
  if (v <= -32768) return -32768;
  return Math.round(v) || 0;
}

/**
 * Where the chunk after one ending at `end` starts: after the pad byte an odd-sized
 * chunk must carry, unless the writer forgot it (some do) and the unpadded position is
 * where a plausible chunk header is.
 */
function nextChunk(buf: Buffer, end: number, size: number): number {
  if ((size & 1) === 0) return end;
  return !chunkFollows(buf, end + 1) && chunkFollows(buf, end) ? end : end + 1;
}

/**
 * Whether a plausible chunk header (4 printable ASCII bytes, a size that fits) starts
 * at `offset`: tells a genuinely empty data chunk followed by, say, LIST from audio
 * that a crashed writer left behind a data size of 0.
 */
function chunkFollows(buf: Buffer, offset: number): boolean {
  if (offset + 8 > buf.length) return false;
  for (let i = offset; i < offset + 4; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return offset + 8 + buf.readUInt32LE(offset + 4) <= buf.length;
}

function printable(id: string): string {
  return JSON.stringify(id.replace(/[^\x20-\x7e]/g, '?'));
}

/**
 * A mono 16-bit PCM WAV file (the 44-byte canonical header, then the samples
 * little-endian) — what the recorder stores and every player reads.
 */
export function toWav(samples: Int16Array, sampleRate = 8000): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.allocUnsafe(WAV_HEADER_BYTES + dataBytes);
  wavHeader(dataBytes, sampleRate, 1, 16).copy(out, 0);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, WAV_HEADER_BYTES + 2 * i);
  return out;
}
