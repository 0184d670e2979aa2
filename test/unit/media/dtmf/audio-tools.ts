/**
 * Real audio for the in-band tests from the Debian tools REAL-PEERS.md installs
 * (espeak-ng for speech, sox for conversion and tones). Missing tools are a failure,
 * never a skip: a detector tested on no speech proves nothing.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Fails the calling test with a clear message if `tool` is not installed. */
export function requireTool(tool: 'sox' | 'espeak-ng'): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`${tool} is required by the in-band DTMF tests (apt-get install sox espeak-ng): ${String(e)}`);
  }
}

/** Run sox with arguments; throws with its stderr. */
export function sox(args: readonly string[]): void {
  execFileSync('sox', args, { stdio: 'pipe' });
}

/** Any audio file → 8 kHz mono signed 16-bit little-endian samples, through sox. */
export function readAs8kPcm(file: string): Int16Array {
  const raw = execFileSync('sox', [file, '-t', 'raw', '-r', '8000', '-c', '1', '-e', 'signed-integer', '-b', '16', '-L', '-'], {
    maxBuffer: 256 * 1024 * 1024,
  });
  const pcm = new Int16Array(raw.length >> 1);
  for (let i = 0; i < pcm.length; i++) pcm[i] = raw.readInt16LE(2 * i);
  return pcm;
}

export interface SpeechClip {
  readonly voice: string;
  readonly speed: number;
  readonly pitch: number;
  readonly text: string;
}

/** Synthesize `clip` with espeak-ng into `dir` and return it as 8 kHz PCM. */
export function speak(dir: string, name: string, clip: SpeechClip): Int16Array {
  const wav = path.join(dir, `${name}.wav`);
  execFileSync('espeak-ng', ['-v', clip.voice, '-s', String(clip.speed), '-p', String(clip.pitch), '-w', wav, clip.text], {
    stdio: 'pipe',
    maxBuffer: 16 * 1024 * 1024,
  });
  return readAs8kPcm(wav);
}

