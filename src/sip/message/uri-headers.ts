import { decodeUriPart, type SipUri } from './uri.js';

/** Most `?h=v&...` headers we read from one URI. */
const MAX_URI_HEADERS = 16;

/**
 * The headers escaped in a SIP URI (`<sip:bob@example.com?Reason=SIP%3Bcause%3D486>`),
 * lower-cased names → unescaped values; the first of a repeated name wins.
 *
 *   headers = "?" header *( "&" header )
 *   header  = hname "=" hvalue
 *
 * @see RFC 3261 §19.1.1 (headers), §19.1.5
 */
export function uriHeaders(uri: SipUri): Map<string, string> {
  const out = new Map<string, string>();
  if (uri.headers === null || uri.headers === '') return out;
  const parts = uri.headers.split('&', MAX_URI_HEADERS);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = decodeUriPart(part.slice(0, eq)).toLowerCase();
    if (!out.has(name)) out.set(name, decodeUriPart(part.slice(eq + 1)));
  }
  return out;
}
