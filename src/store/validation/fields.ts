/**
 * Checks shared by every record the store writes, and the one place where a failed
 * check becomes StoreError VM_STORE_INVALID. The store validates even though callers
 * (CLI, API) validate too: it is the last line before data that every call flow
 * trusts, and a PostgreSQL or S3 backend must refuse the same things.
 *
 * Messages follow docs/errors.md: `<field>: <what is allowed> (got <value>)`.
 */
import { z } from 'zod';
import { StoreError } from '../../voicemail/ports.js';
import { AUDIO_KEY_RULE, isAudioKey } from '../audio/audio-key.js';

export const ID_RULE = 'must be 1–64 letters, digits, "-" or "_"';
/** Tenant, mailbox, message and deposit ids: they become segments of audio keys and file names. */
export const id = z.string({ error: ID_RULE }).regex(/^[A-Za-z0-9_-]{1,64}$/, { error: ID_RULE });

const ISO_RULE = 'must be an ISO 8601 time with a zone, e.g. 2026-01-31T12:00:00.000Z';
/**
 * An ISO time, stored in the one canonical UTC form `toISOString()` gives, so that
 * text comparison and ordering of stored times agree with time order.
 */
export const isoTime = z.iso
  .datetime({ offset: true, error: ISO_RULE })
  .transform((s) => new Date(s).toISOString());

export const audioKey = z.string({ error: AUDIO_KEY_RULE }).refine(isAudioKey, { error: AUDIO_KEY_RULE });

const EMAIL_RULE = 'must be an e-mail address';
/** Deliberately loose (one @, no spaces): the mail server is the judge of the rest. */
export const email = z
  .string({ error: EMAIL_RULE })
  .max(254, { error: EMAIL_RULE })
  .regex(/^[^\s@]+@[^\s@]+$/, { error: EMAIL_RULE });

const HTTP_URL_RULE = 'must be an http:// or https:// URL of at most 2048 characters';
/** Where webhooks are POSTed: an absolute http(s) URL (parsed with WHATWG URL), at most 2048 characters. */
export const httpUrl = z
  .string({ error: HTTP_URL_RULE })
  .max(2048, { error: HTTP_URL_RULE })
  .refine(isHttpUrl, { error: HTTP_URL_RULE });

function isHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const SIP_URI_RULE = 'must be a sip: or sips: URI without spaces, at most 256 characters';
/** A SIP URI requests are sent to (MWI NOTIFY targets). */
export const sipUri = z.string({ error: SIP_URI_RULE }).regex(/^sips?:\S{1,250}$/i, { error: SIP_URI_RULE });

/** Free text from the call (caller name, numbers, Call-ID): only the type is checked; the SIP layer bounds sizes. */
export const callText = z.string({ error: 'must be a string or null' }).nullable();

/** Text of `min`–`max` characters. */
export function text(min: number, max: number): z.ZodString {
  const rule = `must be text of ${String(min)}–${String(max)} characters`;
  return z.string({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
}

export function intIn(min: number, max: number, unit = ''): z.ZodInt {
  const rule = `must be an integer ${String(min)}–${String(max)}${unit}`;
  return z.int({ error: rule }).min(min, { error: rule }).max(max, { error: rule });
}

/** Fields whose values never appear in error messages (they end up in logs). */
const SECRET_FIELDS = new Set(['pinHash', 'webhookSecret', 'passwordHash', 'tokenHash', 'idHash']);

/**
 * Parses `input`, or throws StoreError VM_STORE_INVALID listing every problem. `field`
 * names the value itself when the problem is not in one of its fields; `prefix`, when
 * given, names the value instead and goes before its fields (`notifications[2].recipient`).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, field = 'value', prefix = ''): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new StoreError('VM_STORE_INVALID', result.error.issues.map((issue) => formatIssue(issue, field, prefix)).join('; '));
}

export function invalid(field: string, rule: string, got?: unknown): StoreError {
  return new StoreError('VM_STORE_INVALID', `${field}: ${rule}${got === undefined ? '' : ` (got ${show(got)})`}`);
}

function formatIssue(issue: z.core.$ZodIssue, rootField: string, prefix: string): string {
  const path = issue.path.map(String).join('.');
  const field = prefix === '' ? path || rootField : path === '' ? prefix : `${prefix}.${path}`;
  const secret = issue.path.some((p) => SECRET_FIELDS.has(String(p)));
  return `${field}: ${issue.message}${secret || issue.input === undefined ? '' : ` (got ${show(issue.input)})`}`;
}

function show(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
