/**
 * The web inbox end to end, in a real Chromium (Debian's, driven by playwright-core)
 * against the real server (SIP + media + store + HTTP in this process), with SIPp as the
 * caller:
 *
 * 1. a SIPp call deposits a message → it appears in the open inbox without a reload;
 * 2. play it: the audio element advances;
 * 3. forward it with a comment recorded through Chromium's fake microphone (espeak-ng
 *    speech) → the target mailbox has a message whose audio is the comment (found by
 *    correlation: it went through Opus and loudness normalisation), 0.5 s of silence,
 *    then the original, sample for sample;
 * 4. delete it and undo;
 * 5. change the warning (none) and the max length (10 s) on the settings page → a new
 *    SIPp call hears greeting + beep with no warning, and is cut at 10 s.
 *
 * Screenshots of the inbox and the settings page go to test-output/screenshots/.
 * Needs chromium, sipp, dumpcap (tshark), espeak-ng, sox, ffmpeg.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseWav } from '../../../src/media/index.js';
import { createAccounts } from '../../../src/voicemail/accounts/index.js';
import type { Message } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { launchChromium, screenshotPath, speechWav48k } from '../../support/chromium.js';
import { bestMatch } from '../../support/rtp-capture.js';
import { assertSippOk } from '../../support/sipp.js';
import {
  assertHeardInOrder,
  assertNotHeard,
  assertSameAudio,
  callIdOf,
  callServer,
  heardPrompt,
  introMs,
  removeAudio,
  speechWithHum,
  VoxmailServer,
  type CallerAudio,
} from '../../support/voxmail.js';

const PASSWORD = 'correct horse battery staple';
const ROW = '[data-testid="message-row"]';
/** The gap the server puts between a forward's comment and the original (0.5 s at 8 kHz). */
const GAP_SAMPLES = 4000;

