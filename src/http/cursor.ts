/**
 * Opaque page cursors for the message list: base64url of `receivedAt|id` of the last
 * message of a page. Opaque so clients do not build them (the order may gain keys later);
 * decoding never throws — a cursor that does not decode is a 400.
 */
import type { MessageCursor } from '../voicemail/ports.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function encodeCursor(c: MessageCursor): string {
  return Buffer.from(`${c.receivedAt}|${c.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): MessageCursor | null {
  if (text.length > 200 || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const [receivedAt = '', id = '', ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  if (rest.length > 0 || !ID.test(id) || Number.isNaN(Date.parse(receivedAt)) || new Date(receivedAt).toISOString() !== receivedAt) return null;
  return { receivedAt, id };
}
