/**
 * Header names: compact forms (RFC 3261 §7.3.3 and later RFCs) expand to the long form;
 * lookups are case-insensitive (§7.3.5). Well-known names are written back in their
 * usual spelling; unknown names keep the sender's spelling.
 */

const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

const DISPLAY: Readonly<Record<string, string>> = Object.fromEntries(
  [
    'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
    'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
    'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Diversion',
    'Error-Info', 'Event', 'Expires', 'From', 'History-Info', 'In-Reply-To', 'Max-Forwards', 'MIME-Version',
    'Min-Expires', 'Min-SE', 'Organization', 'P-Asserted-Identity', 'Priority', 'Proxy-Authenticate',
    'Proxy-Authorization', 'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-To', 'Referred-By',
    'Reply-To', 'Require', 'Retry-After', 'Route', 'RSeq', 'Server', 'Session-Expires', 'Subject',
    'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported', 'User-Agent', 'Via', 'Warning',
    'WWW-Authenticate',
  ].map((n) => [n.toLowerCase(), n]),
);

/** Lower-case long-form key for any spelling (`v`, `VIA`, `Via` → `via`). */
export function headerKey(name: string): string {
  const lc = name.toLowerCase();
  return lc.length === 1 ? (COMPACT[lc] ?? lc) : lc;
}

/** How we write a header name: the usual spelling for known names, else as given. */
export function displayName(key: string, asReceived: string): string {
  return DISPLAY[key] ?? (asReceived.length === 1 ? key : asReceived);
}

/** Headers that may appear once only; a second copy makes the request a 400. */
export const SINGLE_VALUED: ReadonlySet<string> = new Set([
  'from',
  'to',
  'call-id',
  'cseq',
  'max-forwards',
  'content-length',
  'content-type',
]);
