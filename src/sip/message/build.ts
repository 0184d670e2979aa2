import { randomBytes } from 'node:crypto';
import { SipHeaders } from './headers.js';
import { reasonPhrase } from './reason-phrases.js';
import type { OutgoingMessage, SipRequest } from './types.js';
import { formatVia, MAGIC_COOKIE, type Via } from './via.js';

// One randomBytes() call per response cost ~7 µs (measured under OPTIONS load); take
// slices of a pooled buffer instead. Still crypto-grade randomness.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolAt = 0;

/** Random token of `bytes` bytes in base64url (token-safe characters only). */
export function randomToken(bytes = 8): string {
  if (poolAt + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolAt = 0;
  }
  const s = pool.toString('base64url', poolAt, poolAt + bytes);
  poolAt += bytes;
  return s.replace(/_/g, '.');
}

/** A branch that is unique in space and time (RFC 3261 §8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomToken(9);
}

export function newTag(): string {
  return randomToken(6);
}

export interface ResponseOptions {
  readonly reason?: string;
  /** Our To tag; added when the request's To has none (§8.2.6.2). */
  readonly toTag?: string | null;
  /** Extra header fields, appended in order. */
  readonly headers?: Iterable<readonly [string, string]>;
  readonly body?: Buffer;
  readonly contentType?: string;
}

/**
 * Build a response to a request (RFC 3261 §8.2.6): Via (with the top one as stamped by
 * the transport), From, To (+ tag), Call-ID and CSeq copied; the rest is up to the caller.
 */
export function createResponse(req: SipRequest, topVia: Via, status: number, options: ResponseOptions = {}): OutgoingMessage {
  const h = new SipHeaders();
  h.appendRaw('via', 'Via', formatVia(topVia));
  for (let i = 1; i < req.via.length; i++) h.appendRaw('via', 'Via', formatVia(req.via[i]!));
  h.appendRaw('from', 'From', req.from.raw);
  const hasTag = req.to.params.has('tag');
  h.appendRaw('to', 'To', !hasTag && options.toTag && status > 100 ? `${req.to.raw};tag=${options.toTag}` : req.to.raw);
  h.appendRaw('call-id', 'Call-ID', req.callId);
  h.appendRaw('cseq', 'CSeq', `${req.cseq.seq} ${req.cseq.method}`);
  if (options.headers) for (const [n, v] of options.headers) h.append(n, v);
  const body = options.body ?? Buffer.alloc(0);
  if (body.length > 0 && options.contentType) h.set('Content-Type', options.contentType);
  return { startLine: `SIP/2.0 ${status} ${options.reason ?? reasonPhrase(status)}`, headers: h, body };
}

/** Build a response for a request that failed to parse, from whatever headers survived. */
export function createResponseFromRaw(headers: SipHeaders, status: number, reason: string, extra: Iterable<readonly [string, string]> = []): OutgoingMessage | null {
  const via = headers.getAll('via');
  const callId = headers.get('call-id');
  const cseq = headers.get('cseq');
  const from = headers.get('from');
  const to = headers.get('to');
  // Call-ID may be the missing piece (RFC 4475 §3.3.1): the client matches by branch + CSeq.
  if (via.length === 0 || cseq === undefined) return null;
  const h = new SipHeaders();
  for (const v of via) h.appendRaw('via', 'Via', v);
  if (from !== undefined) h.appendRaw('from', 'From', from);
  if (to !== undefined) h.appendRaw('to', 'To', to);
  if (callId !== undefined) h.appendRaw('call-id', 'Call-ID', callId);
  h.appendRaw('cseq', 'CSeq', cseq);
  for (const [n, v] of extra) h.append(n, v);
  return { startLine: `SIP/2.0 ${status} ${safeReason(reason)}`, headers: h, body: Buffer.alloc(0) };
}

/** A reason phrase may not hold control characters (it ends at CRLF). */
export function safeReason(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x1f\x7f]/g, ' ').slice(0, 200);
}
