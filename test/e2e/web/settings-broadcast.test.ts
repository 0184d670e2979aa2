/**
 * The parts of the web app beyond the inbox, in a real Chromium (Debian's, driven by
 * playwright-core) against the real server, with SIPp as the caller:
 *
 * 1. a custom warning made from text (TTS) on the settings page, switched on and saved →
 *    a SIPp call hears greeting, THAT warning (the API's preview), then the beep;
 * 2. a busy greeting uploaded as an MP3 (espeak-ng + ffmpeg) through the file input →
 *    the preview button plays it, and a call diverted with reason=user-busy hears it;
 * 3. a no-answer greeting recorded in the browser (fake microphone) → its preview is
 *    speech, about as long as recorded, and it is the microphone's speech;
 * 4. a broadcast recorded on the Broadcast page to a distribution list (made through the
 *    API) → each listed mailbox has a message with origin "broadcast", the same audio in
 *    both, the microphone's speech; an inbox open in another tab shows them live;
 * 5. axe-core on the login, inbox (with messages and the player open), settings and
 *    broadcast pages at 1280×800 and 360×740: no serious or critical violation; and the
 *    inbox by keyboard alone (Tab to the first row, Enter opens it, space plays, j next);
 * 6. screenshots of each page at both widths in test-output/screenshots/;
 * 7. "Back to standard" for the custom warning: the form follows the server back to the
 *    standard warning.
 *
 * The audio comparisons use normalised cross-correlation (bestMatch): what a caller hears
 * went through G.711 µ-law, so a prompt counts as heard above 0.9 (HEARD_SCORE); browser
 * recordings went through Opus, which keeps the sound but not the waveform's phase (the
 * same speech scores about 0.6, other speech about 0.25 — see inbox.test.ts).
 * Needs chromium, sipp, dumpcap (tshark), espeak-ng, sox, ffmpeg, and dist/web built.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { parseWav } from '../../../src/media/index.js';
import type { Message } from '../../../src/voicemail/model.js';
import { axeViolations, pollPage, screenshotPath, type AxeViolation } from '../../support/chromium.js';
import { bestMatch } from '../../support/rtp-capture.js';
import { assertSippOk } from '../../support/sipp.js';
import { assertHeardInOrder, assertNotHeard, callIdOf, callServer, heardPrompt, introMs, type CallerAudio, type HeardPrompt, type VoxmailServer } from '../../support/voxmail.js';
import { logIn, looped, middleSecond, pcm8k, ROW, startWebInbox, WEB_LOGIN, type WebInbox } from '../../support/web-inbox.js';

const WARNING_TEXT = 'After the tone, please say your name, your company and the best time to call you back.';
const BUSY_TEXT = 'Hello, you have reached reception. We are on another call right now. Please leave a message.';

/** RMS of PCM, in dBFS. */
function dbfs(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return 20 * Math.log10(Math.sqrt(sum / Math.max(1, pcm.length)) / 32768);
}

