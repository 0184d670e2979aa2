/**
 * DTMF digits and the event codes that carry them.
 *
 * @see RFC 4733 §3.2 (Table 1: DTMF named events): codes 0–9 are the digits, 10 is `*`,
 *   11 is `#`, 12–15 are `A`–`D`. SIP INFO and in-band detection reuse the same type so
 *   the call flow sees one digit stream whatever the transport.
 */

/** Index = RFC 4733 event code. */
export const DTMF_DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'] as const;

export type DtmfDigit = (typeof DTMF_DIGITS)[number];

/** Where a digit was heard: RTP telephone-event, SIP INFO body, or tones in the audio. */
export type DtmfSource = 'rfc4733' | 'info' | 'inband';

/** One key press, reported once. */
export interface DtmfEvent {
  readonly digit: DtmfDigit;
  readonly source: DtmfSource;
  /** How long the key was held, as reported by the sender or measured in the audio. */
  readonly durationMs: number;
  /** When the press began, in milliseconds on the caller's clock (see each producer). */
  readonly at: number;
}

/** The digit for an RFC 4733 event code, or undefined for codes that are not DTMF (16+). */
export function digitFromEventCode(code: number): DtmfDigit | undefined {
  return Number.isInteger(code) ? DTMF_DIGITS[code] : undefined;
}

/** The RFC 4733 event code of a digit (0–15). */
export function eventCodeFromDigit(digit: DtmfDigit): number {
  return DTMF_DIGITS.indexOf(digit);
}

/** Whether `s` is exactly one DTMF digit (upper-case `A`–`D`). */
export function isDtmfDigit(s: string): s is DtmfDigit {
  return s.length === 1 && (DTMF_DIGITS as readonly string[]).includes(s);
}
