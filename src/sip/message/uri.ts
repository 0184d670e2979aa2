import { err, ok, type Result } from '../../shared/result.js';
import { DIGIT, HOST, IPV6, PARAMCHAR, PASSWORD, SCHEME, URI_HEADERS, USER, allIn, parseBoundedInt } from './charset.js';

/**
 * A SIP or SIPS URI, RFC 3261 §19.1:
 *
 *   sip:user:password@host:port;uri-parameters?headers
 *
 * Parts are kept as written (still %-escaped); `decode()` unescapes for display.
 * `host` keeps IPv6 brackets (`[2001:db8::1]`) so it can be written back unchanged.
 */
export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  readonly user: string | null;
  readonly password: string | null;
  readonly host: string;
  readonly port: number | null;
  /** Lower-cased names → value (null for a flag such as `;lr`). Insertion order kept. */
  readonly params: ReadonlyMap<string, string | null>;
  /** The raw `?h=v&...` part without the `?`, or null. */
  readonly headers: string | null;
  readonly raw: string;
}

/** Any other absoluteURI (`tel:`, `http:`, `isbn:`...): kept opaque. */
export interface AbsoluteUri {
  readonly kind: 'absolute';
  readonly scheme: string;
  readonly raw: string;
}

export type Uri = SipUri | AbsoluteUri;

/** Host without IPv6 brackets, for socket calls. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Unescape %HH sequences (invalid ones are kept literally). */
export function decodeUriPart(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** @see RFC 3261 §19.1.1, §25.1 (SIP-URI, SIPS-URI, absoluteURI) */
export function parseUri(s: string): Result<Uri> {
  const colon = s.indexOf(':');
  if (colon <= 0) return err('URI has no scheme');
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 0x41 && c0 <= 0x5a) || (c0 >= 0x61 && c0 <= 0x7a)) || !allIn(SCHEME, s, 0, colon)) {
    return err('URI scheme is not valid');
  }
  const scheme = s.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') {
    // absoluteURI: we do not interpret it, but it must not hold what breaks framing.
    for (let i = colon + 1; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 0x20 || c === 0x3c || c === 0x3e || c === 0x22 || c >= 0x7f) return err('URI holds an invalid character');
    }
    if (colon + 1 >= s.length) return err('URI is empty after the scheme');
    return ok({ kind: 'absolute', scheme, raw: s });
  }
  return parseSipUri(s, scheme, colon + 1);
}

function parseSipUri(s: string, scheme: 'sip' | 'sips', start: number): Result<Uri> {
  let user: string | null = null;
  let password: string | null = null;
  let i = start;
  // '@' cannot appear unescaped in userinfo nor in the host part, so the first '@'
  // ends the userinfo even when the user holds ';', '?' or '/' (RFC 4475 §3.1.1.2).
  const at = s.indexOf('@', start);
  if (at >= 0) {
    const pw = s.indexOf(':', start);
    if (pw >= 0 && pw < at) {
      user = s.slice(start, pw);
      password = s.slice(pw + 1, at);
      if (password.length > 0 && !allIn(PASSWORD, password)) return err('URI password holds an invalid character');
    } else {
      user = s.slice(start, at);
    }
    if (!allIn(USER, user)) return err('URI user part is empty or holds an invalid character');
    i = at + 1;
  }

  let host: string;
  if (s.charCodeAt(i) === 0x5b /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) return err('URI IPv6 reference is not closed');
    if (!allIn(IPV6, s, i + 1, close) || !s.slice(i + 1, close).includes(':')) {
      return err('URI IPv6 reference is not valid');
    }
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    let j = i;
    while (j < s.length && HOST[s.charCodeAt(j)] === 1) j++;
    if (j === i) return err('URI host is missing or invalid');
    host = s.slice(i, j);
    i = j;
  }

  let port: number | null = null;
  if (s.charCodeAt(i) === 0x3a /* : */) {
    let j = i + 1;
    while (j < s.length && DIGIT[s.charCodeAt(j)] === 1) j++;
    port = parseBoundedInt(s.slice(i + 1, j), 65535);
    if (port === null) return err('URI port is not a number 0–65535');
    i = j;
  }

  const params = new Map<string, string | null>();
  while (s.charCodeAt(i) === 0x3b /* ; */) {
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) !== 0x3b && s.charCodeAt(j) !== 0x3f) j++;
    const p = s.slice(i + 1, j);
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    const value = eq < 0 ? null : p.slice(eq + 1);
    if (!allIn(PARAMCHAR, name) || (value !== null && !allIn(PARAMCHAR, value))) {
      return err('URI parameter is not valid');
    }
    params.set(name.toLowerCase(), value);
    i = j;
  }

  let headers: string | null = null;
  if (s.charCodeAt(i) === 0x3f /* ? */) {
    headers = s.slice(i + 1);
    if (!allIn(URI_HEADERS, headers)) return err('URI headers part is not valid');
    i = s.length;
  }
  if (i !== s.length) return err('URI holds unexpected characters after the host');
  return ok({ kind: 'sip', scheme, user, password, host, port, params, headers, raw: s });
}

/** Compare two SIP URIs the way RFC 3261 §19.1.4 asks for the parts we use (user, host, port). */
export function sameSipAddress(a: SipUri, b: SipUri): boolean {
  return (
    a.scheme === b.scheme &&
    decodeUriPart(a.user ?? '') === decodeUriPart(b.user ?? '') &&
    a.host.toLowerCase() === b.host.toLowerCase() &&
    a.port === b.port
  );
}
