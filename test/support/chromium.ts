/**
 * Debian's Chromium driven by playwright-core (never `playwright install`: no downloads
 * here), started as ../shared/docs/REAL-PEERS.md says: headless, no sandbox (root in CI),
 * and with every background network feature off (else it keeps trying to reach the
 * internet). A fake microphone plays a WAV file, so getUserMedia + MediaRecorder record
 * real speech; a page on http://127.0.0.1 is a secure context, so both work.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from './voxmail.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Where test runs leave screenshots (git-ignored). */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots');

export interface ChromiumOptions {
  /** A 48 kHz mono WAV the fake microphone plays (looped). */
  readonly fakeMicrophone?: string;
}

export async function launchChromium(o: ChromiumOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/install-test-deps.sh (Debian package chromium)`);
  const args = [
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
  if (o.fakeMicrophone !== undefined) {
    args.push('--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${o.fakeMicrophone}`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 60_000 });
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
