/**
 * The committed prompts are telephone-ready: every catalog name exists in every
 * language as an 8 kHz 16-bit mono WAV, is a plausible length, does not clip, starts
 * and ends on silence, and actually contains speech. Then: the loader refuses a
 * missing or broken file with VM_PROMPT_MISSING, and the script's catalog matches ours.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseWav, toWav } from '../../../../src/media/index.js';
import { VoxmailError } from '../../../../src/shared/errors.js';
import { LANGUAGES } from '../../../../src/voicemail/model.js';
import { BUILTIN_PROMPTS_DIR, BuiltinPrompts, loadBuiltinPrompts } from '../../../../src/voicemail/prompts/builtin-prompts.js';
import { PROMPT_NAMES } from '../../../../src/voicemail/prompts/prompt-names.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const PROMPTS = path.join(REPO, 'prompts');
const RATE = 8000;
const FULL_SCALE = 32768;

function peak(x: Int16Array, from = 0, to = x.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(x[i]!));
  return m;
}

function rmsDbfs(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return 20 * Math.log10(Math.sqrt(s / x.length) / FULL_SCALE);
}

describe('built-in prompt files', () => {
  let prompts: BuiltinPrompts;
  before(async () => {
    prompts = await loadBuiltinPrompts();
  });

  it('are found from the module: BUILTIN_PROMPTS_DIR is <repo>/prompts/', () => {
    assert.equal(fileURLToPath(BUILTIN_PROMPTS_DIR), PROMPTS + path.sep);
  });

  for (const language of LANGUAGES) {
    for (const name of PROMPT_NAMES) {
      it(`${language}/${name}.wav is 8 kHz 16-bit mono speech, 0.5–8 s, unclipped, silent at both ends`, async () => {
        const file = await readFile(path.join(PROMPTS, language, `${name}.wav`));
        const wav = parseWav(file);
        assert.ok(wav.ok, wav.ok ? '' : wav.error);
        assert.equal(wav.value.sampleRate, RATE);
        assert.equal(wav.value.channels, 1);
        assert.equal(wav.value.format, 'pcm-s16');
        assert.equal(wav.value.truncated, false);

        const x = prompts.get(name, language);
        assert.deepEqual(x, wav.value.samples, 'the loader serves the file as decoded');
        const seconds = x.length / RATE;
        assert.ok(seconds >= 0.5 && seconds <= 8, `duration ${seconds} s`);

        // Normalised to about -3 dBFS peak: loud enough, and never at full scale.
        const p = peak(x);
        assert.ok(p < 32767, `peak ${p} reaches full scale (clipping)`);
        assert.ok(p > 0.5 * FULL_SCALE && p < 0.8 * FULL_SCALE, `peak ${p} is not near -3 dBFS`);
        assert.ok(rmsDbfs(x) > -35, `RMS ${rmsDbfs(x).toFixed(1)} dBFS: too quiet to be speech`);

        // Starts and ends on silence: the first and last 50 ms are (near) zero, so a
        // prompt queued after another joins it without a click.
        const edge = 0.05 * RATE;
        assert.ok(peak(x, 0, edge) < 100, `first 50 ms peak ${peak(x, 0, edge)}`);
        assert.ok(peak(x, x.length - edge) < 100, `last 50 ms peak ${peak(x, x.length - edge)}`);
        // ... and speech is not cut: there is sound inside the first and last 400 ms.
        assert.ok(peak(x, 0, 0.4 * RATE) > 1000, 'no speech in the first 400 ms (over-long lead silence?)');
        assert.ok(peak(x, x.length - 0.4 * RATE) > 1000, 'no speech in the last 400 ms (over-long tail?)');
      });
    }
  }

  it('hold nothing outside the catalog (a renamed phrase leaves no stale file)', async () => {
    for (const language of LANGUAGES) {
      const files = (await readdir(path.join(PROMPTS, language))).sort();
      assert.deepEqual(files, PROMPT_NAMES.map((n) => `${n}.wav`).sort(), language);
    }
  });

  it('are the phrases scripts/make-prompts.sh makes (same names)', async () => {
    const script = await readFile(path.join(REPO, 'scripts', 'make-prompts.sh'), 'utf8');
    const names = [...script.matchAll(/^\s*'([a-z-]+)\|[^|]+\|[^|]+'$/gm)].map((m) => m[1]);
    assert.deepEqual(names.sort(), [...PROMPT_NAMES].sort());
  });

  it('differ between languages (the Russian file is not the English one)', () => {
    for (const name of PROMPT_NAMES) assert.notDeepEqual(prompts.get(name, 'ru'), prompts.get(name, 'en'), name);
  });
});

describe('loadBuiltinPrompts', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'voxmail-prompts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A copy of the real catalog in a fresh directory, to break one file in. */
  async function copyCatalog(name: string): Promise<string> {
    const target = path.join(dir, name);
    for (const language of LANGUAGES) {
      await mkdir(path.join(target, language), { recursive: true });
      for (const n of PROMPT_NAMES) await copyFile(path.join(PROMPTS, language, `${n}.wav`), path.join(target, language, `${n}.wav`));
    }
    return target;
  }

  async function rejection(p: Promise<unknown>): Promise<VoxmailError> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof VoxmailError, String(e));
      return e;
    }
    assert.fail('expected a rejection');
  }

  it('loads once per process: the same catalog object every time', async () => {
    const a = await loadBuiltinPrompts();
    const b = await loadBuiltinPrompts(BUILTIN_PROMPTS_DIR);
    assert.equal(a, b);
  });

  it('accepts a plain path as well as a file: URL', async () => {
    const copy = await copyCatalog('plain-path');
    const prompts = await BuiltinPrompts.load(copy);
    assert.deepEqual(prompts.get('goodbye', 'ru'), (await loadBuiltinPrompts()).get('goodbye', 'ru'));
  });

  it('refuses to start with a missing file, naming it', async () => {
    const copy = await copyCatalog('missing');
    await rm(path.join(copy, 'ru', 'goodbye.wav'));
    const e = await rejection(BuiltinPrompts.load(copy));
    assert.equal(e.code, 'VM_PROMPT_MISSING');
    assert.match(e.message, /ru\/goodbye\.wav \(missing\)/);
    assert.match(e.message, /scripts\/make-prompts\.sh/);
  });

  it('refuses a file that is not a WAV or holds no audio, naming every bad file', async () => {
    const copy = await copyCatalog('broken');
    await writeFile(path.join(copy, 'en', 'mailbox-full.wav'), 'ID3\x04 this is an mp3, honest');
    await writeFile(path.join(copy, 'ru', 'call-later.wav'), toWav(new Int16Array(0)));
    const e = await rejection(BuiltinPrompts.load(copy));
    assert.equal(e.code, 'VM_PROMPT_MISSING');
    assert.match(e.message, /^2 built-in prompt/);
    assert.match(e.message, /en\/mailbox-full\.wav \(not a RIFF\/WAVE file\)/);
    assert.match(e.message, /ru\/call-later\.wav \(no audio\)/);
  });

  it('does not cache a failed load: fixing the files and retrying works', async () => {
    const copy = await copyCatalog('retry');
    const victim = path.join(copy, 'en', 'goodbye.wav');
    await rm(victim);
    const e = await rejection(loadBuiltinPrompts(copy));
    assert.equal(e.code, 'VM_PROMPT_MISSING');
    await copyFile(path.join(PROMPTS, 'en', 'goodbye.wav'), victim);
    const prompts = await loadBuiltinPrompts(copy);
    assert.ok(prompts.get('goodbye', 'en').length > 0);
  });

  it('resamples a built-in at another rate to 8 kHz', async () => {
    const copy = await copyCatalog('resampled');
    const original = (await loadBuiltinPrompts()).get('goodbye', 'en');
    // The same audio doubled up to 16 kHz (sample-and-hold is enough to test the rate).
    const doubled = new Int16Array(original.length * 2);
    for (let i = 0; i < doubled.length; i++) doubled[i] = original[i >> 1]!;
    await writeFile(path.join(copy, 'en', 'goodbye.wav'), toWav(doubled, 16000));
    const prompts = await BuiltinPrompts.load(copy);
    assert.equal(prompts.get('goodbye', 'en').length, original.length);
  });
});