describe('the web inbox in Chromium', () => {
  let server: VoxmailServer;
  let browser: Browser;
  let page: Page;
  let base: string;
  let hum: CallerAudio;
  let work: string;
  let micWav: string;
  /** The message the first call left, once it is there. */
  let original: Message;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'voxmail-web-'));
    micWav = join(work, 'comment.wav');
    speechWav48k('This is Maria from sales. Please call this customer back before noon, it is about the contract.', micWav);
    hum = speechWithHum('Hello, this is Boris Ivanov from Northwind. I am calling about our order number seven seven three. Please call me back.');

    server = await VoxmailServer.start();
    await server.mailbox('100', { name: 'Reception', language: 'en' });
    await server.mailbox('101', { name: 'Sales', language: 'en' });
    const accounts = createAccounts({ store: server.stores.store });
    await accounts.users.add({ login: 'admin@acme.example', name: 'Olga Admin', role: 'tenant-admin', tenantId: 'acme', mailboxIds: [], language: 'en', password: PASSWORD }, { kind: 'cli' });
    base = `http://127.0.0.1:${String(server.app.httpAddress.port)}`;

    browser = await launchChromium({ fakeMicrophone: micWav });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await killChildren();
    removeAudio(hum);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('log in; a SIPp deposit appears in the open inbox without a reload', async () => {
    await page.goto(base);
    await page.getByLabel('Login').fill('admin@acme.example');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('ul.messages[aria-busy="false"]', { state: 'attached' });
    assert.equal(await page.locator(ROW).count(), 0, 'the box starts empty');
    // Survives only if the page is never reloaded.
    // (Browser-side code as strings: this file is type-checked without the DOM library.)
    await page.evaluate('window.notReloaded = true');

    const run = await callServer(server, { service: '100', audio: hum, durationMs: Math.round(introMs('greeting-default') + 4000) });
    assertSippOk(run.sipp);
    original = await server.messageOf('100', callIdOf(run.sipp));
    const row = page.locator(`${ROW}[data-id="${original.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate('window.notReloaded'), true, 'the page was not reloaded');
    assert.equal(await row.getAttribute('data-heard'), 'false');
    const text = await row.innerText();
    assert.match(text, /Ivan Petrov/, 'the caller is shown');
    await page.screenshot({ path: screenshotPath('inbox') });
  });

  test('play it: the audio element advances and the message becomes heard', async () => {
    await page.locator(`${ROW}[data-id="${original.id}"] button`).first().click();
    await page.locator('[data-testid="play"]').click();
    // Polled from here: waitForFunction with a string would need 'unsafe-eval', which the page's CSP forbids.
    let position = 0;
    for (let i = 0; i < 100 && position <= 0.5; i++) {
      position = Number(await page.evaluate(`document.querySelector('audio[data-testid="player-audio"]')?.currentTime ?? 0`));
      if (position <= 0.5) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(position > 0.5, `the audio element advances (currentTime ${String(position)})`);
    await page.locator(`${ROW}[data-id="${original.id}"][data-heard="true"]`).waitFor({ timeout: 5_000 });
    const stored = await server.stores.store.messages.get('acme', original.id);
    assert.equal(stored?.heard, true, 'heard in the store too');
    await page.locator('[data-testid="play"]').click(); // pause
    await page.screenshot({ path: screenshotPath('player') });
  });

  test('forward it with a comment recorded in the browser: the copy is the comment, 0.5 s of silence, then the original', async (t) => {
    await page.locator('[data-testid="forward"]').click();
    const dialog = page.locator('[data-testid="forward-dialog"]');
    await dialog.waitFor();
    await dialog.getByLabel('Sales (101)').check();
    await dialog.getByRole('button', { name: /^Record:/ }).click();
    await page.waitForTimeout(3_500);
    await dialog.getByRole('button', { name: /^Stop:/ }).click();
    await dialog.getByRole('button', { name: /^Play recording:/ }).waitFor();
    await dialog.getByRole('button', { name: 'Forward', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 15_000 });

    let copies: Message[] = [];
    for (let i = 0; i < 100 && copies.length === 0; i++) {
      copies = await server.messages('101');
      if (copies.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(copies.length, 1, 'one copy in the Sales mailbox');
    const copy = copies[0]!;
    assert.equal(copy.origin, 'forward');
    assert.equal(copy.forwardedBy, 'admin@acme.example');
    assert.equal(copy.callerNumber, original.callerNumber, 'the original caller is kept');
    assert.equal(copy.receivedAt, original.receivedAt, 'the original time is kept');

    const originalPcm = server.readAudio(original);
    const copyPcm = server.readAudio(copy);
    const commentSamples = copy.commentMs * 8 - GAP_SAMPLES;
    assert.ok(commentSamples > 2.5 * 8000 && commentSamples < 6 * 8000, `a comment of about 3.5 s (got ${String(commentSamples / 8)} ms)`);
    assert.equal(copyPcm.length, commentSamples + GAP_SAMPLES + originalPcm.length);
    assert.ok(copyPcm.subarray(commentSamples, commentSamples + GAP_SAMPLES).every((s) => s === 0), '0.5 s of digital silence between');
    assertSameAudio(copyPcm.subarray(commentSamples + GAP_SAMPLES), originalPcm, 'the original after the comment');

    // The comment is the fake microphone's speech: the middle second of it is found in the
    // WAV the microphone played (looped), after Opus and loudness normalisation. Opus keeps
    // the sound, not the waveform's phase: the same speech scores about 0.6, other speech
    // (the caller's) about 0.25 — hence 0.45, and the control below.
    const mic8k = join(work, 'comment-8k.wav');
    execFileSync('sox', [micWav, '-r', '8000', '-c', '1', '-b', '16', mic8k]);
    const parsed = parseWav(readFileSync(mic8k));
    assert.ok(parsed.ok);
    const source = parsed.value.samples;
    const looped = new Int16Array(source.length * 2);
    looped.set(source);
    looped.set(source, source.length);
    const comment = copyPcm.subarray(0, commentSamples);
    const middle = comment.subarray(Math.floor(comment.length / 2) - 4000, Math.floor(comment.length / 2) + 4000);
    const found = bestMatch(looped, middle);
    assert.ok(found.score > 0.45, `the recorded comment is the microphone's speech (correlation ${found.score.toFixed(3)})`);
    // A control: the caller's speech does not match the comment.
    const control = bestMatch(hum.pcm, middle);
    assert.ok(control.score < found.score - 0.2, `control correlation ${control.score.toFixed(3)} vs ${found.score.toFixed(3)}`);
    t.diagnostic(`comment ${String(commentSamples / 8)} ms; correlation with the microphone's speech ${found.score.toFixed(3)}, with the caller's ${control.score.toFixed(3)}`);
  });

  test('delete and undo', async () => {
    const row = page.locator(`${ROW}[data-id="${original.id}"]`);
    await page.locator('[data-testid="delete"]').click();
    await row.waitFor({ state: 'detached', timeout: 5_000 });
    assert.equal((await server.stores.store.messages.get('acme', original.id))?.folder, 'trash');
    await page.locator('[data-testid="toast-action"]').first().click();
    await row.waitFor({ timeout: 5_000 });
    const back = await server.stores.store.messages.get('acme', original.id);
    assert.equal(back?.folder, 'inbox', 'back in the inbox');
    assert.equal(back?.restoreFolder, null);
  });

  test('settings: warning none and max length 10 s — the next call obeys them', async () => {
    await page.goto(`${base}/settings/100`);
    const form = page.locator('[data-testid="settings-form"]');
    await form.waitFor();
    await page.locator('[data-testid="settings-warning-none"]').check();
    await page.locator('[data-testid="settings-max-length"]').fill('10');
    assert.equal(await page.locator('[data-testid="settings-max-length-value"]').innerText(), '0:10');
    await page.locator('[data-testid="settings-save"]').click();
    await page.locator('[data-testid="settings-status"]', { hasText: 'Settings saved.' }).waitFor({ timeout: 5_000 });
    const mb = await server.stores.store.mailboxes.get('acme', '100');
    assert.equal(mb?.warningMode, 'none');
    assert.equal(mb?.maxMessageMs, 10_000);
    await page.screenshot({ path: screenshotPath('settings'), fullPage: true });

    // The caller talks on; the server must cut the recording at 10 s. No warning before the beep.
    const run = await callServer(server, { scenario: 'vm-deposit-wait-bye', service: '100', audio: hum, capture: true });
    assertSippOk(run.sipp);
    assertHeardInOrder(run.heard, [heardPrompt('greeting-default'), heardPrompt('beep')], 'after the settings change: greeting, then the beep at once');
    assertHeardInOrder(run.heard, [heardPrompt('message-too-long')], 'after the settings change: cut at the max length');
    assertNotHeard(run.heard, heardPrompt('warning-standard'), 'after the settings change');
    const m = await server.messageOf('100', callIdOf(run.sipp));
    assert.ok(Math.abs(m.durationMs - 10_000) <= 100, `the message is cut at 10 s (got ${String(m.durationMs)} ms)`);
  });
});
