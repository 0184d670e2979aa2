/**
 * parseWav/toWav on hand-built files: every format with exactly known samples, chunk
 * order, unknown and odd-sized chunks, truncation, garbage, limits, and a property test
 * that no mutation of a valid file makes the parser throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../../../../src/media/codec/g711.js';
import { parseWav, toWav, WAV_LIMITS } from '../../../../src/media/audio/wav.js';
import type { WavAudio } from '../../../../src/media/audio/wav.js';

interface FmtSpec {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  /** Container bytes per sample; defaults to bits / 8. */
  container?: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with `tag` as the sub-format. */
  extensible?: boolean;
}

function fmtChunk(s: FmtSpec): Buffer {
  const container = s.container ?? s.bits / 8;
  const b = Buffer.alloc(s.extensible ? 40 : 16);
  b.writeUInt16LE(s.extensible ? 0xfffe : s.tag, 0);
  b.writeUInt16LE(s.channels, 2);
  b.writeUInt32LE(s.rate, 4);
  b.writeUInt32LE(s.rate * s.channels * container, 8);
  b.writeUInt16LE(s.channels * container, 12);
  b.writeUInt16LE(container * 8, 14);
  if (s.extensible) {
    b.writeUInt16LE(22, 16);
    b.writeUInt16LE(s.bits, 18);
    b.writeUInt32LE(s.channels === 2 ? 3 : 4, 20);
    b.writeUInt16LE(s.tag, 24);
    Buffer.from('000000001000800000aa00389b71', 'hex').copy(b, 26);
  }
  return b;
}

function chunk(id: string, body: Buffer, declaredSize = body.length): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(declaredSize, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat(chunks);
  const h = Buffer.alloc(12);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(4 + body.length, 4);
  h.write('WAVE', 8, 'latin1');
  return Buffer.concat([h, body]);
}

function mustParse(buf: Buffer): WavAudio {
  const r = parseWav(buf);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

function mustFail(buf: Buffer, pattern: RegExp): void {
  const r = parseWav(buf);
  assert.equal(r.ok, false, 'expected an error');
  if (!r.ok) assert.match(r.error, pattern);
}

function int16le(values: readonly number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, 2 * i));
  return b;
}

const RAMP = [0, 1, -1, 100, -100, 32767, -32768, 12345];

