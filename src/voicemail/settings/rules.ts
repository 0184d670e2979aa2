/**
 * The rules of mailbox and tenant settings as people send them (the REST API): each
 * check returns the cleaned value or throws VM_SETTINGS_INVALID naming the field and
 * what IS allowed. The limits are the command line's too (src/cli/mailbox-options.ts
 * imports them); the store checks the same ranges last (src/store/validation/).
 */
import { normalizeNumber } from '../routing/index.js';
import { invalid } from './errors.js';

export const SETTING_LIMITS = Object.freeze({
  maxMessageMs: [10_000, 600_000],
  minMessageMs: [0, 10_000],
  silenceTimeoutMs: [1_000, 60_000],
  retentionDays: [1, 3_650],
  savedRetentionDays: [1, 3_650],
  quotaMessages: [1, 100_000],
} as const);
export const NAME_MAX = 100;
export const MAX_NUMBERS = 100;
export const MAX_EMAILS = 20;
export const MAX_MWI_URIS = 16;
export const WEBHOOK_SECRET_MIN = 16;
export const WEBHOOK_SECRET_MAX = 256;

const q = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 77)}...` : s);

export function checkName(field: string, raw: string): string {
  const s = raw.trim();
  // eslint-disable-next-line no-control-regex
  if (s === '' || s.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(s)) throw invalid(field, `must be 1–${String(NAME_MAX)} characters without control characters`);
  return s;
}

export function checkIntIn(field: keyof typeof SETTING_LIMITS, n: number): number {
  const [min, max] = SETTING_LIMITS[field];
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(field, `must be an integer ${String(min)}–${String(max)} (got ${String(n)})`);
  return n;
}

/** An IANA zone, returned in the runtime's canonical spelling (`europe/moscow` → `Europe/Moscow`). */
export function checkTimeZone(raw: string): string {
  const s = raw.trim();
  const rule = `must be an IANA time zone name such as Europe/Moscow or UTC (got ${q(raw)})`;
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(s)) throw invalid('timeZone', rule);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: s }).resolvedOptions().timeZone;
  } catch {
    throw invalid('timeZone', rule);
  }
}

export function checkEmail(field: string, raw: string): string {
  const s = raw.trim();
  if (s.length <= 254 && /^[^\s@,;<>]+@[^\s@,;<>]+\.[^\s@,;<>.]+$/.test(s)) return s;
  throw invalid(field, `must be an e-mail address such as name@example.com (got ${q(raw)})`);
}

export function checkEmails(raw: readonly string[]): string[] {
  if (raw.length > MAX_EMAILS) throw invalid('emails', `must list at most ${String(MAX_EMAILS)} addresses`);
  return unique(raw.map((e) => checkEmail('emails', e)));
}

/** Normalised by the function the call flow looks numbers up with (`+7 (495) 123-45-67` → `+74951234567`). */
export function checkNumbers(raw: readonly string[]): string[] {
  if (raw.length > MAX_NUMBERS) throw invalid('numbers', `must list at most ${String(MAX_NUMBERS)} numbers`);
  return unique(
    raw.map((r) => {
      const n = normalizeNumber(r);
      if (n === '') throw invalid('numbers', `must be phone numbers: + and 1–20 digits, or 1–32 digits, * and # for an extension (got ${q(r)})`);
      return n;
    }),
  );
}

export function checkSmsNumber(raw: string): string {
  const s = raw.replace(/[\s\-.()]/g, '');
  if (/^\+?[0-9]{3,20}$/.test(s)) return s;
  throw invalid('smsNumber', `must be a mobile number: 3–20 digits with an optional leading + (got ${q(raw)})`);
}

export function checkOperatorUri(raw: string): string {
  const s = raw.trim();
  const m = /^(sips?|tel):(\S+)$/i.exec(s);
  if (m?.[1] !== undefined && m[2] !== undefined && s.length <= 256) return `${m[1].toLowerCase()}:${m[2]}`;
  throw invalid('operatorUri', `must be a sip:, sips: or tel: URI such as sip:operator@pbx.example.com (got ${q(raw)})`);
}

export function checkMwiUris(raw: readonly string[]): string[] {
  const uris = unique(
    raw.map((r) => {
      const s = r.trim();
      const m = /^(sips?):(\S+)$/i.exec(s);
      if (m?.[1] !== undefined && m[2] !== undefined && s.length <= 256) return `${m[1].toLowerCase()}:${m[2]}`;
      throw invalid('mwiUris', `must be sip: or sips: URIs of at most 256 characters such as sip:100@192.0.2.10 (got ${q(r)})`);
    }),
  );
  if (uris.length > MAX_MWI_URIS) throw invalid('mwiUris', `must list at most ${String(MAX_MWI_URIS)} URIs`);
  return uris;
}

export function checkWebhookUrl(raw: string): string {
  const s = raw.trim();
  const rule = `must be an http:// or https:// URL of at most 2048 characters (got ${q(raw)})`;
  if (s.length > 2048 || /\s/.test(s)) throw invalid('webhookUrl', rule);
  try {
    const url = new URL(s);
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') throw invalid('webhookUrl', rule);
  } catch {
    throw invalid('webhookUrl', rule);
  }
  return s;
}

/** Never quoted back, only its length. */
export function checkWebhookSecret(raw: string): string {
  if (raw.length >= WEBHOOK_SECRET_MIN && raw.length <= WEBHOOK_SECRET_MAX) return raw;
  throw invalid('webhookSecret', `must be ${String(WEBHOOK_SECRET_MIN)}–${String(WEBHOOK_SECRET_MAX)} characters (got ${String(raw.length)}; the value is not shown)`);
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
