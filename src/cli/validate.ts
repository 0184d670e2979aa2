/**
 * Checks of the values operators type on the command line. Each returns the cleaned value
 * or a message that completes "--option: ..." and says what IS allowed, in the style of
 * the config messages (`must be 10–600 seconds (got 5)`). Pure functions: the commands
 * collect every problem before touching the store.
 */
import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';
import { normalizeNumber } from '../voicemail/routing/index.js';

const q = (s: string): string => JSON.stringify(s);
/** How a rejected value is quoted back: numbers bare (`got 5`), anything else in quotes. */
const shown = (s: string): string => (/^[0-9]+(\.[0-9]+)?$/.test(s) ? s : q(s));

/**
 * Ids of tenants, mailboxes and messages: they become path segments of audio keys and
 * URLs. The same rule as the store's (src/store/validation/fields.ts).
 */
export const ID_RULE = 'must be 1–64 letters, digits, "-" or "_"';

export function parseId(raw: string): Result<string, string> {
  return /^[A-Za-z0-9_-]{1,64}$/.test(raw) ? ok(raw) : err(`${ID_RULE} (got ${q(raw)})`);
}

/** A decimal integer in [min, max]; `unit` is appended to the rule (`days`, `messages`). */
export function parseIntIn(raw: string, min: number, max: number, unit = ''): Result<number, string> {
  const s = raw.trim();
  const n = /^[0-9]{1,9}$/.test(s) ? Number(s) : NaN;
  if (Number.isInteger(n) && n >= min && n <= max) return ok(n);
  return err(`must be an integer ${String(min)}–${String(max)}${unit ? ` ${unit}` : ''} (got ${shown(raw)})`);
}

/**
 * Seconds with at most three decimals (`1`, `0.5`) in [min, max], returned in
 * milliseconds, which is what the model stores.
 */
export function parseSecondsToMs(raw: string, min: number, max: number): Result<number, string> {
  const s = raw.trim();
  const n = /^[0-9]{1,6}(\.[0-9]{1,3})?$/.test(s) ? Number(s) : NaN;
  if (!Number.isNaN(n) && n >= min && n <= max) return ok(Math.round(n * 1_000));
  return err(`must be ${String(min)}–${String(max)} seconds (got ${shown(raw)})`);
}

/** One of a fixed list of words, compared exactly (they are documented in lower case). */
export function parseChoice<T extends string>(raw: string, choices: readonly T[]): Result<T, string> {
  const found = choices.find((c) => c === raw.trim());
  return found === undefined ? err(`must be one of ${choices.join(', ')} (got ${q(raw)})`) : ok(found);
}

export const NUMBER_RULE =
  'must be a phone number: + and 1–20 digits, or 1–32 digits, * and # for an extension (spaces, dashes, dots and parentheses are ignored)';

/**
 * A mailbox number, normalised by the same function the call flow uses to look the
 * called number up (src/voicemail/routing), so that what the operator types is what an
 * INVITE matches: `+7 (495) 123-45-67` → `+74951234567`, `tel:200` → `200`.
 */
export function parseMailboxNumber(raw: string): Result<string, string> {
  const n = normalizeNumber(raw);
  return n === '' ? err(`${NUMBER_RULE} (got ${q(raw)})`) : ok(n);
}

/** A number SMS can be sent to: digits with an optional leading +, no extensions. */
export function normalizeSmsNumber(raw: string): Result<string, string> {
  const s = raw.replace(/[\s\-.()]/g, '');
  if (/^\+?[0-9]{3,20}$/.test(s)) return ok(s);
  return err(`must be a mobile number: 3–20 digits with an optional leading + (got ${q(raw)})`);
}

/**
 * Basic e-mail syntax: one `@`, no spaces, a dot in the domain. Deliverability is the
 * mail server's business; this catches typos such as a missing `@` or a pasted comma.
 */
export function parseEmail(raw: string): Result<string, string> {
  const s = raw.trim();
  if (s.length <= 254 && /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>.]+$/.test(s)) return ok(s);
  return err(`must be an e-mail address such as name@example.com (got ${q(raw)})`);
}

/** Where callers are sent (302 Contact): a `sip:`, `sips:` or `tel:` URI without spaces. */
export function parseOperatorUri(raw: string): Result<string, string> {
  const s = raw.trim();
  const m = /^(sips?|tel):(\S+)$/i.exec(s);
  if (m?.[1] !== undefined && m[2] !== undefined) return ok(`${m[1].toLowerCase()}:${m[2]}`);
  return err(`must be a sip:, sips: or tel: URI such as sip:operator@pbx.example.com or tel:+74951234567 (got ${q(raw)})`);
}

/**
 * An IANA time zone name (`Europe/Moscow`, `UTC`), checked against the runtime's own
 * tz database and returned in its canonical spelling (`europe/moscow` → `Europe/Moscow`).
 * Offsets such as `+03:00` are refused: they ignore daylight saving changes.
 */
export function parseTimeZone(raw: string): Result<string, string> {
  const s = raw.trim();
  const rule = `must be an IANA time zone name such as Europe/Moscow or UTC (got ${q(raw)})`;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(s)) return err(rule);
  try {
    return ok(new Intl.DateTimeFormat('en-US', { timeZone: s }).resolvedOptions().timeZone);
  } catch {
    return err(rule);
  }
}

/** `a,b` and repeated options arrive as one list; items are trimmed, empty ones dropped. */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** Keeps the first of each value, in order. */
export function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** Where a tenant's webhooks are POSTed: an absolute http:// or https:// URL, at most 2048 characters (the store's rule). */
export function parseWebhookUrl(raw: string): Result<string, string> {
  const s = raw.trim();
  const rule = `must be an http:// or https:// URL of at most 2048 characters, such as https://hooks.example.com/voxmail (got ${q(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw)})`;
  if (s.length > 2048 || /\s/.test(s)) return err(rule);
  try {
    const url = new URL(s);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return err(rule);
  } catch {
    return err(rule);
  }
  return ok(s);
}

export const WEBHOOK_SECRET_MIN = 16;
export const WEBHOOK_SECRET_MAX = 256;

/** The HMAC key of a tenant's webhooks. The value is never quoted back, only its length. */
export function parseWebhookSecret(raw: string): Result<string, string> {
  // UTF-16 length, as the store counts (src/store/validation/records.ts).
  const n = raw.length;
  if (n >= WEBHOOK_SECRET_MIN && n <= WEBHOOK_SECRET_MAX) return ok(raw);
  return err(`must be ${String(WEBHOOK_SECRET_MIN)}–${String(WEBHOOK_SECRET_MAX)} characters (got ${String(n)} characters; the value is not shown)`);
}

/**
 * A phone that gets message-waiting NOTIFYs: a `sip:` or `sips:` URI without spaces, at
 * most 256 characters (the store's rule); the scheme is lower-cased.
 */
export function parseMwiUri(raw: string): Result<string, string> {
  const s = raw.trim();
  const m = /^(sips?):(\S+)$/i.exec(s);
  if (m?.[1] !== undefined && m[2] !== undefined && s.length <= 256) return ok(`${m[1].toLowerCase()}:${m[2]}`);
  return err(`must be a sip: or sips: URI of at most 256 characters such as sip:100@192.0.2.10:5060 (got ${q(raw)})`);
}
