import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { DtmfEvent } from '../../../../src/media/dtmf/digit.js';
import { InbandDtmfDetector } from '../../../../src/media/dtmf/inband-detector.js';
import type { InbandDtmfDetectorOptions } from '../../../../src/media/dtmf/inband-detector.js';
import { readAs8kPcm, requireTool, sox } from './audio-tools.js';
import { DIGIT_FREQS, addNoise, concat, dtmfTone, power, rng, silence, throughUlaw, toPcm } from './signals.js';
import type { ToneSpec } from './signals.js';

const ALL = '1234567890*#ABCD';

function detect(pcm: Int16Array, frame = 160, options: InbandDtmfDetectorOptions = {}): DtmfEvent[] {
  const d = new InbandDtmfDetector(options);
  const out: DtmfEvent[] = [];
  for (let i = 0; i < pcm.length; i += frame) out.push(...d.process(pcm.subarray(i, i + frame)));
  out.push(...d.flush());
  return out;
}
const digits = (evs: readonly DtmfEvent[]): string => evs.map((e) => e.digit).join('');

/** One tone of `ms` after `offset` samples of silence (to try every block alignment). */
function lone(digit: string, ms: number, offset: number, spec: ToneSpec = {}): Float64Array {
  return concat([silence(offset / 8), dtmfTone(digit, ms, spec), silence(80)]);
}
const OFFSETS = [0, 7, 13, 25, 38, 50, 77, 101];

function sequence(ms: number, gapMs: number, spec: ToneSpec = {}): Float64Array {
  return concat([silence(gapMs), ...ALL.split('').flatMap((c) => [dtmfTone(c, ms, spec), silence(gapMs)])]);
}

const dir = mkdtempSync(path.join(tmpdir(), 'vm-dtmf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('all 16 digits are detected once, at every block alignment and frame size', () => {
  for (const c of ALL) {
    for (const offset of OFFSETS) {
      for (const frame of [160, 80, 1, 333]) {
        const got = detect(toPcm(lone(c, 100, offset)), frame);
        assert.equal(digits(got), c, `digit ${c} offset ${offset} frame ${frame}`);
        assert.ok(Math.abs(got[0]!.durationMs - 100) <= 13, `duration ${got[0]!.durationMs}`);
        assert.ok(Math.abs(got[0]!.at - offset / 8) <= 13, `at ${got[0]!.at}`);
      }
    }
  }
});

test('"1234567890*#ABCD" with 50 ms tones and 50 ms gaps is detected exactly, with times', () => {
  const got = detect(toPcm(sequence(50, 50)), 160, { startMs: 1000 });
  assert.equal(digits(got), ALL);
  got.forEach((e, i) => {
    assert.equal(e.source, 'inband');
    assert.ok(Math.abs(e.at - (1000 + 50 + i * 100)) <= 8, `at ${e.at}`);
    assert.ok(e.durationMs >= 40 && e.durationMs <= 58, `duration ${e.durationMs}`);
  });
});

test('Q.24 timing: 40 ms tones are accepted, tones under 23 ms rejected', () => {
  for (const c of ALL) {
    for (const offset of OFFSETS) {
      assert.equal(digits(detect(toPcm(lone(c, 40, offset)))), c, `40 ms ${c} @${offset}`);
      assert.equal(digits(detect(toPcm(lone(c, 20, offset)))), '', `20 ms ${c} @${offset}`);
      assert.equal(digits(detect(toPcm(lone(c, 22, offset)))), '', `22 ms ${c} @${offset}`);
    }
  }
  // Forty 20 ms tones with 20 ms gaps: nothing either (not one long tone).
  const burst = concat(Array.from({ length: 40 }, () => [dtmfTone('5', 20), silence(20)]).flat());
  assert.equal(digits(detect(toPcm(burst))), '');
});

test('Q.24 timing: a 10 ms interruption is bridged; a 40 ms pause separates two digits', () => {
  for (const offset of OFFSETS) {
    const bridged = concat([silence(offset / 8), dtmfTone('8', 60), silence(10), dtmfTone('8', 60), silence(80)]);
    assert.equal(digits(detect(toPcm(bridged))), '8', `10 ms break @${offset}`);
    const two = concat([silence(offset / 8), dtmfTone('8', 50), silence(40), dtmfTone('8', 50), silence(80)]);
    assert.equal(digits(detect(toPcm(two))), '88', `40 ms pause @${offset}`);
  }
  const held = detect(toPcm(concat([dtmfTone('#', 3000), silence(100)])));
  assert.equal(digits(held), '#', 'a 3 s press is one digit');
  assert.ok(Math.abs(held[0]!.durationMs - 3000) <= 13);
});

test('twist: 6 dB normal and 3 dB reverse accepted; 11 dB normal and 7 dB reverse rejected; limits configurable', () => {
  for (const c of ALL) {
    for (const offset of [0, 25]) {
      assert.equal(digits(detect(toPcm(lone(c, 60, offset, { lowDbfs: -6, highDbfs: -12 })))), c, `normal 6 dB ${c}`);
      assert.equal(digits(detect(toPcm(lone(c, 60, offset, { lowDbfs: -11, highDbfs: -8 })))), c, `reverse 3 dB ${c}`);
      assert.equal(digits(detect(toPcm(lone(c, 60, offset, { lowDbfs: -6, highDbfs: -17 })))), '', `normal 11 dB ${c}`);
      assert.equal(digits(detect(toPcm(lone(c, 60, offset, { lowDbfs: -15, highDbfs: -8 })))), '', `reverse 7 dB ${c}`);
    }
  }
  const wide = { normalTwistDb: 14, reverseTwistDb: 10 };
  assert.equal(digits(detect(toPcm(lone('5', 60, 0, { lowDbfs: -6, highDbfs: -17 })), 160, wide)), '5');
  assert.equal(digits(detect(toPcm(lone('5', 60, 0, { lowDbfs: -15, highDbfs: -8 })), 160, wide)), '5');
});

