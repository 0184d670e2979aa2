/**
 * What the web inbox's Chromium tests share: the real server (this process) with an
 * English tenant admin, Chromium with a fake microphone playing espeak-ng speech, a
 * logged-in page, and the audio helpers that find a browser recording again after Opus
 * and loudness normalisation (by correlation with the microphone's source).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { parseWav } from '../../src/media/index.js';
import { createAccounts } from '../../src/voicemail/accounts/index.js';
import { killChildren } from './child-processes.js';
import { launchChromium, speechWav48k } from './chromium.js';
import { removeAudio, speechWithHum, VoxmailServer, type CallerAudio } from './voxmail.js';

export const WEB_LOGIN = 'admin@acme.example';
export const WEB_PASSWORD = 'correct horse battery staple';
export const ROW = '[data-testid="message-row"]';

export interface WebInbox {
  readonly server: VoxmailServer;
  readonly browser: Browser;
  readonly context: BrowserContext;
  readonly page: Page;
  /** http://127.0.0.1:PORT */
  readonly base: string;
  /** A temp directory, removed by close(). */
  readonly work: string;
  /** The 48 kHz WAV the fake microphone plays (looped). */
  readonly micWav: string;
  /** What SIPp callers say (speech over a hum: never silent, never trimmed). */
  readonly callerAudio: CallerAudio;
  close(): Promise<void>;
}

/** Mailboxes `ids` (id → name, English) in tenant acme, the admin user, Chromium on the login page. */
export async function startWebInbox(o: { readonly mailboxes: Readonly<Record<string, string>>; readonly microphoneText: string }): Promise<WebInbox> {
  const work = mkdtempSync(join(tmpdir(), 'voxmail-web-'));
  const micWav = join(work, 'mic.wav');
  speechWav48k(o.microphoneText, micWav);
  const callerAudio = speechWithHum('Hello, this is Boris Ivanov from Northwind. I am calling about our order number seven seven three. Please call me back.');
  const server = await VoxmailServer.start();
  for (const [id, name] of Object.entries(o.mailboxes)) await server.mailbox(id, { name, language: 'en' });
  const accounts = createAccounts({ store: server.stores.store });
  await accounts.users.add({ login: WEB_LOGIN, name: 'Olga Admin', role: 'tenant-admin', tenantId: 'acme', mailboxIds: [], language: 'en', password: WEB_PASSWORD }, { kind: 'cli' });
  const base = `http://127.0.0.1:${String(server.app.httpAddress.port)}`;
  const browser = await launchChromium({ fakeMicrophone: micWav });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(base);
  return {
    server,
    browser,
    context,
    page,
    base,
    work,
    micWav,
    callerAudio,
    close: async () => {
      await browser.close();
      await server.close();
      await killChildren();
      removeAudio(callerAudio);
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Sign in through the login form and wait for the (possibly empty) list. */
export async function logIn(page: Page): Promise<void> {
  await page.getByLabel('Login').fill(WEB_LOGIN);
  await page.getByLabel('Password').fill(WEB_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('ul.messages[aria-busy="false"]', { state: 'attached' });
}

/** A WAV file made by sox from `file` at 8 kHz mono 16-bit, as PCM. */
export function pcm8k(file: string, work: string, name: string): Int16Array {
  const out = join(work, `${name}-8k.wav`);
  execFileSync('sox', [file, '-r', '8000', '-c', '1', '-b', '16', out]);
  const parsed = parseWav(readFileSync(out));
  assert.ok(parsed.ok, `${out}: ${parsed.ok ? '' : parsed.error}`);
  return parsed.value.samples;
}

/** The source played twice in a row (the fake microphone loops its file). */
export function looped(source: Int16Array): Int16Array {
  const out = new Int16Array(source.length * 2);
  out.set(source);
  out.set(source, source.length);
  return out;
}

/** The middle second of a recording. */
export function middleSecond(pcm: Int16Array): Int16Array {
  const mid = Math.floor(pcm.length / 2);
  return pcm.subarray(Math.max(0, mid - 4000), mid + 4000);
}
