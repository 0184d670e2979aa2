import { err, ok, type Result } from '../../shared/result.js';
import type { SipRequest } from '../message/types.js';
import { parseSdp, type SessionDescription } from '../sdp/index.js';

/** Most parts we look at in a multipart body. */
const MAX_PARTS = 16;

/**
 * The SDP a request carries, if any: an application/sdp body, or the application/sdp
 * part of a multipart/mixed body (RFC 5621). null when there is no SDP.
 */
export function extractSdp(req: Pick<SipRequest, 'body' | 'contentType' | 'headers'>): Result<SessionDescription | null> {
  if (req.body.length === 0) return ok(null);
  if (req.contentType === 'application/sdp') return parseSdp(req.body);
  if (req.contentType !== 'multipart/mixed') return ok(null);
  const ct = req.headers.get('content-type') ?? '';
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(ct);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return err('multipart body without a boundary');
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  let pos = req.body.indexOf(delim);
  for (let n = 0; pos >= 0 && n < MAX_PARTS; n++) {
    const start = pos + delim.length;
    if (req.body[start] === 0x2d && req.body[start + 1] === 0x2d) break; // closing delimiter
    const next = req.body.indexOf(delim, start);
    const part = req.body.subarray(start, next < 0 ? req.body.length : next);
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd >= 0) {
      const head = part.toString('latin1', 0, headEnd).toLowerCase();
      if (/content-type:\s*application\/sdp/.test(head)) {
        let body = part.subarray(headEnd + 4);
        if (body.length >= 2 && body[body.length - 2] === 0x0d && body[body.length - 1] === 0x0a) body = body.subarray(0, -2);
        return parseSdp(body);
      }
    }
    pos = next;
  }
  return ok(null);
}
