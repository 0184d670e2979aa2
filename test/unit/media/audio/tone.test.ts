/**
 * Tones: the frequency is right (zero crossings and Goertzel), the level is right, and
 * there is no click — first/last samples at 0, no jump larger than the sine's own
 * slope, and no spectral splatter far from the tone (a hard-edged tone has plenty).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dualTone, MAX_TONE_MS, silence, tone } from '../../../../src/media/audio/tone.js';

/** Power of `freq` in `x` (Goertzel), normalised so a sine of amplitude A gives A²/4. */
function goertzel(x: Int16Array, freq: number, rate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

function zeroCrossings(x: Int16Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if ((x[i - 1]! < 0) !== (x[i]! < 0)) n++;
  return n;
}

function maxJump(x: Int16Array): number {
  let m = 0;
  for (let i = 1; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - x[i - 1]!));
  return m;
}

function db(ratio: number): number {
  return 10 * Math.log10(ratio);
}

describe('tone', () => {
  it('defaults to a 400 ms, 1 kHz beep at half scale, 8 kHz', () => {
    const t = tone();
    assert.equal(t.length, 3200);
    // 1000 Hz for 0.4 s: 800 zero crossings (± the ramps' near-zero samples).
    assert.ok(Math.abs(zeroCrossings(t) - 800) <= 2, `${zeroCrossings(t)} zero crossings`);
    const peak = Math.max(...t.map(Math.abs));
    assert.ok(Math.abs(peak - 16384) <= 2, `peak ${peak}`);
    for (const other of [900, 1100, 500, 2000]) assert.ok(db(goertzel(t, 1000) / goertzel(t, other)) > 25, `${other} Hz`);
  });

  it('has no click: zero ends, bounded steps, no splatter', () => {
    const t = tone();
    assert.equal(t[0], 0);
    assert.equal(t[t.length - 1], 0);
    // The steepest a 1 kHz sine of amplitude 16384 moves in one sample at 8 kHz.
    const slope = 16384 * 2 * Math.sin(Math.PI * 1000 / 8000) + 2;
    assert.ok(maxJump(t) <= slope, `jump ${maxJump(t)} > ${slope}`);
    // Within the first and last ms the signal is still tiny.
    for (let i = 0; i < 8; i++) assert.ok(Math.abs(t[i]!) < 1000 && Math.abs(t[t.length - 1 - i]!) < 1000);
    // Spectral splatter 1.5 kHz away: the ramped tone is far cleaner than a hard-edged one.
    const hard = tone({ rampMs: 0, frequency: 1003 }); // off the analysis grid, ends mid-cycle: a cut tone
    const soft = tone({ frequency: 1003 });
    const splatter = (x: Int16Array) => db(goertzel(x, 2501) / goertzel(x, 1003));
    assert.ok(splatter(soft) < -70, `ramped: ${splatter(soft).toFixed(1)} dB`);
    assert.ok(splatter(hard) > splatter(soft) + 20, `hard ${splatter(hard).toFixed(1)} dB`);
  });

  it('honours frequency, duration, amplitude, rate and ramp options', () => {
    const t = tone({ frequency: 440, durationMs: 1000, amplitude: 0.1, sampleRate: 16000, rampMs: 50 });
    assert.equal(t.length, 16000);
    assert.ok(Math.abs(zeroCrossings(t) - 880) <= 2);
    assert.ok(Math.abs(Math.max(...t) - 3277) <= 1);
    // Still ramping 25 ms in: half-way up the raised cosine.
    const env = Math.max(...t.subarray(390, 410).map(Math.abs)) / 3277;
    assert.ok(env > 0.4 && env < 0.6, `envelope ${env}`);
    assert.equal(tone({ durationMs: 0 }).length, 0);
    assert.equal(tone({ durationMs: 1, rampMs: 10 })[0], 0); // ramp clamped to half the length
  });

  it('rejects impossible options', () => {
    assert.throws(() => tone({ frequency: 4000 }), RangeError);
    assert.throws(() => tone({ frequency: -1 }), RangeError);
    assert.throws(() => tone({ amplitude: 1.5 }), RangeError);
    assert.throws(() => tone({ durationMs: MAX_TONE_MS + 1 }), RangeError);
    assert.throws(() => tone({ durationMs: Number.NaN }), RangeError);
    assert.throws(() => tone({ sampleRate: 0 }), RangeError);
    assert.throws(() => tone({ rampMs: -1 }), RangeError);
  });
});

describe('dualTone', () => {
  it('makes a DTMF "5" (770 + 1336 Hz) with both components at the requested level', () => {
    const d = dualTone(770, 1336, 100);
    assert.equal(d.length, 800);
    assert.equal(d[0], 0);
    assert.equal(d[799], 0);
    const p1 = goertzel(d, 770);
    const p2 = goertzel(d, 1336);
    assert.ok(Math.abs(db(p1 / p2)) < 0.5, `twist ${db(p1 / p2).toFixed(2)} dB`);
    for (const other of [697, 852, 941, 1209, 1477]) assert.ok(db(p1 / goertzel(d, other)) > 15, `${other} Hz`);
    assert.ok(Math.max(...d.map(Math.abs)) <= 16384);
  });

  it('applies twist to the second tone and refuses to clip', () => {
    const d = dualTone(697, 1209, 200, { twistDb: -4, amplitude: 0.3 });
    const twist = db(goertzel(d, 1209) / goertzel(d, 697));
    assert.ok(Math.abs(twist + 4) < 0.3, `twist ${twist.toFixed(2)}`);
    assert.throws(() => dualTone(697, 1209, 100, { amplitude: 0.5, twistDb: 3 }), RangeError);
  });
});

describe('silence', () => {
  it('is zeros of the requested length', () => {
    assert.deepEqual(silence(20), new Int16Array(160));
    assert.equal(silence(1000, 48000).length, 48000);
    assert.equal(silence(0).length, 0);
    assert.throws(() => silence(-5), RangeError);
  });
});
