import { decodeUriPart, type Uri } from '../../sip/index.js';

/** Longest input we try to read as a number. */
const MAX_INPUT = 256;

/**
 * A telephone number in the form mailbox numbers are stored in: visual separators
 * removed (`-`, `.`, `(`, `)`, spaces), a leading `+` kept, `%`-escapes undone, a
 * `tel:` or `sip:` URI reduced to its number, URI parameters dropped — except that a
 * local number with a global `phone-context` gets it as a prefix
 * (`tel:863-1234;phone-context=+1-914-555` → `+19145558631234`).
 *
 * Returns '' when the input is not a number (`alice`, `voicemail`, `+7-abc`): global
 * numbers are `+` and 1–20 digits; local ones 1–32 of digits, `*` and `#`.
 * @see RFC 3966 §3 (visual-separator), §5.1.4–§5.1.5 (global/local numbers, phone-context)
 */
export function normalizeNumber(input: string): string {
  let s = input.trim();
  if (s.length === 0 || s.length > MAX_INPUT) return '';
  s = decodeUriPart(s);
  const lower = s.slice(0, 5).toLowerCase();
  if (lower.startsWith('tel:')) s = s.slice(4);
  else if (lower.startsWith('sip:') || lower.startsWith('sips:')) {
    const at = s.indexOf('@');
    if (at < 0) return '';
    s = s.slice(s.indexOf(':') + 1, at);
  }
  const [head = '', ...params] = s.split(';');
  let n = stripSeparators(head);
  if (!n.startsWith('+')) {
    const ctx = params.find((p) => p.trim().toLowerCase().startsWith('phone-context='));
    const prefix = ctx === undefined ? '' : stripSeparators(ctx.slice(ctx.indexOf('=') + 1));
    if (/^\+[0-9]+$/.test(prefix) && /^[0-9]+$/.test(n)) n = prefix + n;
  }
  return /^\+[0-9]{1,20}$/.test(n) || /^[0-9*#]{1,32}$/.test(n) ? n : '';
}

function stripSeparators(s: string): string {
  return s.replace(/[-.() \t]/g, '');
}

/**
 * What identifies a party in a URI: the user part of a SIP URI or the number of a tel
 * URI — as a normalised number when it is one, else unescaped as written (`alice`).
 * Null when there is none (a SIP URI without user).
 */
export function partyOf(uri: Uri): string | null {
  let user: string | null;
  if (uri.kind === 'sip') user = uri.user;
  else if (uri.scheme === 'tel') user = uri.raw.slice(4);
  else return null;
  if (user === null || user.length === 0 || user.length > MAX_INPUT) return null;
  const n = normalizeNumber(uri.kind === 'sip' ? user : `tel:${user}`);
  if (n !== '') return n;
  // A non-number keeps its case (mailbox ids may be case-sensitive) but loses user params.
  const plain = decodeUriPart(user.split(';', 1)[0] ?? '');
  return plain.length > 0 ? plain : null;
}
