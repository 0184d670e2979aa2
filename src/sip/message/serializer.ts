import type { OutgoingMessage } from './types.js';

/**
 * Write a message to bytes. Content-Length is always set from the body (mandatory on
 * streams, and a stale value would corrupt framing), replacing any given one.
 * Header text is latin1 (one char per byte), the body is copied as is.
 * @see RFC 3261 §7, §20.14
 */
export function serializeMessage(msg: OutgoingMessage): Buffer {
  msg.headers.set('Content-Length', String(msg.body.length));
  const head = msg.startLine + '\r\n' + msg.headers.toWire() + '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'latin1');
  const headLen = Buffer.byteLength(head, 'latin1');
  const out = Buffer.allocUnsafe(headLen + msg.body.length);
  out.write(head, 0, 'latin1');
  msg.body.copy(out, headLen);
  return out;
}

/** Our own text (which may be UTF-8) in the latin1 form header values are kept in. */
export function utf8ToWire(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/** Wire text (latin1 string of UTF-8 bytes) as a JS string for display. */
export function wireToUtf8(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'latin1').toString('utf8');
}