describe('parseWav: formats', () => {
  it('round-trips toWav exactly and writes the canonical 44-byte header', () => {
    const samples = Int16Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 65536) - 32768);
    const buf = toWav(samples, 16000);
    assert.equal(buf.length, 44 + 2002);
    assert.equal(buf.toString('latin1', 0, 4), 'RIFF');
    assert.equal(buf.readUInt32LE(4), 36 + 2002);
    assert.equal(buf.readUInt32LE(24), 16000);
    const wav = mustParse(buf);
    assert.deepEqual(wav, { sampleRate: 16000, channels: 1, format: 'pcm-s16', samples, truncated: false });
    assert.deepEqual(mustParse(toWav(new Int16Array(0))).samples, new Int16Array(0));
    assert.equal(mustParse(toWav(new Int16Array(3))).sampleRate, 8000);
  });

  it('reads 8-bit unsigned PCM', () => {
    const wav = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 11025, bits: 8 })), chunk('data', Buffer.from([128, 0, 255, 129, 127]))));
    assert.equal(wav.format, 'pcm-u8');
    assert.deepEqual([...wav.samples], [0, -32768, 32512, 256, -256]);
  });

  it('reads 24-bit and 32-bit PCM, keeping the top 16 bits rounded', () => {
    const b24 = Buffer.alloc(15);
    [0x000080, 0x7fffff, -0x800000, 0x123456, -0x000081].forEach((v, i) => b24.writeIntLE(v, 3 * i, 3));
    const w24 = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 48000, bits: 24 })), chunk('data', b24)));
    assert.equal(w24.format, 'pcm-s24');
    assert.deepEqual([...w24.samples], [1, 32767, -32768, 0x1234, -1]);

    const b32 = Buffer.alloc(12);
    [0x7fffffff, -0x80000000, 0x12348000].forEach((v, i) => b32.writeInt32LE(v, 4 * i));
    const w32 = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 96000, bits: 32 })), chunk('data', b32)));
    assert.equal(w32.format, 'pcm-s32');
    assert.deepEqual([...w32.samples], [32767, -32768, 0x1235]);
  });

  it('reads IEEE float 32 and 64, saturating beyond ±1.0 and mapping NaN to 0', () => {
    const f = [0, 0.5, -0.5, 1.5, -2, Number.NaN, 1 / 32768];
    const b32 = Buffer.alloc(f.length * 4);
    const b64 = Buffer.alloc(f.length * 8);
    f.forEach((v, i) => {
      b32.writeFloatLE(v, 4 * i);
      b64.writeDoubleLE(v, 8 * i);
    });
    const want = [0, 16384, -16384, 32767, -32768, 0, 1];
    const w32 = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 3, channels: 1, rate: 44100, bits: 32 })), chunk('data', b32)));
    assert.equal(w32.format, 'float32');
    assert.deepEqual([...w32.samples], want);
    const w64 = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 3, channels: 1, rate: 44100, bits: 64 })), chunk('data', b64)));
    assert.equal(w64.format, 'float64');
    assert.deepEqual([...w64.samples], want);
  });

  it('reads µ-law (7) and A-law (6) sample-exactly', () => {
    const pcm = Int16Array.from(RAMP);
    const u = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 7, channels: 1, rate: 8000, bits: 8 })), chunk('data', encodeUlaw(pcm))));
    assert.equal(u.format, 'ulaw');
    assert.deepEqual(u.samples, decodeUlaw(encodeUlaw(pcm)));
    assert.deepEqual([...u.samples.subarray(0, 3)], [0, 0, -8]); // Sun's rounding: -1 → -8
    const a = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 6, channels: 1, rate: 8000, bits: 8 })), chunk('data', encodeAlaw(pcm))));
    assert.equal(a.format, 'alaw');
    assert.deepEqual(a.samples, decodeAlaw(encodeAlaw(pcm)));
    assert.deepEqual([...a.samples.subarray(0, 3)], [8, 8, -8]);
  });

  it('reads WAVE_FORMAT_EXTENSIBLE with PCM, float and G.711 sub-formats', () => {
    const cases: [FmtSpec, Buffer, WavAudio['format']][] = [
      [{ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: true }, int16le(RAMP), 'pcm-s16'],
      [{ tag: 1, channels: 1, rate: 8000, bits: 20, container: 3, extensible: true }, Buffer.from([0, 0, 0x10, 0, 0, 0xf0]), 'pcm-s24'],
      [{ tag: 3, channels: 1, rate: 8000, bits: 32, extensible: true }, Buffer.from(new Float32Array([0.25]).buffer), 'float32'],
      [{ tag: 7, channels: 1, rate: 8000, bits: 8, extensible: true }, Buffer.from([0x80]), 'ulaw'],
      [{ tag: 6, channels: 1, rate: 8000, bits: 8, extensible: true }, Buffer.from([0xaa]), 'alaw'],
    ];
    const want = [RAMP, [0x1000, -0x1000], [8192], [32124], [32256]];
    cases.forEach(([spec, data, format], i) => {
      const wav = mustParse(riff(chunk('fmt ', fmtChunk(spec)), chunk('data', data)));
      assert.equal(wav.format, format);
      assert.deepEqual([...wav.samples], want[i]);
    });
  });

  it('downmixes any channel count to the rounded mean', () => {
    const stereo = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 2, rate: 44100, bits: 16 })), chunk('data', int16le([100, 300, -32768, -32768, 32767, 32767, 1, 2, -1, -2]))));
    assert.equal(stereo.channels, 2);
    assert.deepEqual([...stereo.samples], [200, -32768, 32767, 2, -1]); // halves round up (Math.round)
  });

  it('downmixes G.711 and 8-channel files', () => {
    const u = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 7, channels: 2, rate: 8000, bits: 8 })), chunk('data', Buffer.from([0x80, 0xff, 0x00, 0x80]))));
    assert.deepEqual([...u.samples], [16062, 0]);
    const eight = int16le(Array.from({ length: 16 }, (_, i) => (i < 8 ? i * 1000 : -8000)));
    const w8 = mustParse(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 8, rate: 48000, bits: 16, extensible: true })), chunk('data', eight)));
    assert.equal(w8.channels, 8);
    assert.deepEqual([...w8.samples], [3500, -8000]);
  });
});

