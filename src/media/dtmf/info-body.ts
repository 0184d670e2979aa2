import type { Result } from '../../shared/result.js';
import { err, ok } from '../../shared/result.js';
import type { DtmfDigit } from './digit.js';
import { DTMF_DIGITS, isDtmfDigit } from './digit.js';

/**
 * DTMF carried in SIP INFO request bodies. Neither format has an RFC; these are the
 * de-facto forms real phones and PBXs send (Cisco's dtmf-relay, also Asterisk,
 * FreeSWITCH, Polycom, Yealink):
 *
 *   Content-Type: application/dtmf-relay        Content-Type: application/dtmf
 *
 *   Signal=5\r\n                                5
 *   Duration=160\r\n
 *
 * `application/dtmf-relay`: one `key=value` per line, keys case-insensitive, spaces
 * around `=` tolerated, LF or CRLF line ends, unknown keys ignored. `Signal` is the
 * digit (`0`–`9`, `*`, `#`, `A`–`D`, lower case accepted); some PBXs send the RFC 4733
 * event code instead (`10` for `*`, `11` for `#`, `12`–`15` for `A`–`D`). `Duration` is
 * in milliseconds and optional. `application/dtmf`: the body is the digit alone.
 *
 * The SIP side hands the body over; every INFO is its own transaction and yields its
 * own digit — two INFOs for `5` within 2 ms are two presses, not a retransmission
 * (retransmissions are absorbed by the transaction layer).
 *
 * @see RFC 6086 (INFO framework: no DTMF package is standardized)
 * @see RFC 4733 §3.2 (event codes reused for numeric `Signal` values)
 */
export interface DtmfInfo {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
}

/** Real bodies are ~25 bytes; anything larger is not DTMF and is not scanned. */
export const MAX_DTMF_INFO_BODY_BYTES = 1024;
/** Used when the body names no duration (Cisco's default tone length is 100–250 ms). */
export const DEFAULT_INFO_DURATION_MS = 250;
/** Durations above a minute are nonsense; clamp rather than reject the digit. */
const MAX_INFO_DURATION_MS = 60_000;

/** Parse an INFO body into a digit. Never throws. */
export function parseDtmfInfo(contentType: string, body: Buffer): Result<DtmfInfo, string> {
  if (body.length > MAX_DTMF_INFO_BODY_BYTES) {
    return err(`DTMF INFO body is ${body.length} bytes (limit ${MAX_DTMF_INFO_BODY_BYTES})`);
  }
  // Parameters (`; charset=...`) and case do not change the meaning of the media type.
  const mediaType = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  const text = body.toString('latin1');
  switch (mediaType) {
    case 'application/dtmf-relay':
      return parseRelay(text);
    case 'application/dtmf': {
      const digit = parseSignal(text.trim());
      return digit === undefined
        ? err(`application/dtmf body is not a digit: ${JSON.stringify(text.slice(0, 16))}`)
        : ok({ digit, durationMs: DEFAULT_INFO_DURATION_MS });
    }
    default:
      return err(`not a DTMF content type: ${JSON.stringify(contentType.slice(0, 64))}`);
  }
}

function parseRelay(text: string): Result<DtmfInfo, string> {
  let digit: DtmfDigit | undefined;
  let signalSeen = false;
  let durationMs = DEFAULT_INFO_DURATION_MS;
  for (const line of text.split(/\r\n|\n|\r/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (key === 'signal' && !signalSeen) {
      // The first Signal line wins: a body with two digits is malformed, not two presses.
      signalSeen = true;
      digit = parseSignal(value);
      if (digit === undefined) return err(`dtmf-relay Signal is not a digit: ${JSON.stringify(value.slice(0, 16))}`);
    } else if (key === 'duration' && /^\d{1,9}$/.test(value)) {
      durationMs = Math.min(Number(value), MAX_INFO_DURATION_MS);
    }
  }
  return digit === undefined ? err('dtmf-relay body has no Signal line') : ok({ digit, durationMs });
}

/** `5`, `*`, `#`, `A`–`D` (any case), or an RFC 4733 event code 0–15 (`10` = `*`...). */
function parseSignal(value: string): DtmfDigit | undefined {
  const upper = value.toUpperCase();
  if (isDtmfDigit(upper)) return upper;
  if (/^\d{1,2}$/.test(value)) return DTMF_DIGITS[Number(value)];
  return undefined;
}
