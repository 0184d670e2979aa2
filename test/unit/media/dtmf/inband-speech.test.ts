/**
 * Talk-off: speech and music must give no digits. Several minutes of espeak-ng speech
 * in Russian and English (prose, numbers read aloud, sustained sung vowels at five
 * pitches) are synthesized at test time, converted to 8 kHz by sox, and run through the
 * detector, as spoken and through G.711 µ-law. Missing tools fail the test.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { DtmfEvent } from '../../../../src/media/dtmf/digit.js';
import { InbandDtmfDetector } from '../../../../src/media/dtmf/inband-detector.js';
import { readAs8kPcm, requireTool, sox, speak } from './audio-tools.js';
import { DIGIT_FREQS, amp, concat, dtmfTone, silence, sines, throughUlaw, toPcm, twoSines } from './signals.js';
import { SPEECH_CLIPS } from './speech-corpus.js';

interface Run {
  readonly digits: DtmfEvent[];
  readonly hitWindows: number;
}

function run(pcm: Int16Array): Run {
  const d = new InbandDtmfDetector();
  const digits: DtmfEvent[] = [];
  for (let i = 0; i < pcm.length; i += 160) digits.push(...d.process(pcm.subarray(i, i + 160)));
  digits.push(...d.flush());
  return { digits, hitWindows: d.stats.hitWindows };
}

const dir = mkdtempSync(path.join(tmpdir(), 'vm-dtmf-speech-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Clip {
  readonly name: string;
  readonly voice: string;
  readonly pcm: Int16Array;
}
let clips: Clip[] = [];

before(() => {
  requireTool('espeak-ng');
  requireTool('sox');
  clips = SPEECH_CLIPS.map((c, i) => ({ name: `${c.voice} -s ${c.speed} -p ${c.pitch} #${i}`, voice: c.voice, pcm: speak(dir, `clip${i}`, c) }));
});

test('≥ 3 minutes of ru + en espeak-ng speech give 0 digits (as spoken and through µ-law)', () => {
  let samples = 0;
  let ru = 0;
  let hitWindows = 0;
  const found: string[] = [];
  for (const clip of clips) {
    assert.ok(clip.pcm.length > 8000, `${clip.name}: espeak-ng produced audio`);
    samples += clip.pcm.length;
    if (clip.voice.startsWith('ru')) ru += clip.pcm.length;
    for (const [how, pcm] of [['pcm', clip.pcm], ['µ-law', throughUlaw(clip.pcm)]] as const) {
      const r = run(pcm);
      hitWindows += r.hitWindows;
      for (const e of r.digits) found.push(`${e.digit} at ${(e.at / 1000).toFixed(2)} s in ${clip.name} (${how})`);
    }
  }
  const minutes = samples / 8000 / 60;
  console.log(
    `talk-off: ${minutes.toFixed(1)} min of speech (ru ${(ru / 8000 / 60).toFixed(1)}, en ${((samples - ru) / 8000 / 60).toFixed(1)}), ` +
      `each as 16-bit PCM and through µ-law: ${found.length} false digits; ${hitWindows} single 12.75 ms windows passed the spectral tests (4 in a row make a digit)`,
  );
  assert.ok(minutes >= 3, `only ${minutes.toFixed(1)} min of speech`);
  assert.ok(ru / samples > 0.3 && ru / samples < 0.7, 'both languages in good measure');
  assert.deepEqual(found, []);
});

test('music-like chords, single DTMF frequencies and off-grid pairs give 0 digits', () => {
  const a = amp(-10);
  const signals: Array<[string, Float64Array]> = [
    ['A major chord', sines([440, 554.37, 659.25], 2000, a)],
    ['C major 7 chord', sines([523.25, 659.25, 783.99, 987.77], 2000, a)],
    ['open fifths near DTMF', sines([700 * 1.05, 1050], 2000, a)],
    ['organ: 220 Hz with 8 harmonics', sines([220, 440, 660, 880, 1100, 1320, 1540, 1760], 2000, a / 2)],
    ['low group pair 697+852', twoSines(697, 852, 500, a, a)],
    ['high group pair 1209+1477', twoSines(1209, 1477, 500, a, a)],
    ['pair 6% off (738+1282)', twoSines(697 * 1.06, 1209 * 1.06, 500, a, a)],
    ['pair 4% low (669+1282)', twoSines(697 * 0.96, 1336 * 0.96, 500, a, a)],
  ];
  for (const f of Object.values(DIGIT_FREQS).flat()) signals.push([`single ${f} Hz`, sines([f], 500, a)]);
  // A tone + its own strong second harmonic (a distorted tone, not DTMF).
  signals.push(['770+1336 with 2nd harmonics', concat([sines([770, 1336, 1540, 2672], 300, a)])]);
  for (const [name, x] of signals) assert.equal(run(toPcm(x)).digits.length, 0, name);
});

test('our recording beep (1 kHz, 0.4 s, made by sox) gives 0 digits', () => {
  const beep = path.join(dir, 'beep.wav');
  sox(['-n', '-r', '8000', '-c', '1', '-b', '16', beep, 'synth', '0.4', 'sine', '1000', 'vol', '0.5', 'fade', '0.01', '0.4', '0.01']);
  assert.equal(run(readAs8kPcm(beep)).digits.length, 0);
  assert.equal(run(toPcm(concat([sines([1000], 400, amp(-3)), silence(100), sines([1000], 400, amp(-20))]))).digits.length, 0);
});

test('a real digit between speech clips is still found (the detector is not simply deaf)', () => {
  const speech = clips[0]!.pcm.subarray(0, 8000 * 3);
  const tone = toPcm(concat([silence(100), dtmfTone('#', 80), silence(100)]));
  const joined = new Int16Array(speech.length * 2 + tone.length);
  joined.set(speech, 0);
  joined.set(tone, speech.length);
  joined.set(speech, speech.length + tone.length);
  assert.deepEqual(
    run(joined).digits.map((e) => e.digit),
    ['#'],
  );
});
