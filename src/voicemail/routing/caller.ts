import { parseNameAddrList, type NameAddr, type SipRequest } from '../../sip/index.js';
import { partyOf } from './numbers.js';

export interface Caller {
  readonly number: string | null;
  readonly name: string | null;
}

/**
 * Who is calling: P-Asserted-Identity (the network's word, RFC 3325 §9.1) when
 * present, else From. With `Privacy: id` (RFC 3325 §9.3) the caller asked the network
 * not to show the asserted identity to the called user — that is the mailbox owner —
 * so only From is used (normally anonymous then). An anonymous From
 * (`sip:anonymous@anonymous.invalid`, RFC 3323 §4.1.1.3) gives no number and no name.
 */
export function callerOf(request: SipRequest): Caller {
  const from = fromParty(request.from);
  if (privacyId(request)) return from;
  const pai = parseNameAddrList(request.headers.getAll('p-asserted-identity'), 4);
  if (!pai.ok || pai.value.length === 0) return from;
  // RFC 3325 allows one sip/sips and one tel identity; the tel one is the number.
  const tel = pai.value.find((na) => na.uri.kind === 'absolute' && na.uri.scheme === 'tel');
  const chosen = tel ?? pai.value[0]!;
  const asserted = fromParty(chosen);
  const name = asserted.name ?? pai.value.map((na) => displayNameOf(na)).find((n) => n !== null) ?? from.name;
  return { number: asserted.number ?? from.number, name };
}

function privacyId(request: SipRequest): boolean {
  for (const field of request.headers.getAll('privacy')) {
    for (const v of field.split(/[;,]/)) if (v.trim().toLowerCase() === 'id') return true;
  }
  return false;
}

function fromParty(na: NameAddr): Caller {
  if (isAnonymous(na)) return { number: null, name: null };
  return { number: partyOf(na.uri), name: displayNameOf(na) };
}

function isAnonymous(na: NameAddr): boolean {
  const u = na.uri;
  if (u.kind !== 'sip') return false;
  return (u.user ?? '').toLowerCase() === 'anonymous' || u.host.toLowerCase() === 'anonymous.invalid';
}

/** Display names that mean "no name". */
const NO_NAME = new Set(['anonymous', 'unknown', 'unavailable', 'restricted', 'private', 'withheld']);

/**
 * The display name as text. The SIP parser keeps header text as latin1 (one char per
 * byte), so "Иван" arrives as its UTF-8 bytes; decode them as UTF-8, or keep latin1
 * when they are not valid UTF-8 (an old PBX sending windows-1252). Control characters
 * are dropped, length capped.
 */
export function displayNameOf(na: NameAddr): string | null {
  if (na.displayName === null) return null;
  const text = wireText(na.displayName)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 128);
  if (text.length === 0 || NO_NAME.has(text.toLowerCase())) return null;
  return text;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function wireText(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  try {
    return UTF8.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}
