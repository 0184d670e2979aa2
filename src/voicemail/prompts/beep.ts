/**
 * The record beep: the signal that tells the caller "speak now". A plain 1 kHz sine
 * (what callers know from every answering machine), 400 ms, with the raised-cosine
 * fades of `tone` so it starts and stops without a click.
 *
 * It is preceded by 100 ms of silence so that it stands apart from the end of the
 * warning phrase (the player queues prompts back to back without a gap; built-in
 * prompts end on 200 ms of silence, custom warnings may not).
 *
 * Level: a peak of 0.2 of full scale (−14 dBFS peak, ≈ −11 dBm0 in G.711 terms, where
 * a full-scale sine is about +3.1 dBm0) — about the level of call-progress tones,
 * clearly audible next to speech normalised to −3 dBFS peak without startling anyone.
 * @see ITU-T G.711 (µ-law/A-law, the digital milliwatt that defines 0 dBm0)
 */
import { silence, tone } from '../../media/index.js';

export const BEEP_FREQUENCY_HZ = 1000;
export const BEEP_DURATION_MS = 400;
/** Silence before the tone. */
export const BEEP_LEAD_MS = 100;
/** Peak amplitude as a fraction of full scale. */
export const BEEP_AMPLITUDE = 0.2;
/** Length of the fade in and the fade out. */
export const BEEP_RAMP_MS = 10;

let cached: Int16Array | undefined;

/**
 * The lead silence then the tone, 8 kHz mono PCM. Made once and shared by every call:
 * read it, never write to it.
 */
export function beep(): Int16Array {
  if (cached === undefined) {
    const lead = silence(BEEP_LEAD_MS);
    const body = tone({
      frequency: BEEP_FREQUENCY_HZ,
      durationMs: BEEP_DURATION_MS,
      amplitude: BEEP_AMPLITUDE,
      rampMs: BEEP_RAMP_MS,
    });
    cached = new Int16Array(lead.length + body.length);
    cached.set(lead, 0);
    cached.set(body, lead.length);
  }
  return cached;
}
