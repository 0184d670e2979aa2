import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireTool } from './child-processes.js';

/**
 * Real speech for media tests, made at test time with espeak-ng and sox (installed by
 * scripts/install-test-deps.sh): a raw µ-law file (what SIPp's rtp_stream sends byte
 * for byte) and the matching 8 kHz 16-bit WAV (what baresip's aufile plays).
 */
export function makeSpeech(text: string, voice = 'en'): { dir: string; ulaw: string; wav8k: string; ulawBytes: Buffer } {
  requireTool('espeak-ng', 'apt-get install espeak-ng');
  requireTool('sox', 'apt-get install sox libsox-fmt-all');
  const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-speech-'));
  const raw = path.join(dir, 'speech.wav');
  const wav8k = path.join(dir, 'speech8k.wav');
  const ulaw = path.join(dir, 'speech.ulaw');
  execFileSync('espeak-ng', ['-v', voice, '-w', raw, text]);
  execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', wav8k]);
  execFileSync('sox', [wav8k, '-t', 'ul', ulaw]);
  return { dir, ulaw, wav8k, ulawBytes: readFileSync(ulaw) };
}

/**
 * Where `recorded` sits inside `sent` played in a loop: the offset at which every
 * recorded sample equals the sent one, or -1. G.711 through a lossless path is
 * sample-exact, so equality, not correlation, is the test.
 */
export function findLoopedAlignment(recorded: Int16Array, sent: Int16Array, probe = 400): number {
  const n = Math.min(probe, recorded.length);
  outer: for (let k = 0; k < sent.length; k++) {
    for (let i = 0; i < n; i++) if (recorded[i] !== sent[(k + i) % sent.length]) continue outer;
    return k;
  }
  return -1;
}

/** Count of samples that differ from the looped sent audio, from alignment `k`. */
export function mismatches(recorded: Int16Array, sent: Int16Array, k: number): number {
  let bad = 0;
  for (let i = 0; i < recorded.length; i++) if (recorded[i] !== sent[(k + i) % sent.length]) bad++;
  return bad;
}