test('frequency tolerance: ±1.5% accepted, ±3.5% rejected (also with 15 dB SNR)', () => {
  for (const c of ALL) {
    for (const offset of [0, 25]) {
      for (const [scale, want] of [[1.015, c], [0.985, c], [1.035, ''], [0.965, '']] as const) {
        const x = lone(c, 60, offset, { freqScale: scale });
        assert.equal(digits(detect(toPcm(x))), want, `${c} ×${scale}`);
        const noisy = addNoise(x, 15, power(dtmfTone(c, 60)), offset + 3);
        assert.equal(digits(detect(toPcm(noisy))), want, `${c} ×${scale} with noise`);
      }
    }
  }
});

test('minimum level: −30 dBFS tones detected, −40 dBFS not (default −33 dBFS ≈ −30 dBm0)', () => {
  assert.equal(digits(detect(toPcm(sequence(50, 50, { lowDbfs: -31, highDbfs: -30 })))), ALL);
  assert.equal(digits(detect(toPcm(sequence(50, 50, { lowDbfs: -40, highDbfs: -40 })))), '');
  assert.equal(digits(detect(toPcm(sequence(50, 50, { lowDbfs: -40, highDbfs: -40 })), 160, { minLevelDbfs: -45 })), ALL);
});

test('with white noise at 15 dB SNR the sequence is still detected exactly', () => {
  const clean = sequence(50, 50);
  const tonePower = power(dtmfTone('5', 50));
  for (let seed = 1; seed <= 5; seed++) {
    assert.equal(digits(detect(toPcm(addNoise(clean, 15, tonePower, seed)))), ALL, `seed ${seed}`);
  }
});

test('through G.711 µ-law (our encoder, quiet tones) the sequence is detected exactly', () => {
  for (const level of [-8, -20, -28]) {
    const x = sequence(50, 50, { lowDbfs: level - 2, highDbfs: level });
    assert.equal(digits(detect(throughUlaw(toPcm(x)))), ALL, `level ${level} dBFS`);
  }
});

test('tones made by sox (µ-law WAV, 60 ms tones, 60 ms gaps) are detected exactly', () => {
  requireTool('sox');
  const files: string[] = [];
  const gap = path.join(dir, 'gap.wav');
  sox(['-n', '-r', '8000', '-c', '1', '-b', '16', gap, 'trim', '0', '0.06']);
  files.push(gap);
  for (const [i, c] of ALL.split('').entries()) {
    const [lo, hi] = DIGIT_FREQS[c]!;
    const f = path.join(dir, `d${i}.wav`);
    // Two sine channels mixed to one (remix 1,2), then −6 dB.
    sox(['-n', '-r', '8000', '-b', '16', f, 'synth', '0.06', 'sine', String(lo), 'sine', String(hi), 'remix', '1,2', 'vol', '0.5']);
    files.push(f, gap);
  }
  const seq = path.join(dir, 'seq.wav');
  sox([...files, '-r', '8000', '-c', '1', '-e', 'u-law', '-b', '8', seq]);
  assert.equal(digits(detect(readAs8kPcm(seq))), ALL);
  // And one sox tone with added sox white noise.
  const noisy = path.join(dir, 'noisy.wav');
  sox(['-n', '-r', '8000', '-b', '16', noisy, 'synth', '0.1', 'sine', '852', 'sine', '1477', 'whitenoise', 'remix', '1v0.4,2v0.4,3v0.03']);
  assert.equal(digits(detect(readAs8kPcm(noisy))), '9');
});

test('cost: µs per 20 ms frame (logged, not asserted)', () => {
  const r = rng(42);
  // Loud random audio: every half-block goes through the filters (worst case).
  const noise = new Int16Array(8000 * 20);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.round((r() - 0.5) * 20000);
  const tones = toPcm(concat(Array.from({ length: 20 }, () => sequence(50, 50)).flat()));
  const quiet = new Int16Array(8000 * 20);
  const measure = (pcm: Int16Array): number => {
    const d = new InbandDtmfDetector();
    const t0 = performance.now();
    for (let i = 0; i < pcm.length; i += 160) d.process(pcm.subarray(i, i + 160));
    return ((performance.now() - t0) * 1000) / (pcm.length / 160);
  };
  measure(noise); // warm up the JIT
  const perFrame = { loudNoise: measure(noise), dtmf: measure(tones), silence: measure(quiet) };
  const callsPerCore = 1e6 / (50 * perFrame.loudNoise);
  console.log(
    `inband DTMF cost per 20 ms frame: loud noise ${perFrame.loudNoise.toFixed(2)} µs, DTMF ${perFrame.dtmf.toFixed(2)} µs, ` +
      `silence ${perFrame.silence.toFixed(2)} µs → ~${Math.round(callsPerCore)} calls per core of detection alone`,
  );
  assert.ok(Number.isFinite(perFrame.loudNoise));
});

test('process() accepts empty frames and flush() twice reports once', () => {
  const d = new InbandDtmfDetector();
  assert.deepEqual(d.process(new Int16Array(0)), []);
  d.process(toPcm(dtmfTone('3', 200)));
  assert.equal(digits(d.flush()), '3');
  assert.deepEqual(d.flush(), []);
});
