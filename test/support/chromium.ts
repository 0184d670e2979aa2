/**
 * Debian's Chromium driven by playwright-core (never `playwright install`: no downloads
 * here), started as ../shared/docs/REAL-PEERS.md says: headless, no sandbox (root in CI),
 * and with every background network feature off (else it keeps trying to reach the
 * internet). A fake microphone plays a WAV file, so getUserMedia + MediaRecorder record
 * real speech; a page on http://127.0.0.1 is a secure context, so both work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './voxmail.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where test runs leave screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots');

/** Headless, no sandbox (root in CI), and no background networking (there is no internet here). */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface ChromiumOptions {
  /** A 48 kHz mono WAV the fake microphone plays (looped). */
  readonly fakeMicrophone?: string;
  /** Default CHROMIUM. */
  readonly executablePath?: string;
}

export async function launchChromium(o: ChromiumOptions = {}): Promise<Browser> {
  const executablePath = o.executablePath ?? CHROMIUM;
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: run scripts/install-test-deps.sh (Debian package chromium)`);
  const args = [...CHROMIUM_FLAGS];
  if (o.fakeMicrophone !== undefined) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${o.fakeMicrophone}`);
  }
  return chromium.launch({ executablePath, headless: true, args, timeout: 60_000 });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** Speech for the fake microphone: espeak-ng, resampled by sox to 48 kHz mono 16-bit. */
export function speechWav48k(text: string, file: string, voice = 'en'): void {
  const raw = `${file}.espeak.wav`;
  execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', file]);
}

// --- accessibility (axe-core) and polling, for tests that run browser-side code as strings ---

/** axe-core's browser bundle (devDependency), injected with addScriptTag: needs a context made with `bypassCSP: true`. */
export function axeSource(): string {
  return readFileSync(join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  /** CSS targets and the failure summary of each offending node. */
  readonly nodes: readonly { readonly target: string; readonly summary: string }[];
}

/**
 * Run axe-core on the page as it is (WCAG 2.0/2.1 A and AA rules plus best practices) and
 * return the violations. The page's context must bypass the CSP (the script is inline).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.addScriptTag({ content: axeSource() });
  const json = await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => JSON.stringify(r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary || '' })),
  }))))`);
  return JSON.parse(String(json)) as AxeViolation[];
}

/**
 * Poll `expression` in the page (page.waitForFunction with a string needs 'unsafe-eval',
 * which the app's CSP forbids) until `done(value)` holds; returns the last value.
 */
export async function pollPage(page: Page, expression: string, done: (v: unknown) => boolean, timeoutMs = 10_000, everyMs = 100): Promise<unknown> {
  const end = Date.now() + timeoutMs;
  let value: unknown = await page.evaluate(expression);
  while (!done(value) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await page.evaluate(expression);
  }
  return value;
}
