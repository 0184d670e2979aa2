import { err, ok, type Result } from '../../shared/result.js';
import { TOKEN, isWsp, skipWs } from './charset.js';
import { parseParams, readQuoted, type HeaderParams } from './params.js';
import { parseUri, type Uri } from './uri.js';

/**
 * A From/To/Contact/Route/Record-Route value:
 *
 *   ( name-addr / addr-spec ) *( SEMI param )
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *
 * @see RFC 3261 §20.10, §25.1
 */
export interface NameAddr {
  /** Unquoted, unescaped display name (latin1 chars = wire bytes), or null. */
  readonly displayName: string | null;
  readonly uri: Uri;
  /** Whether the URI was written in <...> (it must be, when serialised with params). */
  readonly bracketed: boolean;
  readonly params: HeaderParams;
  /** The value exactly as received, for copying into responses. */
  readonly raw: string;
}

export function tagOf(na: NameAddr): string | null {
  return na.params.get('tag') ?? null;
}

/**
 * Parse one name-addr or addr-spec with its parameters. `s` is a single list element
 * (already split on top-level commas) or a whole single-valued header.
 */
export function parseNameAddr(s: string): Result<NameAddr> {
  let i = skipWs(s, 0);
  let displayName: string | null = null;
  let uriText: string;
  let bracketed = false;

  if (s.charCodeAt(i) === 0x22) {
    const q = readQuoted(s, i);
    if (!q.ok) return err(`display name: ${q.error}`);
    displayName = q.value.text;
    i = skipWs(s, q.value.end);
    if (s.charCodeAt(i) !== 0x3c) return err('quoted display name is not followed by <URI>');
  } else {
    const lt = s.indexOf('<', i);
    if (lt >= 0) {
      // *(token LWS): only token characters and whitespace may precede '<'.
      for (let j = i; j < lt; j++) {
        const c = s.charCodeAt(j);
        if (!isWsp(c) && TOKEN[c] !== 1) return err('display name holds a character that must be quoted');
      }
      const dn = s.slice(i, lt).trim();
      displayName = dn.length > 0 ? dn : null;
      i = lt;
    }
  }

  if (s.charCodeAt(i) === 0x3c) {
    const gt = s.indexOf('>', i);
    if (gt < 0) return err('"<" without ">"');
    uriText = s.slice(i + 1, gt);
    for (let j = 0; j < uriText.length; j++) {
      if (uriText.charCodeAt(j) <= 0x20) return err('whitespace inside <URI>');
    }
    bracketed = true;
    i = gt + 1;
  } else {
    // addr-spec form: the URI ends at whitespace or ';' (which starts header params).
    // A URI with ';', '?' or ',' of its own must be in <> (RFC 3261 §20.10).
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x3b || isWsp(c)) break;
      if (c === 0x3f || c === 0x2c || c === 0x3c || c === 0x3e || c === 0x22) {
        return err('a URI with "?", "," or parameters must be enclosed in <>');
      }
      i++;
    }
    uriText = s.slice(start, i);
  }

  const uri = parseUri(uriText);
  if (!uri.ok) return uri;
  const p = parseParams(s, i);
  if (!p.ok) return p;
  return ok({ displayName, uri: uri.value, bracketed, params: p.value.params, raw: s.trim() });
}
