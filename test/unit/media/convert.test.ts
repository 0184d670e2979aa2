/**
 * The upload converter against real files made at test time by SoX and ffmpeg (the
 * formats people upload and browsers record): the output is always 8 kHz mono 16-bit
 * WAV of the right length, a 1 kHz sine is still a 1 kHz sine, the level is normalised,
 * and what is not usable audio is refused with a reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseWav } from '../../../src/media/audio/wav.js';
import { FfmpegAudioConverter, measureLoudness, TARGET_LOUDNESS, type ConvertResult } from '../../../src/media/convert/index.js';

let dir: string;
const converter = new FfmpegAudioConverter();
const file = (name: string): string => join(dir, name);
const sox = (args: readonly string[]): void => void execFileSync('sox', ['-D', ...args], { stdio: 'pipe' });
const ffmpeg = (args: readonly string[]): void => void execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: 'pipe' });

/** A 1 kHz sine of `seconds` at `rate`, `channels`, as `sox` output options say. */
function sine(name: string, seconds: number, outOptions: readonly string[], level = -6): Buffer {
  sox(['-n', ...outOptions, file(name), 'synth', String(seconds), 'sine', '1000', 'gain', String(level)]);
  return readFileSync(file(name));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'voxmail-convert-'));
  // The source every compressed format is made from: 48 kHz stereo, 2 s.
  sine('src.wav', 2, ['-r', '48000', '-c', '2', '-b', '16']);
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Decoded {
  readonly samples: Int16Array;
  readonly durationMs: number;
}