describe('settings, greetings and broadcast in Chromium', () => {
  let w: WebInbox;
  let server: VoxmailServer;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let hum: CallerAudio;
  let work: string;
  let micWav: string;
  let mic8kLooped: Int16Array;
  /** The custom warning as the API previews it (test 1), heard again in test 2. */
  let customWarning: HeardPrompt;

  /** A request to the API as the signed-in browser (its cookies; the CSRF token on changes). */
  async function api(method: string, path: string, json?: unknown): Promise<Response> {
    const cookies = await context.cookies(base);
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const csrf = cookies.find((c) => c.name === 'vxm_csrf')?.value ?? '';
    const headers: Record<string, string> = { cookie };
    if (method !== 'GET') headers['x-csrf-token'] = csrf;
    if (json !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${base}${path}`, { method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  }

  /** A preview WAV from the API (8 kHz mono), as PCM. */
  async function preview(path: string): Promise<Int16Array> {
    const r = await api('GET', path);
    assert.equal(r.status, 200, `GET ${path}: ${String(r.status)}`);
    assert.match(r.headers.get('content-type') ?? '', /audio\/wav/);
    const wav = parseWav(Buffer.from(await r.arrayBuffer()));
    assert.ok(wav.ok, `GET ${path}: ${wav.ok ? '' : wav.error}`);
    assert.equal(wav.value.sampleRate, 8000);
    assert.equal(wav.value.channels, 1);
    return wav.value.samples;
  }

  async function openSettings(): Promise<void> {
    await page.goto(`${base}/settings/100`);
    await page.locator('[data-testid="settings-form"]').waitFor();
  }

  /** Open a prompt editor's <details> (upload / record / text) unless it is open. */
  async function openEditor(testId: string): Promise<ReturnType<Page['locator']>> {
    const editor = page.locator(`[data-testid="${testId}"]`);
    if ((await editor.locator('details').getAttribute('open')) === null) await editor.locator('summary').click();
    return editor;
  }

  before(async () => {
    w = await startWebInbox({
      mailboxes: { '100': 'Reception', '101': 'Sales', '102': 'Support' },
      microphoneText: 'Good morning everyone. The office will close at three today because of the fire drill. Please save your work before then.',
    });
    ({ server, context, page, base, work, micWav } = w);
    hum = w.callerAudio;
    mic8kLooped = looped(pcm8k(micWav, work, 'mic'));
    await logIn(page);
  });

  after(async () => {
    await w?.close();
  });

  test('a custom warning made from text on the settings page is what the next caller hears between greeting and beep', async (t) => {
    await openSettings();
    await page.locator('[data-testid="settings-warning-custom"]').check();
    // "Custom" with no custom warning yet: the form says what is missing instead of sending it.
    await page.locator('[data-testid="settings-save"]').click();
    await page.locator('[data-testid="settings-status"]', { hasText: 'Make the custom warning first' }).waitFor({ timeout: 5_000 });
    assert.equal((await server.stores.store.mailboxes.get('acme', '100'))?.warningMode, 'standard');

    const editor = await openEditor('prompt-warning');
    await editor.locator('[data-testid="prompt-warning-text"]').fill(WARNING_TEXT);
    await editor.getByRole('button', { name: /^Make from text/ }).click();
    await editor.locator('.prompt-state', { hasText: 'Custom recording in use' }).waitFor({ timeout: 15_000 });
    await editor.locator('p[role="status"]', { hasText: 'save the settings to use it' }).waitFor();
    await page.locator('[data-testid="settings-save"]').click();
    await page.locator('[data-testid="settings-status"]', { hasText: 'Settings saved.' }).waitFor({ timeout: 5_000 });

    const mb = await server.stores.store.mailboxes.get('acme', '100');
    assert.equal(mb?.warningMode, 'custom');
    assert.ok(mb?.warningAudioKey, 'the store has the custom warning');

    const warning = await preview('/api/v1/mailboxes/100/warning/audio');
    const ms = warning.length / 8;
    assert.ok(ms > 3000 && ms < 12_000, `the spoken warning is a sentence long (${String(ms)} ms)`);
    assert.ok(dbfs(warning) > -35, `the warning is not silence (${dbfs(warning).toFixed(1)} dBFS)`);
    customWarning = { name: 'custom warning (TTS)', pcm: warning };

    const run = await callServer(server, { service: '100', audio: hum, durationMs: Math.round(introMs('greeting-default', null) + ms + 3000), capture: true });
    assertSippOk(run.sipp);
    const [g, w, b] = assertHeardInOrder(run.heard, [heardPrompt('greeting-default'), customWarning, heardPrompt('beep')], 'custom warning');
    assertNotHeard(run.heard, heardPrompt('warning-standard'), 'custom warning');
    await server.messageOf('100', callIdOf(run.sipp));
    t.diagnostic(`warning ${String(ms)} ms; heard: greeting ${g!.score.toFixed(3)}, custom warning ${w!.score.toFixed(3)} at ${(w!.lag / 8).toFixed(0)} ms, beep ${b!.score.toFixed(3)}`);
  });

  test('an MP3 uploaded as the busy greeting: the preview plays it and a busy call hears it', async (t) => {
    const raw = join(work, 'busy.wav');
    const mp3 = join(work, 'busy-greeting.mp3');
    execFileSync('espeak-ng', ['-v', 'en', '-s', '150', '-w', raw, BUSY_TEXT]);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', raw, '-ac', '1', '-ar', '22050', '-codec:a', 'libmp3lame', '-b:a', '64k', mp3]);

    await openSettings();
    const editor = await openEditor('prompt-busy');
    assert.equal(await editor.locator('.prompt-state').innerText(), 'Standard phrase in use');
    await editor.locator('[data-testid="prompt-busy-file"]').setInputFiles(mp3);
    await editor.locator('.prompt-state', { hasText: 'Custom recording in use' }).waitFor({ timeout: 15_000 });
    const mb = await server.stores.store.mailboxes.get('acme', '100');
    assert.ok(mb?.greetings.busy.audioKey, 'the store has the busy greeting');

    // The preview button plays it: the audio element advances.
    await page.locator('[data-testid="prompt-busy-preview"]').click();
    const position = Number(await pollPage(page, `document.querySelector('[data-testid="prompt-busy"] audio')?.currentTime ?? 0`, (v) => Number(v) > 0.5));
    assert.ok(position > 0.5, `the preview advances (currentTime ${String(position)})`);
    await page.locator('[data-testid="prompt-busy-preview"]', { hasText: 'Stop preview' }).click();
    assert.equal(await page.evaluate(`document.querySelector('[data-testid="prompt-busy"] audio').paused`), true, 'stop preview pauses');

    const greeting = await preview('/api/v1/mailboxes/100/greetings/busy/audio');
    // It is the MP3's speech (MP3 keeps the waveform well enough to correlate).
    const source = pcm8k(raw, work, 'busy');
    const fromMp3 = bestMatch(source, middleSecond(greeting));
    assert.ok(fromMp3.score > 0.8, `the busy greeting is the uploaded speech (correlation ${fromMp3.score.toFixed(3)})`);

    const run = await callServer(server, {
      service: '100',
      headers: ['Diversion: <sip:100@127.0.0.1>;reason=user-busy;counter=1'],
      audio: hum,
      durationMs: Math.round((greeting.length + customWarning.pcm.length) / 8 + 500 + 3000),
      capture: true,
    });
    assertSippOk(run.sipp);
    const [g, w, b] = assertHeardInOrder(run.heard, [{ name: 'uploaded busy greeting', pcm: greeting }, customWarning, heardPrompt('beep')], 'busy call');
    assertNotHeard(run.heard, heardPrompt('greeting-busy'), 'busy call: the standard busy greeting');
    const m = await server.messageOf('100', callIdOf(run.sipp));
    assert.equal(m.reason, 'busy');
    t.diagnostic(`greeting ${String(greeting.length / 8)} ms, correlation with the MP3's source ${fromMp3.score.toFixed(3)}; heard: greeting ${g!.score.toFixed(3)}, warning ${w!.score.toFixed(3)}, beep ${b!.score.toFixed(3)}`);
  });

  test('a no-answer greeting recorded in the browser: saved, and its preview is the microphone speech, about as long as recorded', async (t) => {
    await openSettings();
    const editor = await openEditor('prompt-no-answer');
    await editor.getByRole('button', { name: /^Record:/ }).click();
    await editor.getByRole('button', { name: /^Stop:/ }).waitFor();
    const started = Date.now();
    await page.waitForTimeout(3_000);
    await editor.getByRole('button', { name: /^Stop:/ }).click();
    const recordedMs = Date.now() - started;
    await editor.getByRole('button', { name: /^Play recording:/ }).waitFor();
    await editor.getByRole('button', { name: /^Use this recording/ }).click();
    await editor.locator('.prompt-state', { hasText: 'Custom recording in use' }).waitFor({ timeout: 15_000 });
    const mb = await server.stores.store.mailboxes.get('acme', '100');
    assert.ok(mb?.greetings['no-answer'].audioKey, 'the store has the no-answer greeting');

    const greeting = await preview('/api/v1/mailboxes/100/greetings/no-answer/audio');
    const ms = greeting.length / 8;
    assert.ok(Math.abs(ms - recordedMs) < 1000, `about as long as recorded (${String(ms)} ms, recorded for ${String(recordedMs)} ms)`);
    assert.ok(dbfs(greeting) > -35, `not silence (${dbfs(greeting).toFixed(1)} dBFS)`);
    const found = bestMatch(mic8kLooped, middleSecond(greeting));
    const control = bestMatch(hum.pcm, middleSecond(greeting));
    assert.ok(found.score > 0.45 && control.score < found.score - 0.2, `the microphone's speech (correlation ${found.score.toFixed(3)}, control ${control.score.toFixed(3)})`);
    t.diagnostic(`recorded ${String(recordedMs)} ms, greeting ${String(ms)} ms at ${dbfs(greeting).toFixed(1)} dBFS; correlation with the microphone ${found.score.toFixed(3)}, with the caller's speech ${control.score.toFixed(3)}`);
  });

  test('a broadcast recorded on the Broadcast page reaches each mailbox of a list, the same audio, live in an open inbox', async (t) => {
    const created = await api('POST', '/api/v1/lists', { id: 'team', name: 'Team', mailboxIds: ['101', '102'] });
    assert.equal(created.status, 201, await created.clone().text());

    // Another tab with the inbox (all mailboxes) open: it must show the copies without a reload.
    const inbox = await context.newPage();
    await inbox.goto(base);
    await inbox.waitForSelector('ul.messages[aria-busy="false"]', { state: 'attached' });
    await inbox.evaluate('window.notReloaded = true');
    // Background tabs are throttled (timers, animation frames): the recording page comes first.
    await page.bringToFront();

    await page.goto(`${base}/broadcast`);
    const form = page.locator('[data-testid="broadcast-form"]');
    await form.waitFor();
    await form.getByLabel('Team (2)').check();
    await form.getByRole('button', { name: /^Record:/ }).click();
    await form.getByRole('button', { name: /^Stop:/ }).waitFor();
    const started = Date.now();
    await page.waitForTimeout(3_500);
    await form.getByRole('button', { name: /^Stop:/ }).click();
    const recordedMs = Date.now() - started;
    await form.getByRole('button', { name: /^Play recording:/ }).waitFor();
    await form.getByRole('button', { name: 'Send broadcast' }).click();
    await page.locator('[data-testid="toast"]', { hasText: 'Sent to 2 mailbox(es).' }).waitFor({ timeout: 15_000 });
    // The form starts afresh: no second send of the same recording by mistake.
    await form.getByRole('button', { name: /^Record:/ }).waitFor();
    assert.equal(await form.getByRole('button', { name: /^Play recording:/ }).count(), 0);
    assert.equal(await form.getByLabel('Team (2)').isChecked(), false);

    const copies: Message[] = [];
    for (const box of ['101', '102']) {
      const list = await server.messages(box);
      assert.equal(list.length, 1, `one message in ${box}`);
      copies.push(list[0]!);
    }
    for (const c of copies) {
      assert.equal(c.origin, 'broadcast');
      assert.equal(c.forwardedBy, WEB_LOGIN);
      assert.equal(c.callerNumber, WEB_LOGIN);
      assert.equal(c.callerName, 'Olga Admin');
    }
    const [a, b] = copies.map((c) => server.readAudio(c));
    assert.ok(a && b, 'audio in both');
    assert.ok(Math.abs(a.length / 8 - recordedMs) < 1000, `about as long as recorded (${String(a.length / 8)} ms, recorded for ${String(recordedMs)} ms)`);
    assert.deepEqual(Buffer.from(b.buffer, b.byteOffset, b.byteLength), Buffer.from(a.buffer, a.byteOffset, a.byteLength), 'the same audio in each mailbox');
    const found = bestMatch(mic8kLooped, middleSecond(a));
    const control = bestMatch(hum.pcm, middleSecond(a));
    assert.ok(found.score > 0.45 && control.score < found.score - 0.2, `the broadcast is the microphone's speech (correlation ${found.score.toFixed(3)}, control ${control.score.toFixed(3)})`);

    for (const c of copies) {
      const row = inbox.locator(`${ROW}[data-id="${c.id}"]`);
      await row.waitFor({ timeout: 10_000 });
      assert.match(await row.innerText(), new RegExp(`admin@acme\\.example · broadcast · ${c.mailboxId}`));
    }
    assert.equal(await inbox.evaluate('window.notReloaded'), true, 'the inbox was not reloaded');
    await inbox.close();
    await page.bringToFront();
    t.diagnostic(`broadcast ${String(a.length / 8)} ms in 101 and 102 (identical); correlation with the microphone ${found.score.toFixed(3)}, with the caller's speech ${control.score.toFixed(3)}`);
  });

  test('accessibility: axe-core finds nothing serious on login, inbox, settings and broadcast at 1280×800 and 360×740; screenshots', async (t) => {
    const serious: string[] = [];
    const report = (where: string, vs: AxeViolation[]): void => {
      for (const v of vs) {
        const line = `${where}: [${v.impact ?? '?'}] ${v.id} — ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`;
        t.diagnostic(line);
        if (v.impact === 'serious' || v.impact === 'critical') serious.push(`${line}\n    ${v.nodes.map((n) => n.summary.replace(/\n/g, ' ')).join('\n    ')}`);
      }
    };
    for (const viewport of [
      { width: 1280, height: 800, name: 'desktop' },
      { width: 360, height: 740, name: '360' },
    ]) {
      const ctx = await w.browser.newContext({ viewport: { width: viewport.width, height: viewport.height }, locale: 'en-US', bypassCSP: true });
      try {
        const p = await ctx.newPage();
        await p.goto(base);
        await p.locator('[data-testid="login-form"]').waitFor();
        report(`login ${viewport.name}`, await axeViolations(p));
        await p.screenshot({ path: screenshotPath(`login-${viewport.name}`) });

        await logIn(p);
        await p.locator(ROW).first().waitFor();
        await p.locator(`${ROW} button`).first().click();
        await p.locator('[data-testid="player"]').waitFor();
        await p.waitForTimeout(300);
        report(`inbox ${viewport.name}`, await axeViolations(p));
        await p.screenshot({ path: screenshotPath(`inbox-${viewport.name}`), fullPage: viewport.name === '360' });

        await p.goto(`${base}/settings/100`);
        await p.locator('[data-testid="settings-form"]').waitFor();
        await p.evaluate(`document.querySelectorAll('details').forEach((d) => { d.open = true; })`);
        report(`settings ${viewport.name}`, await axeViolations(p));
        await p.screenshot({ path: screenshotPath(`settings-${viewport.name}`), fullPage: true });

        await p.goto(`${base}/broadcast`);
        await p.locator('[data-testid="broadcast-form"]').waitFor();
        await p.getByLabel('Team (2)').waitFor();
        report(`broadcast ${viewport.name}`, await axeViolations(p));
        await p.screenshot({ path: screenshotPath(`broadcast-${viewport.name}`), fullPage: true });
      } finally {
        await ctx.close();
      }
    }
    assert.equal(serious.length, 0, `serious or critical axe violations:\n${serious.join('\n')}`);
  });

  test('the inbox by keyboard alone: Tab reaches the first message, Enter opens it, space plays, j goes to the next', async () => {
    await page.bringToFront();
    await page.goto(base);
    await page.locator(ROW).nth(1).waitFor();
    const first = await page.locator(ROW).nth(0).getAttribute('data-id');
    const second = await page.locator(ROW).nth(1).getAttribute('data-id');
    assert.ok(first && second, 'at least two messages');
    const focusedRow = `document.activeElement?.closest('[data-testid="message-row"]')?.dataset.id ?? null`;
    let on: unknown = null;
    for (let i = 0; i < 40 && on === null; i++) {
      await page.keyboard.press('Tab');
      on = await page.evaluate(focusedRow);
    }
    assert.equal(on, first, 'Tab reaches the first message row');

    await page.keyboard.press('Enter');
    await page.locator(`${ROW}[data-id="${first}"] button[aria-current="true"]`).waitFor({ timeout: 5_000 });
    await page.locator('[data-testid="player"]').waitFor();
    assert.equal(await page.evaluate(focusedRow), first, 'focus stays on the row');

    await page.keyboard.press(' ');
    const position = Number(await pollPage(page, `document.querySelector('audio[data-testid="player-audio"]')?.currentTime ?? 0`, (v) => Number(v) > 0.3));
    assert.ok(position > 0.3, `space plays (currentTime ${String(position)})`);

    await page.keyboard.press('j');
    await page.locator(`${ROW}[data-id="${second}"] button[aria-current="true"]`).waitFor({ timeout: 5_000 });
    const moved = await pollPage(page, focusedRow, (v) => v === second, 3_000);
    assert.equal(moved, second, 'j moves the selection and the focus to the next message');
    await page.keyboard.press(' ');
  });

  test('"Back to standard" for the custom warning: the server falls back to the standard warning, and so does the form', async () => {
    await openSettings();
    assert.equal(await page.locator('[data-testid="settings-warning-custom"]').isChecked(), true);
    await page.locator('[data-testid="prompt-warning-reset"]').click();
    await page.locator('[data-testid="settings-warning-standard"]:checked').waitFor({ timeout: 5_000 });
    const mb = await server.stores.store.mailboxes.get('acme', '100');
    assert.equal(mb?.warningMode, 'standard');
    assert.equal(mb?.warningAudioKey, null);
    // The form agrees with the server: saving now changes nothing (and does not fail).
    await page.locator('[data-testid="settings-save"]').click();
    await page.locator('[data-testid="settings-status"]', { hasText: 'Nothing changed.' }).waitFor({ timeout: 5_000 });
  });
});
