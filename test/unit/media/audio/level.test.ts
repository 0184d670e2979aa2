/**
 * Levels and silence detection on real speech (espeak-ng through SoX, 8 kHz, padded
 * with digital silence), on low line noise and on G.711 idle codes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeUlaw } from '../../../../src/media/codec/g711.js';
import { dbfs, rms, SilenceDetector, trimSilence } from '../../../../src/media/audio/level.js';
import { tone } from '../../../../src/media/audio/tone.js';
import { parseWav } from '../../../../src/media/audio/wav.js';
import { AudioWorkbench } from './real-audio.js';

const FRAME = 160; // 20 ms at 8 kHz

/** Deterministic white noise at a given RMS level (dBFS), uniform distribution. */
function noise(samples: number, levelDbfs: number, seed = 1): Int16Array {
  const amplitude = 32768 * 10 ** (levelDbfs / 20) * Math.sqrt(3); // uniform: rms = a/√3
  let s = seed;
  return Int16Array.from({ length: samples }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return Math.round(((s / 2 ** 32) * 2 - 1) * amplitude);
  });
}

function frames(x: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i + FRAME <= x.length; i += FRAME) out.push(x.subarray(i, i + FRAME));
  return out;
}

describe('rms and dbfs', () => {
  it('measure against full scale', () => {
    assert.equal(rms(new Int16Array(0)), 0);
    assert.equal(dbfs(new Int16Array(160)), -Infinity);
    assert.equal(rms(new Int16Array(10).fill(-32768)), 32768);
    assert.equal(dbfs(new Int16Array(10).fill(-32768)), 0);
    assert.equal(rms(Int16Array.from([3, -4, 3, -4])), Math.sqrt(12.5));
    // A full-scale sine is −3.01 dBFS; the default beep (half scale) −9.03.
    const beep = tone({ durationMs: 1000, rampMs: 0, amplitude: 1 });
    assert.ok(Math.abs(dbfs(beep) + 3.01) < 0.02, `${dbfs(beep)}`);
    assert.ok(Math.abs(dbfs(tone({ durationMs: 1000, rampMs: 0 })) + 9.03) < 0.02);
    assert.ok(Math.abs(dbfs(noise(8000, -50)) + 50) < 0.3);
  });
});

describe('SilenceDetector and trimSilence on speech', () => {
  let bench: AudioWorkbench;
  let padded: Int16Array;
  /** Where the speech starts and ends in `padded` (samples). */
  let speechStart: number;
  let speechEnd: number;

  before(() => {
    bench = new AudioWorkbench();
    const speech8k = parseWav(bench.convert([bench.speech, '-r', '8000', bench.path('s8.wav')], 's8.wav'));
    const withPad = parseWav(bench.convert([bench.path('s8.wav'), bench.path('p8.wav'), 'pad', '1', '1.5'], 'p8.wav'));
    if (!speech8k.ok || !withPad.ok) assert.fail('parse');
    padded = withPad.value.samples;
    // espeak-ng's own leading/trailing quiet, measured plainly: first/last |x| > 300.
    const s8 = speech8k.value.samples;
    let first = 0;
    while (Math.abs(s8[first]!) <= 300) first++;
    let last = s8.length - 1;
    while (Math.abs(s8[last]!) <= 300) last--;
    speechStart = 8000 + first;
    speechEnd = 8000 + last + 1;
    assert.ok(speechEnd - speechStart > 8000 * 4);
  });
  after(() => bench.close());

  it('silent before the speech, voice during it, silentMs counts the tail', () => {
    const d = new SilenceDetector();
    const verdicts = frames(padded).map((f) => d.push(f));
    const firstVoice = verdicts.indexOf(true) * FRAME;
    const lastVoice = (verdicts.lastIndexOf(true) + 1) * FRAME;
    assert.ok(Math.abs(firstVoice - speechStart) <= 2 * FRAME, `voice from ${firstVoice}, speech from ${speechStart}`);
    // Last voice = last loud frame + 300 ms hangover.
    assert.ok(lastVoice >= speechEnd && lastVoice <= speechEnd + 2400 + 2 * FRAME, `voice to ${lastVoice}, speech to ${speechEnd}`);
    // Between words espeak pauses; the hangover keeps most of the speech as voice.
    const during = verdicts.slice(speechStart / FRAME + 1, speechEnd / FRAME - 1);
    assert.ok(during.filter(Boolean).length / during.length > 0.9);
    // 1.5 s of padding + espeak's own tail: silentMs is that long, to the frame.
    const tailMs = ((padded.length - speechEnd) * 1000) / 8000;
    assert.ok(Math.abs(d.silentMs - tailMs) <= 60, `silentMs ${d.silentMs}, tail ${tailMs} ms`);
    assert.ok(d.heardVoice && d.voiceMs > 3000);
    d.reset();
    assert.equal(d.silentMs, 0);
    assert.equal(d.heardVoice, false);
  });

  it('trimSilence keeps the speech plus a 100 ms margin', () => {
    const { start, end } = trimSilence(padded);
    assert.ok(start <= speechStart - 800 + FRAME && start >= speechStart - 800 - 2 * FRAME, `start ${start} vs speech ${speechStart}`);
    assert.ok(end >= speechEnd && end <= speechEnd + 800 + 2 * FRAME, `end ${end} vs speech ${speechEnd}`);
    // Nothing audible was cut.
    let kept = 0;
    let total = 0;
    padded.forEach((v, i) => {
      total += v * v;
      if (i >= start && i < end) kept += v * v;
    });
    assert.ok(kept / total > 0.9999);
  });
});