describe('parseWav: chunk layout', () => {
  const fmt = chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }));
  const data = chunk('data', int16le(RAMP));

  it('accepts chunks in any order and skips LIST, fact and unknown chunks, odd-sized ones padded', () => {
    const list = chunk('LIST', Buffer.from('INFOICMT\x05\x00\x00\x00hello\x00', 'latin1')); // odd size: padded
    const odd = chunk('junk', Buffer.from([1, 2, 3]));
    const fact = chunk('fact', Buffer.from([8, 0, 0, 0]));
    for (const layout of [
      [fmt, data],
      [list, fmt, fact, data],
      [data, odd, fmt],
      [odd, data, list, fmt, fact],
    ]) {
      const wav = mustParse(riff(...layout));
      assert.deepEqual([...wav.samples], RAMP);
      assert.equal(wav.truncated, false);
    }
  });

  it('tolerates a writer that forgot the pad byte after an odd-sized chunk', () => {
    const h = Buffer.alloc(8);
    h.write('note', 0, 'latin1');
    h.writeUInt32LE(3, 4);
    const unpadded = Buffer.concat([h, Buffer.from('abc')]);
    assert.deepEqual([...mustParse(riff(fmt, unpadded, data)).samples], RAMP);
  });

  it('ignores the RIFF size, and junk after the last chunk', () => {
    const buf = riff(fmt, data);
    buf.writeUInt32LE(0, 4);
    assert.deepEqual([...mustParse(buf).samples], RAMP);
    buf.writeUInt32LE(0xffffffff, 4);
    assert.deepEqual([...mustParse(buf).samples], RAMP);
    const id3 = Buffer.concat([buf, Buffer.from('ID3\x03\x00\x00\x00\x00\x7f\x7fxx', 'latin1')]);
    assert.deepEqual([...mustParse(id3).samples], RAMP);
  });

  it('keeps a genuinely empty data chunk empty', () => {
    const wav = mustParse(riff(fmt, chunk('data', Buffer.alloc(0)), chunk('LIST', Buffer.from('INFO'))));
    assert.equal(wav.samples.length, 0);
    assert.equal(wav.truncated, false);
    assert.equal(mustParse(riff(fmt, chunk('data', Buffer.alloc(0)))).truncated, false);
  });
});

describe('parseWav: truncated and crashed files', () => {
  const fmt = chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16 }));
  const pcm = Array.from({ length: 400 }, (_, i) => i * 50 - 10000);

  for (const declared of [0, 0xffffffff, 0x7fffffff]) {
    it(`reads to the end of the file when the data size is 0x${declared.toString(16)}`, () => {
      const wav = mustParse(riff(fmt, chunk('data', int16le(pcm), declared)));
      assert.deepEqual([...wav.samples], pcm);
      assert.equal(wav.truncated, true);
    });
  }

  it('uses whole frames of a file cut mid-frame and mid-chunk', () => {
    const full = riff(fmt, chunk('data', int16le(pcm)));
    const cut = full.subarray(0, full.length - 101); // 50.5 samples missing
    const wav = mustParse(cut);
    assert.equal(wav.truncated, true);
    assert.deepEqual([...wav.samples], pcm.slice(0, 349));
    // Stereo cut in the middle of a frame: the partial frame is dropped.
    const st = riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 2, rate: 8000, bits: 16 })), chunk('data', int16le([1, 1, 2, 2, 3, 3])));
    const w = mustParse(st.subarray(0, st.length - 2));
    assert.deepEqual([...w.samples], [1, 2]);
    assert.equal(w.truncated, true);
  });

  it('reads a header-only file (crash before the first write) as empty and truncated', () => {
    const wav = mustParse(riff(fmt, chunk('data', Buffer.alloc(0), 0xffffffff)));
    assert.equal(wav.samples.length, 0);
    assert.equal(wav.truncated, true);
  });
});

