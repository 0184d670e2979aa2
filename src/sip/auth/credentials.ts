import { err, ok, type Result } from '../../shared/result.js';
import { TOKEN, isWsp } from '../message/charset.js';

/**
 * An `Authorization: Digest ...` value, as sent:
 *
 *   Authorization: Digest username="bob", realm="voxmail", nonce="AZ...",
 *      uri="sip:100@192.0.2.1", response="6629fae4...", algorithm=MD5,
 *      cnonce="0a4f113b", qop=auth, nc=00000001
 *
 *   credentials     = "Digest" LWS digest-response
 *   digest-response = dig-resp *(COMMA dig-resp)
 *   dig-resp        = username / realm / nonce / digest-uri / dresponse / algorithm /
 *                     cnonce / opaque / message-qop / nonce-count / auth-param
 *   auth-param      = auth-param-name EQUAL ( token / quoted-string )
 *
 * Values are latin1 strings of the wire bytes, unquoted and unescaped.
 * @see RFC 3261 §25.1 (credentials), §22.4; RFC 7616 §3.4; RFC 8760 §2.6
 */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As written; RFC 7616 §3.4: MD5 when absent. */
  readonly algorithm: string;
  readonly cnonce: string | null;
  readonly qop: string | null;
  readonly nc: string | null;
  readonly opaque: string | null;
  /** `userhash=true` (RFC 7616 §3.4.4): a hashed username, which we never offer. */
  readonly userhash: boolean;
}

/** Longest Authorization value we look at; real ones are ~300–500 bytes. */
export const MAX_CREDENTIALS_CHARS = 4096;
/** Most directives in one Authorization value. */
const MAX_DIRECTIVES = 24;
/** Longest single directive value (nonce, cnonce, uri...). */
const MAX_VALUE_CHARS = 1024;

/**
 * Parse one Authorization value. Never throws; linear in the input, which is refused
 * above MAX_CREDENTIALS_CHARS. `not-digest` means another scheme (Basic...).
 */
export function parseDigestCredentials(value: string): Result<DigestCredentials, string> {
  if (value.length > MAX_CREDENTIALS_CHARS) return err('credentials are too long');
  let i = skip(value, 0);
  const schemeStart = i;
  while (i < value.length && TOKEN[value.charCodeAt(i)] === 1) i++;
  if (value.slice(schemeStart, i).toLowerCase() !== 'digest') return err('not-digest');
  if (i < value.length && !isWsp(value.charCodeAt(i))) return err('no whitespace after the scheme');

  const d = new Map<string, string>();
  for (;;) {
    i = skip(value, i);
    if (i >= value.length) break;
    const nameStart = i;
    while (i < value.length && TOKEN[value.charCodeAt(i)] === 1) i++;
    if (i === nameStart) return err(`unexpected "${value[i] ?? ''}" where a directive name was expected`);
    const name = value.slice(nameStart, i).toLowerCase();
    i = skip(value, i);
    if (value.charCodeAt(i) !== 0x3d /* = */) return err(`directive "${name}" has no value`);
    i = skip(value, i + 1);
    let v: string;
    if (value.charCodeAt(i) === 0x22 /* " */) {
      const q = readQuoted(value, i);
      if (q === null) return err(`directive "${name}" has a bad quoted string`);
      v = q.text;
      i = q.end;
    } else {
      const vs = i;
      while (i < value.length && TOKEN[value.charCodeAt(i)] === 1) i++;
      if (i === vs) return err(`directive "${name}" has an empty value`);
      v = value.slice(vs, i);
    }
    if (v.length > MAX_VALUE_CHARS) return err(`directive "${name}" is too long`);
    if (d.has(name)) return err(`directive "${name}" appears twice`);
    if (d.size >= MAX_DIRECTIVES) return err('too many directives');
    d.set(name, v);
    i = skip(value, i);
    if (i >= value.length) break;
    if (value.charCodeAt(i) !== 0x2c /* , */) return err(`unexpected "${value[i] ?? ''}" after directive "${name}"`);
    i++;
  }

  const username = d.get('username');
  const realm = d.get('realm');
  const nonce = d.get('nonce');
  const uri = d.get('uri');
  const response = d.get('response');
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return err('one of username, realm, nonce, uri, response is missing');
  }
  return ok({
    username,
    realm,
    nonce,
    uri,
    response,
    algorithm: d.get('algorithm') ?? 'MD5',
    cnonce: d.get('cnonce') ?? null,
    qop: d.get('qop') ?? null,
    nc: d.get('nc') ?? null,
    opaque: d.get('opaque') ?? null,
    userhash: (d.get('userhash') ?? '').toLowerCase() === 'true',
  });
}

/** Skip LWS and empty list elements' whitespace (SP, HTAB; folding is already joined). */
function skip(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/** quoted-string at s[i] === '"' → unescaped text and the index after the closing quote. */
function readQuoted(s: string, i: number): { text: string; end: number } | null {
  const parts: string[] = [];
  let from = i + 1;
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) {
      parts.push(s.slice(from, j));
      return { text: parts.join(''), end: j + 1 };
    }
    if (c === 0x0d || c === 0x0a) return null;
    if (c === 0x5c /* \ */) {
      if (j + 1 >= s.length) return null;
      parts.push(s.slice(from, j));
      from = j + 1; // keep the escaped char
      j++;
    }
  }
  return null;
}

/** A value as a quoted-string (for challenges we write): escape `"` and `\`. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}
