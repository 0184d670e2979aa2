import type { DiversionReason, GreetingReason } from '../model.js';

/**
 * RFC 4458 `cause` values (also RFC 7044 / RFC 8119 History-Info `cause`): a
 * redirecting reason written as a status code, NOT the response the target gave.
 *
 *   404 unknown / not available        486 user busy
 *   408 no reply                       302 unconditional
 *   487 deflection during alerting     480 deflection immediate response
 *   503 mobile subscriber not reachable
 *
 * @see RFC 4458 (the cause table); RFC 7544 (the same mapping to Diversion reasons)
 */
export function reasonFromCause(cause: number | null): DiversionReason {
  if (cause === null) return 'unknown';
  switch (cause) {
    case 486:
      return 'busy';
    case 408:
      return 'no-answer';
    case 302:
      return 'unconditional';
    case 480:
    case 487:
      return 'deflection';
    case 503:
      return 'unavailable';
    default:
      return 'unknown'; // 404 means "unknown" too
  }
}

/**
 * RFC 5806 `reason` tokens. Vendor tokens seen in the field map where the meaning is
 * clear; a 3-digit value (some PBXs write the RFC 4458 code) goes through the cause
 * table.
 * @see RFC 5806 §4 (diversion-reason)
 */
export function reasonFromDiversion(token: string | null): DiversionReason {
  if (token === null) return 'unknown';
  const t = token.toLowerCase();
  switch (t) {
    case 'user-busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'unavailable':
    case 'out-of-service': // the user's line is out of order: not reachable
    case 'away':
      return 'unavailable';
    case 'unconditional':
      return 'unconditional';
    case 'time-of-day':
      return 'time-of-day';
    case 'do-not-disturb':
      return 'do-not-disturb';
    case 'deflection':
      return 'deflection';
    default:
      // follow-me (the chain's outcome is unknown), unknown, send_to_vm (Asterisk), ...
      return /^[1-6][0-9]{2}$/.test(t) ? reasonFromCause(Number(t)) : 'unknown';
  }
}

/**
 * A status code the old target actually answered (the `Reason: SIP;cause=` escaped in
 * a History-Info entry) — ordinary response semantics, unlike the RFC 4458 table.
 * @see RFC 3326; RFC 3261 §21
 */
export function reasonFromResponse(status: number): DiversionReason {
  switch (status) {
    case 486:
    case 600:
      return 'busy';
    case 408: // no answer within the proxy's timer
    case 487: // the ringing branch was CANCELled by a no-answer timer
      return 'no-answer';
    case 480:
    case 404:
    case 410:
    case 503:
      return 'unavailable';
    case 603:
      return 'deflection';
    case 301:
    case 302:
      return 'unconditional';
    default:
      return 'unknown';
  }
}

/** ITU-T Q.850 cause values in a `Reason: Q.850;cause=` (17 busy, 18/19 no answer, 20 absent, 21 rejected). */
export function reasonFromQ850(cause: number): DiversionReason {
  switch (cause) {
    case 17:
      return 'busy';
    case 18:
    case 19:
      return 'no-answer';
    case 20:
      return 'unavailable';
    case 21:
      return 'deflection';
    default:
      return 'unknown';
  }
}

/**
 * The greeting slot a reason plays: busy, no-answer, unavailable (also do-not-disturb),
 * unconditional (also time-of-day, a scheduled forward); deflection and unknown get
 * the default greeting.
 */
export function greetingReasonFor(reason: DiversionReason): GreetingReason {
  switch (reason) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'unavailable':
    case 'do-not-disturb':
      return 'unavailable';
    case 'unconditional':
    case 'time-of-day':
      return 'unconditional';
    case 'deflection':
    case 'unknown':
      return 'default';
  }
}
