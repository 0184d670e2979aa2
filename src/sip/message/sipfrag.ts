/**
 * The status code of a `message/sipfrag` body that starts with a Status-Line, as in the
 * NOTIFYs that report on a REFER:
 *
 *   SIP/2.0 200 OK
 *
 * Null when the body does not start with `SIP/2.0 NNN`. Reads at most the first line
 * (bounded), never throws.
 * @see RFC 3420 (message/sipfrag), RFC 3515 §2.4.5
 */
export function sipfragStatus(body: Buffer): number | null {
  const head = body.toString('latin1', 0, Math.min(body.length, 256));
  const m = /^SIP\/2\.0 ([1-6][0-9]{2})(?:[ \t]|\r?\n|$)/.exec(head);
  return m ? Number(m[1]) : null;
}