describe('parseWav: errors', () => {
  const fmtOf = (s: Partial<FmtSpec>) => chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, ...s }));
  const data = chunk('data', int16le(RAMP));

  it('says what is wrong', () => {
    mustFail(Buffer.alloc(0), /not a RIFF\/WAVE file/);
    mustFail(Buffer.from('ID3\x04 this is an mp3 file really', 'latin1'), /not a RIFF\/WAVE file/);
    mustFail(Buffer.from('RIFF\x00\x00\x00\x00AVI LIST', 'latin1'), /not a RIFF\/WAVE file/);
    mustFail(Buffer.from('RF64\xff\xff\xff\xffWAVEds64', 'latin1'), /RF64/);
    mustFail(riff(data), /no fmt chunk/);
    mustFail(riff(fmtOf({})), /no data chunk/);
    mustFail(riff(fmtOf({ tag: 0x55, bits: 0, container: 1 }), data), /^unsupported format tag 0x55 \(MP3\)$/);
    mustFail(riff(fmtOf({ tag: 0x11, bits: 4, container: 1 }), data), /unsupported format tag 0x11 \(IMA ADPCM\)/);
    mustFail(riff(fmtOf({ tag: 0x1234 }), data), /^unsupported format tag 0x1234$/);
    mustFail(riff(fmtOf({ channels: 0 }), data), /0 channels/);
    mustFail(riff(fmtOf({ channels: 9 }), data), /9 channels \(at most 8\)/);
    mustFail(riff(fmtOf({ rate: 0 }), data), /sample rate 0 Hz/);
    mustFail(riff(fmtOf({ rate: 1_000_000 }), data), /sample rate 1000000 Hz/);
    mustFail(riff(fmtOf({ bits: 40, container: 5 }), data), /unsupported PCM layout: 40 bits in 5-byte frames/);
    mustFail(riff(fmtOf({ channels: 2, bits: 8, container: 1.5 }), data), /unsupported PCM layout/); // odd block align
    mustFail(riff(fmtOf({ tag: 3, bits: 16 }), data), /unsupported IEEE float layout/);
    mustFail(riff(fmtOf({ tag: 7, bits: 16 }), data), /unsupported G.711 layout/);
    mustFail(riff(chunk('fmt ', Buffer.alloc(10)), data), /fmt chunk too short/);
    mustFail(riff(fmtOf({}), fmtOf({}), data), /more than one fmt chunk/);
    mustFail(riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: true }).subarray(0, 24)), data), /WAVE_FORMAT_EXTENSIBLE fmt chunk too short/);
    const ext = fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 16, extensible: true });
    ext[30] = 0x42; // not the KSDATAFORMAT GUID family (e.g. Ambisonic B-format)
    mustFail(riff(chunk('fmt ', ext), data), /sub-format/);
    mustFail(riff(chunk('LIST', Buffer.alloc(8), 1000), fmtOf({}), data), /"LIST" chunk truncated/);
    mustFail(riff(chunk('fmt ', Buffer.alloc(8), 16)), /fmt chunk truncated/);
  });

  it('enforces the data size limit (default 100 MB; a caller may lower it)', () => {
    assert.equal(WAV_LIMITS.maxDataBytes, 100 * 1024 * 1024);
    assert.equal(WAV_LIMITS.maxChannels, 8);
    const buf = riff(fmtOf({}), chunk('data', Buffer.alloc(1002)));
    assert.equal(parseWav(buf, { maxDataBytes: 1002 }).ok, true);
    const r = parseWav(buf, { maxDataBytes: 1000 });
    assert.deepEqual(r, { ok: false, error: 'data chunk of 1002 bytes exceeds the 1000-byte limit' });
    // Unknown length but more bytes than the limit: refused as well.
    buf.writeUInt32LE(0xffffffff, 12 + 8 + 16 + 4);
    assert.deepEqual(parseWav(buf, { maxDataBytes: 1000 }), { ok: false, error: 'data of unknown length exceeds the 1000-byte limit' });
  });

  it('bounds the number of chunks walked', () => {
    const many = Array.from({ length: WAV_LIMITS.maxChunks + 1 }, () => chunk('pad ', Buffer.alloc(0)));
    mustFail(riff(...many, fmtOf({}), data), /more than 1000 chunks/);
    assert.equal(parseWav(riff(...many.slice(3), fmtOf({}), data)).ok, true);
  });
});

describe('parseWav: never throws', () => {
  const seeds = [
    toWav(Int16Array.from(RAMP), 8000),
    riff(chunk('LIST', Buffer.from('INFOabc')), chunk('fmt ', fmtChunk({ tag: 7, channels: 2, rate: 8000, bits: 8 })), chunk('data', Buffer.from([1, 2, 3, 4, 5]))),
    riff(chunk('fmt ', fmtChunk({ tag: 3, channels: 3, rate: 22050, bits: 32, extensible: true })), chunk('data', Buffer.alloc(48, 0x7f))),
    riff(chunk('fmt ', fmtChunk({ tag: 1, channels: 2, rate: 44100, bits: 24 })), chunk('data', Buffer.alloc(30, 0x80))),
  ];

  function check(buf: Buffer): void {
    const r = parseWav(buf);
    if (r.ok) {
      assert.ok(r.value.samples instanceof Int16Array);
      assert.ok(r.value.channels >= 1 && r.value.channels <= WAV_LIMITS.maxChannels);
      assert.ok(r.value.samples.length <= buf.length);
    } else {
      assert.equal(typeof r.error, 'string');
      assert.ok(!r.error.startsWith('internal'), r.error);
    }
  }

  it('on mutated, truncated and extended valid files', () => {
    const mutation = fc.record({
      seed: fc.constantFrom(...seeds),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      words: fc.array(fc.tuple(fc.nat(), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffe, 3, 40)), { maxLength: 3 }),
      cut: fc.option(fc.nat()),
      tail: fc.uint8Array({ maxLength: 16 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits, words, cut, tail }) => {
        const buf = Buffer.from(seed);
        for (const [at, v] of edits) buf[at % buf.length] = v;
        for (const [at, v] of words) {
          const p = at % Math.max(1, buf.length - 4);
          if (p + 4 <= buf.length) buf.writeUInt32LE(v, p);
        }
        const cutBuf = cut === null ? buf : buf.subarray(0, cut % (buf.length + 1));
        check(Buffer.concat([cutBuf, tail]));
      }),
      { numRuns: 5000 },
    );
  });

  it('on random bytes behind a RIFF/WAVE signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        check(Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'), bytes]));
        check(Buffer.from(bytes));
      }),
      { numRuns: 3000 },
    );
  });
});
