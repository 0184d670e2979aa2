/**
 * Real WAV files: espeak-ng speech (22050 Hz) converted by SoX into every format a
 * prompt or greeting may arrive in, read by parseWav/decodeWavTo8k and compared with
 * SoX's own conversion of the same speech to 8 kHz 16-bit mono. G.711 is compared
 * sample for sample with SoX's decoder and encoder.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from '../../../../src/media/codec/g711.js';
import { decodeWavTo8k } from '../../../../src/media/audio/resample.js';
import { parseWav } from '../../../../src/media/audio/wav.js';
import type { WavAudio } from '../../../../src/media/audio/wav.js';
import { AudioWorkbench, correlation, rmsDb, sox } from './real-audio.js';

let bench: AudioWorkbench;
/** SoX's 8 kHz 16-bit mono rendition of the speech: the reference. */
let ref: Int16Array;

function mustParse(buf: Buffer): WavAudio {
  const r = parseWav(buf);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

function must8k(buf: Buffer): Int16Array {
  const r = decodeWavTo8k(buf);
  if (!r.ok) assert.fail(r.error);
  return r.value;
}

/** Same audio as the reference: correlation and level, over the common length. */
function assertLike(got: Int16Array, want: Int16Array, label: string, minCorrelation = 0.95): void {
  assert.ok(Math.abs(got.length - want.length) <= 2, `${label}: ${got.length} samples, SoX made ${want.length}`);
  const n = Math.min(got.length, want.length);
  const c = correlation(got.subarray(0, n), want.subarray(0, n));
  const dDb = rmsDb(got, 0, n) - rmsDb(want, 0, n);
  assert.ok(c > minCorrelation, `${label}: correlation ${c.toFixed(4)}`);
  assert.ok(Math.abs(dDb) < 1, `${label}: level differs by ${dDb.toFixed(2)} dB`);
}

before(() => {
  bench = new AudioWorkbench();
  ref = mustParse(bench.convert([bench.speech, '-r', '8000', '-c', '1', '-b', '16', bench.path('ref.wav')], 'ref.wav')).samples;
  assert.ok(ref.length > 8000 * 4, 'espeak-ng made at least 4 s of speech');
});

after(() => bench.close());

describe('G.711 WAV files made by SoX', () => {
  it('µ-law 8 kHz: decoded sample for sample as SoX decodes it', () => {
    const buf = bench.convert([bench.speech, '-r', '8000', '-c', '1', '-e', 'u-law', bench.path('u.wav')], 'u.wav');
    const wav = mustParse(buf);
    assert.deepEqual({ ...wav, samples: null }, { sampleRate: 8000, channels: 1, format: 'ulaw', samples: null, truncated: false });
    const soxDecoded = mustParse(bench.convert([bench.path('u.wav'), '-e', 'signed', '-b', '16', bench.path('u16.wav')], 'u16.wav'));
    assert.deepEqual(wav.samples, soxDecoded.samples);
    assertLike(wav.samples, ref, 'µ-law', 0.99);
  });

  it('A-law 8 kHz: decoded sample for sample as SoX decodes it', () => {
    const buf = bench.convert([bench.speech, '-r', '8000', '-c', '1', '-e', 'a-law', bench.path('a.wav')], 'a.wav');
    const wav = mustParse(buf);
    assert.equal(wav.format, 'alaw');
    const soxDecoded = mustParse(bench.convert([bench.path('a.wav'), '-e', 'signed', '-b', '16', bench.path('a16.wav')], 'a16.wav'));
    assert.deepEqual(wav.samples, soxDecoded.samples);
    assertLike(wav.samples, ref, 'A-law', 0.99);
  });

  it('our encoders produce the bytes SoX produces, given SoX’s rounding to 14/13 bits', () => {
    sox([bench.path('ref.wav'), '-t', 'raw', '-e', 'u-law', bench.path('ref.ul')]);
    sox([bench.path('ref.wav'), '-t', 'raw', '-e', 'a-law', bench.path('ref.al')]);
    const soxU = readFileSync(bench.path('ref.ul'));
    const soxA = readFileSync(bench.path('ref.al'));
    assert.equal(soxU.length, ref.length);
    // SoX runs Sun's g711.c tables on the 16-bit sample *rounded* to 14 (µ-law) or 13
    // (A-law) bits, where g711.c's own 16-bit entry points (and we) truncate. Feeding
    // our encoder SoX's rounded values must reproduce SoX's bytes exactly.
    const roundTo = (shift: number) => ref.map((x) => Math.min(32767, ((x + (1 << (shift - 1))) >> shift) << shift));
    assert.ok(encodeUlaw(roundTo(2)).equals(soxU), 'µ-law bytes differ from SoX');
    assert.ok(encodeAlaw(roundTo(3)).equals(soxA), 'A-law bytes differ from SoX');
    // On the raw samples the two differ only at decision levels, by one step.
    const ours = encodeUlaw(ref);
    for (let i = 0; i < ref.length; i++) {
      const step = Math.abs(decodeUlaw(ours.subarray(i, i + 1))[0]! - decodeUlaw(soxU.subarray(i, i + 1))[0]!);
      if (ours[i] !== soxU[i] && !(ours[i] === 0x7e && soxU[i] === 0xff)) assert.ok(step <= 1024, `sample ${ref[i]}`);
    }
    // And the lossless path the recorder relies on: code → PCM → code.
    assert.ok(encodeUlaw(decodeUlaw(soxU)).equals(soxU.map((c) => (c === 0x7f ? 0xff : c))));
    assert.ok(encodeAlaw(decodeAlaw(soxA)).equals(soxA));
  });
});

describe('other formats made by SoX, read and converted to 8 kHz', () => {
  const cases: [string, string[], Partial<WavAudio>][] = [
    ['16-bit stereo 44.1 kHz', ['-r', '44100', '-c', '2', '-b', '16'], { sampleRate: 44100, channels: 2, format: 'pcm-s16' }],
    ['24-bit 48 kHz (extensible)', ['-r', '48000', '-b', '24'], { sampleRate: 48000, channels: 1, format: 'pcm-s24' }],
    ['float 32 22.05 kHz', ['-e', 'floating-point', '-b', '32'], { sampleRate: 22050, channels: 1, format: 'float32' }],
    ['32-bit 16 kHz (extensible)', ['-r', '16000', '-b', '32'], { sampleRate: 16000, channels: 1, format: 'pcm-s32' }],
    ['8-bit unsigned 11.025 kHz', ['-r', '11025', '-e', 'unsigned', '-b', '8'], { sampleRate: 11025, channels: 1, format: 'pcm-u8' }],
    ['16-bit 6 channels 32 kHz (extensible)', ['-r', '32000', '-c', '6', '-b', '16'], { sampleRate: 32000, channels: 6, format: 'pcm-s16' }],
    ['16-bit 22.05 kHz as espeak-ng writes it', [], { sampleRate: 22050, channels: 1, format: 'pcm-s16' }],
  ];
  cases.forEach(([label, args, want], i) => {
    it(label, () => {
      const name = `case${i}.wav`;
      const buf = bench.convert([bench.speech, ...args, bench.path(name)], name);
      const wav = mustParse(buf);
      assert.deepEqual({ sampleRate: wav.sampleRate, channels: wav.channels, format: wav.format, truncated: wav.truncated }, { ...want, truncated: false });
      // 8-bit audio is 48 dB noisier than the 16-bit reference: a looser correlation.
      assertLike(must8k(buf), ref, label, want.format === 'pcm-u8' ? 0.9 : 0.95);
    });
  });

  it('a stereo file with different channels: our downmix matches SoX’s', () => {
    sox([bench.speech, bench.path('rev.wav'), 'reverse']);
    sox(['-M', bench.speech, bench.path('rev.wav'), '-r', '44100', bench.path('lr.wav')]);
    const buf = readFileSync(bench.path('lr.wav'));
    assert.equal(mustParse(buf).channels, 2);
    const soxMono = mustParse(bench.convert([bench.path('lr.wav'), '-r', '8000', '-c', '1', '-b', '16', bench.path('lr8.wav')], 'lr8.wav')).samples;
    assertLike(must8k(buf), soxMono, 'L+R downmix');
    // Not simply the left channel.
    assert.ok(correlation(must8k(buf), ref) < 0.9);
  });

  it('a file cut while being written: the audio up to the cut, flagged truncated', () => {
    const full = bench.convert([bench.speech, '-r', '48000', '-b', '24', bench.path('cut.wav')], 'cut.wav');
    const whole = mustParse(full);
    const cut = mustParse(full.subarray(0, Math.floor(full.length * 0.6) + 1));
    assert.equal(cut.truncated, true);
    assert.ok(cut.samples.length > whole.samples.length * 0.59);
    assert.deepEqual(cut.samples, whole.samples.subarray(0, cut.samples.length));
    // As a crashed writer leaves it: data size still 0.
    const crashed = Buffer.from(full.subarray(0, 30_000));
    crashed.writeUInt32LE(0, crashed.indexOf('data') + 4);
    const c = mustParse(crashed);
    assert.equal(c.truncated, true);
    assert.deepEqual(c.samples, whole.samples.subarray(0, c.samples.length));
  });
});
