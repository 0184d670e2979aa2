/**
 * The record beep is a clean 1 kHz tone of 0.4 s after 100 ms of silence: frequency by
 * zero crossings and by Goertzel, length by where the signal is, no click at either
 * edge (the first and last samples are ~0 and no step is steeper than the sine's own).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BEEP_AMPLITUDE, beep } from '../../../../src/voicemail/prompts/beep.js';

const RATE = 8000;

/** Power of `freq` in `x` (Goertzel), normalised so a sine of amplitude A gives A²/4. */
function goertzel(x: Int16Array, freq: number): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / RATE);
  let s1 = 0;
  let s2 = 0;
  for (const v of x) {
    const s0 = v + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (x.length * x.length);
}

/** The part of the beep after the lead silence: first to last non-zero sample. */
function body(x: Int16Array): { start: number; samples: Int16Array } {
  let start = 0;
  while (start < x.length && x[start] === 0) start++;
  let end = x.length;
  while (end > start && x[end - 1] === 0) end--;
  return { start, samples: x.subarray(start, end) };
}

describe('beep', () => {
  const x = beep();
  const { start, samples } = body(x);

  it('is 100 ms of silence then 0.4 s of tone', () => {
    assert.ok(Math.abs(start / RATE - 0.1) < 0.002, `lead silence ${start / RATE} s`);
    assert.ok(Math.abs(samples.length / RATE - 0.4) < 0.004, `tone ${samples.length / RATE} s`);
    assert.equal(x.length, 0.5 * RATE);
  });

  it('is 1 kHz ± 2% by zero crossings', () => {
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) if (samples[i - 1]! < 0 !== samples[i]! < 0) crossings++;
    const hz = crossings / 2 / (samples.length / RATE);
    assert.ok(Math.abs(hz - 1000) <= 20, `${hz} Hz`);
  });

  it('has its energy at 1 kHz, none at ±2% and beyond (Goertzel)', () => {
    const at = goertzel(samples, 1000);
    const a = BEEP_AMPLITUDE * 32767;
    // The fades take a little of the power: within 1 dB of a steady sine's A²/4.
    assert.ok(at > ((a * a) / 4) * 0.79, `power at 1 kHz ${at}`);
    for (const f of [900, 980, 1020, 1100, 2000, 3000]) {
      assert.ok(goertzel(samples, f) < at / 100, `${f} Hz has ${goertzel(samples, f)} vs ${at} at 1 kHz`);
    }
  });

  it('fades in and out: edges at 0, no step steeper than the sine itself', () => {
    assert.ok(Math.abs(samples[0]!) < 50 && Math.abs(samples[samples.length - 1]!) < 50);
    assert.equal(x[0], 0);
    assert.equal(x[x.length - 1], 0);
    // A 1 kHz sine of amplitude A moves at most 2·A·sin(π·1000/8000) per sample.
    const a = BEEP_AMPLITUDE * 32767;
    const maxStep = 2 * a * Math.sin(Math.PI / 8) + 2;
    for (let i = 1; i < x.length; i++) {
      assert.ok(Math.abs(x[i]! - x[i - 1]!) <= maxStep, `jump of ${x[i]! - x[i - 1]!} at ${i}`);
    }
    // The first 5 ms of tone climb gradually (a hard edge would reach full amplitude at once).
    let early = 0;
    for (let i = 0; i < 0.002 * RATE; i++) early = Math.max(early, Math.abs(samples[i]!));
    assert.ok(early < a / 2, `peak ${early} in the first 2 ms`);
  });

  it('peaks at the documented level, well below the prompts (no clipping)', () => {
    let p = 0;
    for (const v of x) p = Math.max(p, Math.abs(v));
    assert.ok(Math.abs(p - BEEP_AMPLITUDE * 32767) < 50, `peak ${p}`);
  });

  it('is made once and shared', () => {
    assert.equal(beep(), x);
  });
});
