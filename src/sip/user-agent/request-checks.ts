import { randomToken } from '../message/build.js';
import { splitList } from '../message/params.js';
import type { SipRequest } from '../message/types.js';
import { ACCEPTED_BODIES, ALLOWED_METHODS, ALLOW_HEADER, ALLOW_HEADER_WITH_SUBSCRIBE, KNOWN_METHODS, SUBSCRIPTION_METHODS, SUPPORTED_EXTENSIONS } from './capabilities.js';

export interface CheckFailure {
  readonly status: number;
  readonly reason?: string;
  readonly headers: readonly (readonly [string, string])[];
}

/**
 * The UAS request checks of RFC 3261 §8.2, in the order the RFC gives (authentication,
 * method, headers, content), for a request that parsed. Returns the error response to
 * send, or null when the request may be processed.
 *
 * - §22/§8.2: credentials in a scheme we do not support are challenged (401 with our
 *   schemes), RFC 4475 §3.3.7. Digest verification itself comes with trusted sources.
 * - §8.2.1: 405 for recognised methods we do not serve, 501 for unknown ones, with Allow.
 *   SUBSCRIBE is served only when `options.subscribe` (a subscription application is set).
 * - §8.2.2.1: 416 for a Request-URI scheme other than sip/sips.
 * - §8.2.2.3: 420 + Unsupported for Require tags we lack (never for ACK/CANCEL);
 *   Proxy-Require is for proxies and ignored (RFC 4475 §3.3.5).
 * - §8.2.3: 415 + Accept for a body type we do not understand; non-identity
 *   Content-Encoding too.
 * - §8.2.2 / RFC 4475 §3.3.15: 406 when Accept rules out the SDP we would answer with.
 */
export function checkRequest(req: SipRequest, realm: string, options: { readonly subscribe?: boolean } = {}): CheckFailure | null {
  const m = req.method;
  if (m === 'ACK' || m === 'CANCEL') return null;

  for (const h of [...req.headers.getAll('authorization'), ...req.headers.getAll('proxy-authorization')]) {
    const scheme = h.trim().split(/[ \t]/, 1)[0]!.toLowerCase();
    if (scheme !== 'digest') {
      const nonce = randomToken(16);
      return {
        status: 401,
        headers: [
          ['WWW-Authenticate', `Digest realm="${realm}", nonce="${nonce}", algorithm=SHA-256, qop="auth"`],
          ['WWW-Authenticate', `Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"`],
        ],
      };
    }
  }

  const subscribe = options.subscribe === true;
  const allow = subscribe ? ALLOW_HEADER_WITH_SUBSCRIBE : ALLOW_HEADER;
  if (!KNOWN_METHODS.has(m)) return { status: 501, headers: [['Allow', allow]] };
  const served = (ALLOWED_METHODS as readonly string[]).includes(m) || (subscribe && SUBSCRIPTION_METHODS.includes(m));
  if (!served) return { status: 405, headers: [['Allow', allow]] };

  if (req.uri.kind !== 'sip') return { status: 416, headers: [] };

  const unsupported: string[] = [];
  for (const field of req.headers.getAll('require')) {
    const tags = splitList(field);
    if (!tags.ok) return { status: 400, reason: 'Bad Require', headers: [] };
    for (const t of tags.value) if (!SUPPORTED_EXTENSIONS.includes(t.toLowerCase())) unsupported.push(t);
  }
  if (unsupported.length > 0) return { status: 420, headers: [['Unsupported', unsupported.join(', ')]] };

  const accepted = ACCEPTED_BODIES[m];
  if (accepted && req.body.length > 0) {
    const enc = req.headers.get('content-encoding');
    if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
      return { status: 415, headers: [['Accept-Encoding', 'identity'], ['Accept', accepted.join(', ')]] };
    }
    if (req.contentType === null || !accepted.includes(req.contentType)) {
      return { status: 415, headers: [['Accept', accepted.join(', ')]] };
    }
  }

  if (m === 'INVITE' || m === 'UPDATE') {
    const accept = req.headers.getAll('accept');
    if (accept.length > 0 && !acceptsSdp(accept)) return { status: 406, headers: [['Accept', 'application/sdp']] };
  }
  return null;
}

/** Whether an Accept header allows application/sdp (an empty Accept allows nothing). */
function acceptsSdp(fields: readonly string[]): boolean {
  for (const f of fields) {
    if (f.trim() === '') continue;
    const parts = splitList(f);
    if (!parts.ok) continue;
    for (const p of parts.value) {
      const type = p.split(';', 1)[0]!.trim().toLowerCase();
      if (type === 'application/sdp' || type === 'application/*' || type === '*/*') return true;
    }
  }
  return false;
}
