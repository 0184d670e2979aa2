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
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { Message } from '../../../src/voicemail/model.js';
import { pollPage, screenshotPath } from '../../support/chromium.js';
import { bestMatch } from '../../support/rtp-capture.js';
import { assertSippOk } from '../../support/sipp.js';
import { assertHeardInOrder, assertNotHeard, assertSameAudio, callIdOf, callServer, heardPrompt, introMs, type VoxmailServer } from '../../support/voxmail.js';
import { logIn, looped, middleSecond, pcm8k, ROW, startWebInbox, WEB_LOGIN, type WebInbox } from '../../support/web-inbox.js';

/** The gap the server puts between a forward's comment and the original (0.5 s at 8 kHz). */
const GAP_SAMPLES = 4000;

describe('the web inbox in Chromium', () => {
  let w: WebInbox;
  let server: VoxmailServer;
  let page: Page;
  let base: string;
  /** The message the first call left, once it is there. */
  let original: Message;

  before(async () => {
    w = await startWebInbox({
      mailboxes: { '100': 'Reception', '101': 'Sales' },
      microphoneText: 'This is Maria from sales. Please call this customer back before noon, it is about the contract.',
    });
    ({ server, page, base } = w);
  });

  after(async () => {
    await w?.close();
  });

  test('log in; a SIPp deposit appears in the open inbox without a reload', async () => {
    await logIn(page);
    assert.equal(await page.locator(ROW).count(), 0, 'the box starts empty');
    // Survives only if the page is never reloaded.
    // (Browser-side code as strings: this file is type-checked without the DOM library.)
    await page.evaluate('window.notReloaded = true');

    const run = await callServer(server, { service: '100', audio: w.callerAudio, durationMs: Math.round(introMs('greeting-default') + 4000) });
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

  test('played before its waveform arrives: playback goes on when the waveform comes (the source is not reloaded)', async () => {
    // The waveform's peaks come from a whole-file GET of the audio URL; the <audio> element
    // streams it with Range requests. Hold the peaks back until the audio plays.
    let release = (): void => undefined;
    const held = new Promise<void>((r) => (release = r));
    let peaksServed = 0;
    await page.route('**/api/v1/messages/*/audio*', async (route) => {
      const whole = route.request().headers()['range'] === undefined;
      if (whole) await held;
      await route.continue();
      if (whole) peaksServed++;
    });
    const now = `(() => { const a = document.querySelector('audio[data-testid="player-audio"]'); return a ? [a.currentTime, a.paused] : [0, true]; })()`;
    try {
      await page.goto(base); // a fresh player for the message
      await page.locator(`${ROW}[data-id="${original.id}"] button`).first().click();
      await page.locator('[data-testid="play"]').click();
      const [before] = (await pollPage(page, now, (v) => (v as [number, boolean])[0] > 0.3)) as [number, boolean];
      assert.ok(before > 0.3, `playing before the waveform came (currentTime ${String(before)})`);
      release();
      await pollPage(page, 'true', () => peaksServed > 0);
      assert.ok(peaksServed > 0, 'the waveform was fetched');
      await new Promise((r) => setTimeout(r, 700));
      const [after, paused] = await page.evaluate<[number, boolean]>(now);
      assert.equal(paused, false, 'still playing once the waveform came');
      assert.ok(after > before, `from where it was, not from the start (currentTime ${String(before)} → ${String(after)})`);
    } finally {
      release();
      await page.unroute('**/api/v1/messages/*/audio*');
    }
    await page.locator('[data-testid="play"]').click(); // pause
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
    assert.equal(copy.forwardedBy, WEB_LOGIN);
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
    const comment = copyPcm.subarray(0, commentSamples);
    const middle = middleSecond(comment);
    const found = bestMatch(looped(pcm8k(w.micWav, w.work, 'mic')), middle);
    assert.ok(found.score > 0.45, `the recorded comment is the microphone's speech (correlation ${found.score.toFixed(3)})`);
    // A control: the caller's speech does not match the comment.
    const control = bestMatch(w.callerAudio.pcm, middle);
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
    const run = await callServer(server, { scenario: 'vm-deposit-wait-bye', service: '100', audio: w.callerAudio, capture: true });
    assertSippOk(run.sipp);
    assertHeardInOrder(run.heard, [heardPrompt('greeting-default'), heardPrompt('beep')], 'after the settings change: greeting, then the beep at once');
    assertHeardInOrder(run.heard, [heardPrompt('message-too-long')], 'after the settings change: cut at the max length');
    assertNotHeard(run.heard, heardPrompt('warning-standard'), 'after the settings change');
    const m = await server.messageOf('100', callIdOf(run.sipp));
    assert.ok(Math.abs(m.durationMs - 10_000) <= 100, `the message is cut at 10 s (got ${String(m.durationMs)} ms)`);
  });
});
