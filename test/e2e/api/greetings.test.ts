/**
 * Greetings and the custom warning over real HTTP: uploads in the formats browsers and
 * people send (MP3, WebM/Opus made by ffmpeg here), text to speech, delete, previews,
 * refusals (415, 422, 413), scope (404 like a missing mailbox), the audit — and that the
 * PromptResolver, used as the call flow uses it, plays the new greeting right away.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeWavTo8k, parseWav } from '../../../src/media/index.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { flowPrompts } from '../../../src/voicemail/call/flow-prompts.js';
import { loadBuiltinPrompts } from '../../../src/voicemail/prompts/builtin-prompts.js';
import { PromptResolver } from '../../../src/voicemail/prompts/prompt-resolver.js';
import { call, type ErrorJson, type Harness, json, Sessions, startHarness } from './harness.js';

interface MailboxJson {
  greetings: Record<string, { mode: string; custom: boolean }>;
  warningMode: string;
  customWarning: boolean;
}

let h: Harness;
let dir: string;
const sessions = new Sessions();
const as = sessions.as;
const file = (n: string): string => join(dir, n);
const ffmpeg = (args: readonly string[]): void => void execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { stdio: 'pipe' });

/** A 1 kHz tone of `seconds` encoded by ffmpeg (`codecArgs`), read back. */
function tone(name: string, seconds: number, codecArgs: readonly string[]): Buffer {
  ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=48000:duration=${String(seconds)}`, ...codecArgs, file(name)]);
  return readFileSync(file(name));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'voxmail-greetings-'));
  h = await startHarness();
  await sessions.logIn(h);
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(user: string, path: string, data: Buffer, field = 'audio', type = 'application/octet-stream'): Promise<Response> {
  const form = new FormData();
  form.append(field, new Blob([data], { type }), 'upload.bin');
  return fetch(`${h.base}${path}`, { method: 'PUT', headers: { cookie: as(user).cookie, 'x-csrf-token': as(user).csrf }, body: form });
}

async function preview(user: string, path: string): Promise<{ samples: Int16Array; rate: number; channels: number }> {
  const r = await call(h, path, { session: as(user) });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'audio/wav');
  const wav = parseWav(Buffer.from(await r.arrayBuffer()));
  assert.ok(wav.ok);
  return { samples: wav.value.samples, rate: wav.value.sampleRate, channels: wav.value.channels };
}

async function errorOf(r: Response, status: number): Promise<ErrorJson['error']> {
  const text = await r.text();
  assert.equal(r.status, status, text);
  return (JSON.parse(text) as ErrorJson).error;
}

async function builtin(name: 'greeting-busy' | 'warning-standard', language: 'en' | 'ru'): Promise<Int16Array> {
  return (await loadBuiltinPrompts()).get(name, language);
}

describe('greetings', () => {
  test('MP3 upload → preview is an 8 kHz mono WAV of the right length; audited; the old object is deleted on replace', async () => {
    const r = await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', tone('g.mp3', 3, ['-c:a', 'libmp3lame']));
    assert.equal(r.status, 200, await r.clone().text());
    const m = await json<MailboxJson>(r);
    assert.equal(m.greetings.busy?.custom, true);
    assert.equal(m.greetings['no-answer']?.custom, false);
    const p = await preview('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy/audio');
    assert.deepEqual([p.rate, p.channels], [8000, 1]);
    assert.ok(Math.abs(p.samples.length / 8 - 3000) <= 50, `${String(p.samples.length / 8)} ms`);
    const firstKey = (await h.stores.store.mailboxes.get('acme', '100'))!.greetings.busy.audioKey!;
    assert.match(firstKey, /^greetings\/acme\/100\/busy-/);

    const again = await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', tone('g2.mp3', 2, ['-c:a', 'libmp3lame']));
    assert.equal(again.status, 200);
    const secondKey = (await h.stores.store.mailboxes.get('acme', '100'))!.greetings.busy.audioKey!;
    assert.notEqual(secondKey, firstKey);
    assert.equal(await h.stores.audio.get(firstKey), null, 'the old greeting is deleted');
    const rows = await h.stores.store.audit.list({ action: 'setting.change', target: 'mailbox:100', limit: 50 });
    assert.equal(rows.filter((e) => JSON.parse(e.detail ?? '{}').setting === 'greetings.busy.audio').length, 2);
    assert.deepEqual(JSON.parse(rows[0]!.detail!), { mailbox: '100', setting: 'greetings.busy.audio' });
  });

  test('WebM/Opus (what MediaRecorder makes) → 8 kHz WAV of the right length', async () => {
    const r = await upload('acme-admin', '/api/v1/mailboxes/101/greetings/no-answer', tone('g.webm', 2.5, ['-c:a', 'libopus', '-f', 'webm']), 'audio', 'audio/webm;codecs=opus');
    assert.equal(r.status, 200, await r.clone().text());
    const p = await preview('bob', '/api/v1/mailboxes/101/greetings/no-answer/audio');
    assert.ok(Math.abs(p.samples.length / 8 - 2500) <= 50);
  });

  test('the PromptResolver, used as the call flow uses it, plays the new greeting right after the upload', async () => {
    const resolver = new PromptResolver({ store: h.stores.audio, builtins: await loadBuiltinPrompts(), logger: silentLogger() });
    const prompts = flowPrompts(resolver);
    // A call before the change warms the cache with the current greeting.
    const before = await prompts.greeting((await h.stores.store.mailboxes.get('acme', '100'))!, 'unavailable');
    assert.deepEqual(before, await builtin('greeting-busy', 'en').then(async () => (await loadBuiltinPrompts()).get('greeting-unavailable', 'en')));
    const r = await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/unavailable', tone('u.ogg', 1.5, ['-c:a', 'libvorbis']));
    assert.equal(r.status, 200);
    // The next call reads the mailbox row (as voicemail-app does) and asks the same resolver.
    const mailbox = (await h.stores.store.mailboxes.get('acme', '100'))!;
    const heard = await prompts.greeting(mailbox, 'unavailable');
    const stored = decodeWavTo8k((await h.stores.audio.get(mailbox.greetings.unavailable.audioKey!))!);
    assert.ok(stored.ok);
    assert.deepEqual(heard, stored.value);
    assert.ok(Math.abs(heard.length / 8 - 1500) <= 50);
  });

  test('TTS in en and ru, default the mailbox language; delete returns to the standard phrase', async () => {
    for (const language of ['en', 'ru'] as const) {
      const r = await call(h, '/api/v1/mailboxes/100/greetings/default/tts', { method: 'POST', session: as('alice@acme.example'), body: { text: language === 'en' ? 'Hi, Alice here.' : 'Привет, это Алиса.', language } });
      assert.equal(r.status, 200, await r.clone().text());
      assert.equal((await json<MailboxJson>(r)).greetings.default?.custom, true);
      const p = await preview('alice@acme.example', '/api/v1/mailboxes/100/greetings/default/audio');
      assert.ok(p.samples.length / 8 > 700 && p.samples.length / 8 < 5000);
    }
    const d = await call(h, '/api/v1/mailboxes/100/greetings/default', { method: 'DELETE', session: as('alice@acme.example') });
    assert.equal(d.status, 200);
    assert.equal((await json<MailboxJson>(d)).greetings.default?.custom, false);
    const p = await preview('alice@acme.example', '/api/v1/mailboxes/100/greetings/default/audio');
    assert.deepEqual(p.samples, (await loadBuiltinPrompts()).get('greeting-default', 'en'));
    // Deleting again is harmless.
    assert.equal((await call(h, '/api/v1/mailboxes/100/greetings/default', { method: 'DELETE', session: as('alice@acme.example') })).status, 200);
  });

  test('refusals: 415 not audio, 422 silence, 422 too long (5 minutes), 400 without the file, 413 over 20 MB', async () => {
    const junk = await errorOf(await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', Buffer.from('this is a text file, not audio\n'.repeat(50))), 415);
    assert.equal(junk.code, 'VM_API_UNSUPPORTED_AUDIO');
    const silent = await errorOf(await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', tone('quiet.wav', 2, ['-af', 'volume=0', '-c:a', 'pcm_s16le'])), 422);
    assert.equal(silent.code, 'VM_API_AUDIO_EMPTY');
    const long = await errorOf(await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', tone('long.mp3', 301, ['-ac', '1', '-ar', '8000', '-c:a', 'libmp3lame', '-b:a', '8k'])), 422);
    assert.equal(long.code, 'VM_API_AUDIO_TOO_LONG');
    assert.match(long.message, /5 min/);
    const wrongField = await errorOf(await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', Buffer.alloc(10), 'file'), 400);
    assert.equal(wrongField.code, 'VM_API_INVALID_REQUEST');
    const big = await errorOf(await upload('alice@acme.example', '/api/v1/mailboxes/100/greetings/busy', Buffer.alloc(20 * 1024 * 1024 + 10)), 413);
    assert.equal(big.code, 'VM_API_BODY_TOO_LARGE');
    const json415 = await errorOf(await call(h, '/api/v1/mailboxes/100/greetings/busy', { method: 'PUT', session: as('alice@acme.example'), body: {} }), 415);
    assert.equal(json415.code, 'VM_API_UNSUPPORTED_MEDIA_TYPE');
    const tts = await errorOf(await call(h, '/api/v1/mailboxes/100/greetings/busy/tts', { method: 'POST', session: as('alice@acme.example'), body: { text: '' } }), 400);
    assert.equal(tts.code, 'VM_API_INVALID_REQUEST');
    const reason = await errorOf(await call(h, '/api/v1/mailboxes/100/greetings/lunch/audio', { session: as('alice@acme.example') }), 400);
    assert.equal(reason.code, 'VM_API_INVALID_REQUEST');
  });

  test('outside the scope every route is 404 like a missing mailbox', async () => {
    const wav = tone('s.wav', 1, ['-c:a', 'pcm_s16le']);
    for (const [user, id] of [
      ['bob', '100'],
      ['beta-admin', '101'],
    ] as const) {
      const pairs: [Response, Response][] = [
        [await upload(user, `/api/v1/mailboxes/${id}/greetings/busy`, wav), await upload(user, '/api/v1/mailboxes/nope/greetings/busy', wav)],
        [await upload(user, `/api/v1/mailboxes/${id}/warning`, wav), await upload(user, '/api/v1/mailboxes/nope/warning', wav)],
      ];
      for (const [path, method, body] of [
        ['greetings/busy/tts', 'POST', { text: 'hello' }],
        ['greetings/busy', 'DELETE', undefined],
        ['greetings/busy/audio', 'GET', undefined],
        ['warning/tts', 'POST', { text: 'hello' }],
        ['warning', 'DELETE', undefined],
        ['warning/audio', 'GET', undefined],
      ] as const) {
        const o = { method, session: as(user), ...(body ? { body } : {}) };
        pairs.push([await call(h, `/api/v1/mailboxes/${id}/${path}`, o), await call(h, `/api/v1/mailboxes/nope/${path}`, o)]);
      }
      for (const [a, b] of pairs) assert.deepEqual([a.status, await a.text()], [404, await b.text()], `${user} ${a.url}`);
    }
  });
});

describe('warning', () => {
  test('preview is the standard phrase until a custom one is uploaded; custom mode needs it; delete falls back to standard', async () => {
    assert.deepEqual((await preview('bob', '/api/v1/mailboxes/101/warning/audio')).samples, await builtin('warning-standard', 'en'));
    const up = await upload('bob', '/api/v1/mailboxes/101/warning', tone('w.webm', 1.2, ['-c:a', 'libopus', '-f', 'webm']));
    assert.equal(up.status, 200, await up.clone().text());
    assert.equal((await json<MailboxJson>(up)).customWarning, true);
    const p = await preview('bob', '/api/v1/mailboxes/101/warning/audio');
    assert.ok(Math.abs(p.samples.length / 8 - 1200) <= 50);
    const mode = await call(h, '/api/v1/mailboxes/101', { method: 'PATCH', session: as('bob'), body: { warningMode: 'custom' } });
    assert.equal((await json<MailboxJson>(mode)).warningMode, 'custom');

    const resolver = new PromptResolver({ store: h.stores.audio, builtins: await loadBuiltinPrompts(), logger: silentLogger() });
    const heard = await flowPrompts(resolver).warning((await h.stores.store.mailboxes.get('acme', '101'))!);
    assert.deepEqual(heard, p.samples);

    const tts = await call(h, '/api/v1/mailboxes/101/warning/tts', { method: 'POST', session: as('bob'), body: { text: 'Говорите после сигнала.' } });
    assert.equal(tts.status, 200);
    const d = await call(h, '/api/v1/mailboxes/101/warning', { method: 'DELETE', session: as('bob') });
    const m = await json<MailboxJson>(d);
    assert.deepEqual([m.customWarning, m.warningMode], [false, 'standard']);
    assert.deepEqual((await preview('bob', '/api/v1/mailboxes/101/warning/audio')).samples, await builtin('warning-standard', 'en'));
    const rows = await h.stores.store.audit.list({ action: 'setting.change', target: 'mailbox:101', limit: 50 });
    const settings = rows.map((e) => (JSON.parse(e.detail ?? '{}') as { setting: string }).setting);
    assert.ok(settings.includes('warning.audio') && settings.includes('warningMode'));
  });
});
