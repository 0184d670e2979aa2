/**
 * The gateway's id for an accepted SMS, when it is obvious: a message-id header, or an
 * id field at the top of a JSON answer (or under data / result / the first of messages),
 * which is what most gateways return. Anything less certain gives null: a wrong id in
 * the delivery log is worse than none.
 */

const HEADERS = ['x-message-id', 'message-id', 'x-sms-id'];
const KEYS = ['message_id', 'messageId', 'msg_id', 'sms_id', 'smsId', 'id'];
const MAX_ID_LENGTH = 128;

function asId(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v !== '' && v.length <= MAX_ID_LENGTH) return v;
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fromJson(body: string): string | null {
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isObject(root)) return null;
  const messages = root.messages;
  const candidates = [root, root.data, root.result, Array.isArray(messages) ? (messages as unknown[])[0] : undefined];
  for (const c of candidates) {
    if (!isObject(c)) continue;
    for (const key of KEYS) {
      const id = asId(c[key]);
      if (id !== null) return id;
    }
  }
  return null;
}

export function providerIdFrom(headers: Headers, body: string): string | null {
  for (const h of HEADERS) {
    const id = asId(headers.get(h));
    if (id !== null) return id;
  }
  return /^\s*\{/.test(body) ? fromJson(body) : null;
}