function accepted(r: ConvertResult): Decoded {
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.message}`);
  const wav = parseWav(r.audio.wav);
  assert.ok(wav.ok, 'a WAV we read');
  assert.equal(wav.value.sampleRate, 8000);
  assert.equal(wav.value.channels, 1);
  assert.equal(wav.value.format, 'pcm-s16');
  // The header says 16-bit PCM mono 8 kHz, byte for byte.
  assert.equal(r.audio.wav.readUInt16LE(20), 1);
  assert.equal(r.audio.wav.readUInt16LE(22), 1);
  assert.equal(r.audio.wav.readUInt32LE(24), 8000);
  assert.equal(r.audio.wav.readUInt16LE(34), 16);
  assert.equal(r.audio.durationMs, Math.round(wav.value.samples.length / 8));
  return { samples: wav.value.samples, durationMs: r.audio.durationMs };
}

/** Frequency from zero crossings over the middle of the signal (away from fades and codec delay). */
function frequency(samples: Int16Array): number {
  const part = samples.subarray(Math.floor(samples.length * 0.2), Math.floor(samples.length * 0.8));
  let crossings = 0;
  for (let i = 1; i < part.length; i++) if ((part[i - 1]! < 0) !== (part[i]! < 0)) crossings++;
  return (crossings / 2) * (8000 / part.length);
}

function loudness(samples: Int16Array): number {
  return measureLoudness(Float32Array.from(samples, (v) => v / 32768)).integrated;
}

function assertSine(d: Decoded, seconds: number): void {
  assert.ok(Math.abs(d.durationMs - seconds * 1000) <= 50, `duration ${String(d.durationMs)} ms, want ${String(seconds * 1000)} ± 50`);
  const f = frequency(d.samples);
  assert.ok(Math.abs(f - 1000) < 10, `frequency ${f.toFixed(1)} Hz`);
  const l = loudness(d.samples);
  assert.ok(Math.abs(l - TARGET_LOUDNESS) < 1.5, `loudness ${l.toFixed(1)}`);
}

describe('formats people upload', () => {
  const cases: [string, () => Buffer][] = [
    ['WAV 44.1 kHz 24-bit stereo', () => sine('s24.wav', 2, ['-r', '44100', '-c', '2', '-b', '24'])],
    ['WAV 16 kHz 32-bit float', () => sine('f32.wav', 2, ['-r', '16000', '-c', '1', '-e', 'floating-point', '-b', '32'])],
    ['WAV 8 kHz 8-bit unsigned', () => sine('u8.wav', 2, ['-r', '8000', '-c', '1', '-e', 'unsigned-integer', '-b', '8'])],
    ['WAV 32-bit int', () => sine('s32.wav', 2, ['-r', '22050', '-c', '1', '-b', '32'])],
    ['WAV µ-law', () => sine('ulaw.wav', 2, ['-r', '8000', '-c', '1', '-e', 'u-law'])],
    ['WAV A-law', () => sine('alaw.wav', 2, ['-r', '8000', '-c', '1', '-e', 'a-law'])],
    ['MP3', () => (ffmpeg(['-i', file('src.wav'), '-c:a', 'libmp3lame', '-b:a', '64k', file('a.mp3')]), readFileSync(file('a.mp3')))],
    ['OGG/Vorbis', () => (ffmpeg(['-i', file('src.wav'), '-c:a', 'libvorbis', file('v.ogg')]), readFileSync(file('v.ogg')))],
    ['OGG/Opus', () => (ffmpeg(['-i', file('src.wav'), '-c:a', 'libopus', '-b:a', '32k', file('o.opus')]), readFileSync(file('o.opus')))],
    // What Chromium's MediaRecorder makes: WebM (Matroska) with Opus at 48 kHz.
    ['WebM/Opus', () => (ffmpeg(['-i', file('src.wav'), '-c:a', 'libopus', '-b:a', '32k', '-f', 'webm', file('r.webm')]), readFileSync(file('r.webm')))],
  ];
  for (const [name, make] of cases) {
    it(`${name} → 8 kHz mono 16-bit, same length, still 1 kHz, normalised`, async () => {
      assertSine(accepted(await converter.convert(make(), { maxMs: 60_000 })), 2);
    });
  }

  it('a quiet recording is raised, a loud one lowered, neither clips', async () => {
    const quiet = accepted(await converter.convert(sine('quiet.wav', 1, ['-r', '8000', '-c', '1', '-b', '16'], -40), { maxMs: 60_000 }));
    const loud = accepted(await converter.convert(sine('loud.wav', 1, ['-r', '8000', '-c', '1', '-b', '16'], -0.1), { maxMs: 60_000 }));
    for (const d of [quiet, loud]) {
      assert.ok(Math.abs(loudness(d.samples) - TARGET_LOUDNESS) < 1.5);
      assert.ok(Math.max(...d.samples.map(Math.abs)) < 32000);
    }
  });
});

describe('refusals say what is wrong', () => {
  it('junk bytes → unsupported', async () => {
    const junk = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7919) % 251));
    const r = await converter.convert(junk, { maxMs: 60_000 });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'unsupported');
  });

  it('an image → unsupported, naming what was found', async () => {
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=red:s=16x16', '-frames:v', '1', file('red.png')]);
    const r = await converter.convert(readFileSync(file('red.png')), { maxMs: 60_000 });
    assert.ok(!r.ok && r.code === 'unsupported', JSON.stringify(r));
    assert.match(r.message, /png/i);
  });

  it('a video without sound → unsupported: no audio stream', async () => {
    ffmpeg(['-f', 'lavfi', '-i', 'color=c=blue:s=32x32:d=1', '-c:v', 'libvpx-vp9', '-f', 'webm', file('mute.webm')]);
    const r = await converter.convert(readFileSync(file('mute.webm')), { maxMs: 60_000 });
    assert.ok(!r.ok && r.code === 'unsupported', JSON.stringify(r));
    assert.match(r.message, /no audio/);
  });

  it('digital silence, and line noise far below speech → empty', async () => {
    sox(['-n', '-r', '8000', '-c', '1', '-b', '16', file('silence.wav'), 'trim', '0', '3']);
    const silent = await converter.convert(readFileSync(file('silence.wav')), { maxMs: 60_000 });
    assert.ok(!silent.ok && silent.code === 'empty', JSON.stringify(silent));
    sox(['-n', '-r', '8000', '-c', '1', '-b', '16', file('hiss.wav'), 'synth', '3', 'whitenoise', 'gain', '-65']);
    const hiss = await converter.convert(readFileSync(file('hiss.wav')), { maxMs: 60_000 });
    assert.ok(!hiss.ok && hiss.code === 'empty', JSON.stringify(hiss));
    assert.match(hiss.message, /no sound/);
  });

  it('shorter than 0.3 s → empty; an empty file → empty', async () => {
    const r = await converter.convert(sine('short.wav', 0.2, ['-r', '8000', '-c', '1', '-b', '16']), { maxMs: 60_000 });
    assert.ok(!r.ok && r.code === 'empty', JSON.stringify(r));
    assert.match(r.message, /200 ms/);
    const none = await converter.convert(Buffer.alloc(0), { maxMs: 60_000 });
    assert.ok(!none.ok && none.code === 'empty');
  });

  it('longer than maxMs → too-long, with the length found and the limit', async () => {
    const r = await converter.convert(sine('long.wav', 12, ['-r', '8000', '-c', '1', '-b', '16']), { maxMs: 10_000 });
    assert.ok(!r.ok && r.code === 'too-long', JSON.stringify(r));
    assert.match(r.message, /12\.0 s/);
    assert.match(r.message, /10\.0 s/);
    // A piped MP3 has no duration in its header: the message still gives a lower bound.
    ffmpeg(['-i', file('long.wav'), '-c:a', 'libmp3lame', file('long.mp3')]);
    const mp3 = await converter.convert(readFileSync(file('long.mp3')), { maxMs: 10_000 });
    assert.ok(!mp3.ok && mp3.code === 'too-long', JSON.stringify(mp3));
  });
});

describe('bounded', () => {
  it('at most 2 processes at once; the rest wait in order', async () => {
    const input = sine('q.wav', 1, ['-r', '8000', '-c', '1', '-b', '16']);
    const c = new FfmpegAudioConverter({ concurrency: 2 });
    const all = Array.from({ length: 5 }, () => c.convert(input, { maxMs: 60_000 }));
    assert.deepEqual(c.load, { running: 2, waiting: 3 });
    const results = await Promise.all(all);
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual(c.load, { running: 0, waiting: 0 });
  });

  it('an aborted conversion rejects and frees its slot', async () => {
    const input = sine('a.wav', 1, ['-r', '8000', '-c', '1', '-b', '16']);
    const c = new FfmpegAudioConverter({ concurrency: 1 });
    const first = c.convert(input, { maxMs: 60_000 });
    const controller = new AbortController();
    const second = c.convert(input, { maxMs: 60_000, signal: controller.signal });
    controller.abort();
    await assert.rejects(second);
    assert.ok((await first).ok);
    assert.deepEqual(c.load, { running: 0, waiting: 0 });
  });
});

describe('speak', () => {
  for (const language of ['en', 'ru'] as const) {
    it(`${language}: espeak-ng speech as 8 kHz mono WAV`, async () => {
      const text = language === 'en' ? 'Hello, this is Alice. Please leave a message.' : 'Здравствуйте, это Алиса. Оставьте сообщение.';
      const d = accepted(await converter.speak(text, language));
      assert.ok(d.durationMs > 1500 && d.durationMs < 8000, `${String(d.durationMs)} ms`);
      // Speech peaks high above its loudness: the peak ceiling may keep it a little under the target.
      const l = loudness(d.samples);
      assert.ok(l > TARGET_LOUDNESS - 6 && l < TARGET_LOUDNESS + 1, `loudness ${l.toFixed(1)}`);
    });
  }

  it('text starting with "-" is spoken, not taken as an option', async () => {
    const d = accepted(await converter.speak('-v xx --help', 'en'));
    assert.ok(d.durationMs > 500);
  });
});
