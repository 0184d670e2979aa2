/**
 * The resampler: frequency response (flat telephone band, aliases removed), alignment,
 * lengths, edge cases, determinism, and agreement with SoX's `rate` on real speech.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeWavTo8k, decodeWavToRate, resample } from '../../../../src/media/audio/resample.js';
import { parseWav, toWav } from '../../../../src/media/audio/wav.js';
import { AudioWorkbench, correlation, rmsDb } from './real-audio.js';

function sine(freq: number, rate: number, seconds: number, amplitude = 16000): Int16Array {
  return Int16Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * freq * i) / rate)));
}

/** Gain in dB of a sine through the resampler, measured away from the edges. */
function gainDb(freq: number, from: number, to = 8000): number {
  const x = sine(freq, from, 1);
  const y = resample(x, from, to);
  const edge = Math.round(to / 10);
  return rmsDb(y, edge, y.length - edge) - rmsDb(x, Math.round(from / 10), x.length - Math.round(from / 10));
}

describe('resample: frequency response to 8 kHz', () => {
  for (const from of [48000, 44100, 32000, 22050, 16000, 11025]) {
    it(`from ${from} Hz: flat 300–3400 Hz, aliases ≥ 80 dB down`, () => {
      for (const f of [300, 1000, 2000, 3000, 3400]) {
        const g = gainDb(f, from);
        assert.ok(Math.abs(g) < 0.05, `${f} Hz: ${g.toFixed(3)} dB`);
      }
      for (const f of [4200, 4800, 6000, 7500, 10000, 15000]) {
        if (f >= from / 2) continue;
        // A tone above 4 kHz would fold to 8000 − f: it must vanish instead.
        const g = gainDb(f, from);
        assert.ok(g < -80, `${f} Hz aliases at ${g.toFixed(1)} dB`);
      }
    });
  }

  it('is not linear interpolation: a 6 kHz tone at 48 kHz does not come out at 2 kHz', () => {
    const y = resample(sine(6000, 48000, 0.5), 48000);
    assert.ok(rmsDb(y, 400, 3600) < 10, `residual ${rmsDb(y, 400, 3600).toFixed(1)} dB re 1 LSB`);
  });
});

describe('resample: time domain', () => {
  it('keeps a tone in phase (no filter delay) and DC exact', () => {
    const x = sine(440, 44100, 0.5);
    const y = resample(x, 44100);
    const want = sine(440, 8000, 0.5);
    let maxErr = 0;
    for (let i = 200; i < 3800; i++) maxErr = Math.max(maxErr, Math.abs(y[i]! - want[i]!));
    assert.ok(maxErr <= 3, `max error ${maxErr}`);
    const dc = resample(new Int16Array(48000).fill(-12345), 48000);
    for (let i = 400; i < 7600; i++) assert.equal(dc[i], -12345);
  });

  it('gives ⌈n·to/from⌉ samples and handles tiny and empty inputs', () => {
    assert.equal(resample(new Int16Array(44100), 44100).length, 8000);
    assert.equal(resample(new Int16Array(44101), 44100).length, 8001);
    assert.equal(resample(new Int16Array(1), 48000).length, 1);
    assert.equal(resample(new Int16Array(0), 22050).length, 0);
    assert.equal(resample(new Int16Array(3), 8000, 16000).length, 6);
  });

  it('upsamples too (8 → 16 kHz) without imaging', () => {
    const y = resample(sine(1000, 8000, 1), 8000, 16000);
    assert.ok(correlation(y, sine(1000, 16000, 1)) > 0.9999);
  });

  it('returns a copy for equal rates, saturates overshoot, and is deterministic', () => {
    const x = Int16Array.from([1, 2, 3]);
    const same = resample(x, 8000, 8000);
    assert.deepEqual(same, x);
    assert.notEqual(same, x);
    // A full-scale square wave overshoots after low-pass filtering (Gibbs): clamp, not wrap.
    const square = Int16Array.from({ length: 4800 }, (_, i) => (Math.floor(i / 24) % 2 ? 32767 : -32768));
    const y = resample(square, 48000);
    assert.ok(y.some((v) => v === 32767) && y.some((v) => v === -32768));
    assert.deepEqual(resample(square, 48000), y);
  });

  it('handles a ratio with many phases (44101 Hz) with the same quality', () => {
    assert.ok(Math.abs(gainDb(1000, 44101)) < 0.05);
    assert.ok(gainDb(6000, 44101) < -80);
  });

  it('rejects unusable rates', () => {
    assert.throws(() => resample(new Int16Array(1), 0), RangeError);
    assert.throws(() => resample(new Int16Array(1), 44100.5), RangeError);
    assert.throws(() => resample(new Int16Array(1), 8000, 1e9), RangeError);
  });
});

describe('decodeWavTo8k', () => {
  let bench: AudioWorkbench;
  before(() => {
    bench = new AudioWorkbench();
  });
  after(() => bench.close());

  for (const rate of [48000, 44100, 16000]) {
    it(`speech at ${rate} Hz: matches SoX's own conversion to 8 kHz`, () => {
      const src = bench.convert([bench.speech, '-r', String(rate), bench.path(`s${rate}.wav`)], `s${rate}.wav`);
      const soxRef = parseWav(bench.convert([bench.path(`s${rate}.wav`), '-r', '8000', '-b', '16', bench.path(`r${rate}.wav`)], `r${rate}.wav`));
      const ours = decodeWavTo8k(src);
      if (!ours.ok || !soxRef.ok) assert.fail('parse failed');
      const want = soxRef.value.samples;
      const n = Math.min(ours.value.length, want.length);
      assert.ok(Math.abs(ours.value.length - want.length) <= 1);
      const c = correlation(ours.value.subarray(0, n), want.subarray(0, n));
      // Two good band-limited resamplers: nearly identical, not just alike.
      assert.ok(c > 0.995, `correlation ${c}`);
      assert.ok(Math.abs(rmsDb(ours.value, 0, n) - rmsDb(want, 0, n)) < 0.2);
    });
  }

  it('passes 8 kHz audio through, converts to other rates, and reports parse errors', () => {
    const x = Int16Array.from([5, -5, 7]);
    const r = decodeWavTo8k(toWav(x));
    assert.ok(r.ok);
    assert.deepEqual(r.value, x);
    const up = decodeWavToRate(toWav(sine(500, 8000, 0.1)), 16000);
    assert.ok(up.ok && up.value.length === 1600);
    assert.deepEqual(decodeWavTo8k(Buffer.from('nope')), { ok: false, error: 'not a RIFF/WAVE file' });
    assert.equal(decodeWavToRate(toWav(x), 12.5).ok, false);
  });
});
