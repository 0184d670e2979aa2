/**
 * Real audio for tests, made at test time by the real tools (espeak-ng speech, SoX
 * conversions), never checked in. Both are required (installed by .ci/run, see
 * REAL-PEERS.md): a missing tool fails the test, it does not skip it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SPEECH_TEXT =
  'Hello, you have reached the voicemail of extension two hundred and four. ' +
  'Nobody is available to take your call. Please leave a message after the tone.';

/** A scratch directory with a 22050 Hz mono speech file `speech.wav` (peaks at −6 dBFS). */
export class AudioWorkbench {
  readonly dir = mkdtempSync(join(tmpdir(), 'voxmail-audio-'));
  readonly speech = join(this.dir, 'speech.wav');

  constructor(text = SPEECH_TEXT, voice = 'en') {
    const raw = join(this.dir, 'espeak.wav');
    run('espeak-ng', ['-v', voice, '-w', raw, text]);
    // espeak-ng peaks at full scale; leave headroom so SoX's conversions never clip.
    sox([raw, this.speech, 'gain', '-n', '-6']);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Runs `sox -D <args>` (no dither, so results are deterministic) and reads `out`. */
  convert(args: readonly string[], out: string): Buffer {
    sox(args);
    return readFileSync(this.path(out));
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sox(args: readonly string[]): void {
  run('sox', ['-D', '-V1', ...args]);
}

function run(cmd: string, args: readonly string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** Pearson correlation of the common prefix of two signals. */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** RMS in dB (relative to 1 LSB; only differences between two calls matter). */
export function rmsDb(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]! * a[i]!;
  return 10 * Math.log10(s / (to - from));
}