describe('SilenceDetector on noise and idle lines', () => {
  it('low line noise (−60 dBFS) and µ-law idle codes are silence; −35 dBFS noise is not', () => {
    const d = new SilenceDetector();
    for (const f of frames(noise(8000, -60))) assert.equal(d.push(f), false);
    assert.equal(d.silentMs, 1000);
    const idle = decodeUlaw(Buffer.alloc(8000, 0xff));
    for (const f of frames(idle)) assert.equal(d.push(f), false);
    // µ-law's smallest non-zero codes (±8, the noise of a quiet analogue line): silence.
    const lsb = decodeUlaw(Buffer.from(Array.from({ length: 160 }, (_, i) => (i % 2 ? 0xfe : 0x7e))));
    assert.equal(d.push(lsb), false);
    assert.equal(d.heardVoice, false);
    for (const f of frames(noise(1600, -35))) assert.equal(d.push(f), true);
    assert.equal(d.silentMs, 0);
  });

  it('honours threshold and hangover, and counts time from frame lengths', () => {
    const d = new SilenceDetector({ thresholdDbfs: -30, hangoverMs: 40 });
    assert.equal(d.push(noise(160, -35)), false); // below a −30 threshold
    assert.equal(d.push(noise(160, -20)), true);
    assert.equal(d.push(new Int16Array(160)), true); // 20 ms into the hangover
    assert.equal(d.push(new Int16Array(160)), true); // 40 ms
    assert.equal(d.push(new Int16Array(160)), false);
    assert.equal(d.silentMs, 60);
    assert.equal(d.push(new Int16Array(80)), false);
    assert.equal(d.silentMs, 70);
    assert.equal(d.voiceMs, 20);
    const wide = new SilenceDetector({ sampleRate: 16000 });
    wide.push(new Int16Array(320));
    assert.equal(wide.silentMs, 20);
    assert.throws(() => new SilenceDetector({ thresholdDbfs: 3 }), RangeError);
    assert.throws(() => new SilenceDetector({ hangoverMs: -1 }), RangeError);
  });
});

describe('trimSilence edge cases', () => {
  const voice = noise(8000, -20, 7);
  const pad = (before: number, after: number, x = voice) => {
    const out = new Int16Array(before + x.length + after);
    out.set(x, before);
    return out;
  };

  it('returns an empty range when there is no voice', () => {
    assert.deepEqual(trimSilence(new Int16Array(16000)), { start: 0, end: 0 });
    assert.deepEqual(trimSilence(noise(16000, -60)), { start: 0, end: 0 });
    assert.deepEqual(trimSilence(new Int16Array(0)), { start: 0, end: 0 });
  });

  it('cuts only gaps of at least minGapMs (after the margin)', () => {
    assert.deepEqual(trimSilence(pad(8000, 8000)), { start: 8000 - 800, end: 16000 + 800 });
    // 300 ms of leading silence: 200 ms would go, less than the 300 ms minimum gap.
    assert.deepEqual(trimSilence(pad(2400, 8000)), { start: 0, end: 2400 + 8000 + 800 });
    assert.deepEqual(trimSilence(pad(2400, 8000), -45, 100), { start: 1600, end: 2400 + 8000 + 800 });
  });

  it('ignores a click (shorter than minVoiceMs) in the silence', () => {
    const x = pad(8000, 16000);
    x.fill(30000, 8000 + 8000 + 12000, 8000 + 8000 + 12000 + 40); // 5 ms hang-up click
    assert.deepEqual(trimSilence(x), { start: 7200, end: 16800 });
    assert.deepEqual(trimSilence(x, -45, 300, { minVoiceMs: 0 }).end, 8000 + 8000 + 12000 + 160 + 800);
  });
});
