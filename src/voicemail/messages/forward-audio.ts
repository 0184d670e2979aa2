/**
 * The audio of a forwarded message: the forwarder's comment, half a second of silence,
 * then the original — all 8 kHz mono 16-bit, written as one new WAV (a message's audio
 * never changes once stored, so the copy gets its own file). Without a comment the copy's
 * audio is the original's samples, unchanged.
 */
import { parseWav, toWav } from '../../media/index.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { PromptAudio } from '../ports.js';

export const MESSAGE_RATE = 8000;
/** Between the comment and the original. */
export const COMMENT_GAP_MS = 500;
const GAP_SAMPLES = (MESSAGE_RATE * COMMENT_GAP_MS) / 1000;

export interface ForwardAudio {
  readonly wav: Buffer;
  readonly durationMs: number;
  /** Where the original starts (comment + gap), 0 without a comment. */
  readonly commentMs: number;
}

function samplesOf(wav: Buffer, what: string): Result<Int16Array> {
  const parsed = parseWav(wav);
  if (!parsed.ok) return err(`${what}: ${parsed.error}`);
  if (parsed.value.sampleRate !== MESSAGE_RATE) return err(`${what}: ${String(parsed.value.sampleRate)} Hz, expected ${String(MESSAGE_RATE)}`);
  return ok(parsed.value.samples);
}

const msOf = (samples: number): number => Math.round((samples * 1000) / MESSAGE_RATE);

/** Never throws: an unreadable original (a damaged file) is an error result. */
export function forwardAudio(original: Buffer, comment: PromptAudio | null): Result<ForwardAudio> {
  const source = samplesOf(original, 'original message');
  if (!source.ok) return source;
  if (comment === null) return ok({ wav: toWav(source.value, MESSAGE_RATE), durationMs: msOf(source.value.length), commentMs: 0 });
  const spoken = samplesOf(comment.wav, 'comment');
  if (!spoken.ok) return spoken;
  const lead = spoken.value.length + GAP_SAMPLES;
  const all = new Int16Array(lead + source.value.length);
  all.set(spoken.value, 0);
  // The gap is the zeros a new Int16Array starts with.
  all.set(source.value, lead);
  return ok({ wav: toWav(all, MESSAGE_RATE), durationMs: msOf(all.length), commentMs: msOf(lead) });
}
