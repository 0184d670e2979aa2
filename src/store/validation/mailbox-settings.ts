/**
 * A mailbox's settings: the documented defaults (model.ts) and the allowed ranges.
 * Create = defaults + the given fields; update = stored settings + the patch; both go
 * through `applyMailboxPatch`, so a value the store refuses on create it also refuses
 * on update.
 */
import { z } from 'zod';
import {
  EMAIL_ACTIONS,
  GREETING_MODES,
  GREETING_REASONS,
  LANGUAGES,
  WARNING_MODES,
  type GreetingReason,
  type GreetingSetting,
  type Mailbox,
} from '../../voicemail/model.js';
import type { MailboxPatch } from '../../voicemail/ports.js';
import { audioKey, email, intIn, invalid, parseOrThrow, sipUri, text } from './fields.js';

/** Everything about a mailbox but its identity and timestamps. */
export type MailboxSettings = Omit<Mailbox, 'id' | 'tenantId' | 'createdAt' | 'updatedAt'>;

export const MAX_NUMBERS = 100;
export const MAX_EMAILS = 20;
export const MAX_MWI_URIS = 16;

export function defaultGreetings(): Record<GreetingReason, GreetingSetting> {
  const entries = GREETING_REASONS.map((reason) => [reason, { mode: 'leave-message', audioKey: null }] as const);
  return Object.fromEntries(entries) as Record<GreetingReason, GreetingSetting>;
}

export function defaultMailboxSettings(id: string): MailboxSettings {
  return {
    name: id,
    language: 'en',
    timeZone: 'UTC',
    numbers: [],
    greetings: defaultGreetings(),
    warningMode: 'standard',
    warningAudioKey: null,
    maxMessageMs: 180_000,
    minMessageMs: 1_000,
    silenceTimeoutMs: 8_000,
    retentionDays: 14,
    savedRetentionDays: 90,
    quotaMessages: 100,
    operatorUri: null,
    pinHash: null,
    emails: [],
    emailAction: 'notify',
    smsNumber: null,
    mwiUris: [],
  };
}

const TIME_ZONE_RULE = 'must be an IANA time zone such as "UTC" or "Europe/Moscow"';
const NUMBER_RULE = 'must be a number or extension: 1–64 visible ASCII characters, no spaces';
const OPERATOR_URI_RULE = 'must be a sip:, sips: or tel: URI without spaces, at most 256 characters';
const PIN_HASH_RULE = 'must be an argon2id hash ($argon2id$...), never the PIN itself';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const phoneNumber = z.string({ error: NUMBER_RULE }).regex(/^[\x21-\x7e]{1,64}$/, { error: NUMBER_RULE });

const greeting = z.object(
  {
    mode: z.enum(GREETING_MODES, { error: `must be one of ${GREETING_MODES.join(', ')}` }),
    audioKey: audioKey.nullable(),
  },
  { error: 'must be { mode, audioKey }' },
);

const patchSchema = z.object(
  {
    name: text(1, 100).optional(),
    language: z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` }).optional(),
    timeZone: z.string({ error: TIME_ZONE_RULE }).refine(isTimeZone, { error: TIME_ZONE_RULE }).optional(),
    numbers: z
      .array(phoneNumber, { error: 'must be a list of numbers' })
      .max(MAX_NUMBERS, { error: `must list at most ${String(MAX_NUMBERS)} numbers` })
      .optional(),
    greetings: z
      .partialRecord(z.enum(GREETING_REASONS, { error: `must be one of ${GREETING_REASONS.join(', ')}` }), greeting)
      .optional(),
    warningMode: z.enum(WARNING_MODES, { error: `must be one of ${WARNING_MODES.join(', ')}` }).optional(),
    warningAudioKey: audioKey.nullable().optional(),
    maxMessageMs: intIn(10_000, 600_000, ' ms (10 s – 10 min)').optional(),
    minMessageMs: intIn(0, 10_000, ' ms').optional(),
    silenceTimeoutMs: intIn(1_000, 60_000, ' ms').optional(),
    retentionDays: intIn(1, 3650, ' days').optional(),
    savedRetentionDays: intIn(1, 3650, ' days').optional(),
    quotaMessages: intIn(1, 100_000, ' messages').optional(),
    operatorUri: z
      .string({ error: OPERATOR_URI_RULE })
      .regex(/^(sips?|tel):\S{1,250}$/i, { error: OPERATOR_URI_RULE })
      .nullable()
      .optional(),
    pinHash: z
      .string({ error: PIN_HASH_RULE })
      .regex(/^\$argon2id\$\S{1,500}$/, { error: PIN_HASH_RULE })
      .nullable()
      .optional(),
    emails: z
      .array(email, { error: 'must be a list of e-mail addresses' })
      .max(MAX_EMAILS, { error: `must list at most ${String(MAX_EMAILS)} addresses` })
      .optional(),
    emailAction: z.enum(EMAIL_ACTIONS, { error: `must be one of ${EMAIL_ACTIONS.join(', ')}` }).optional(),
    smsNumber: phoneNumber.nullable().optional(),
    mwiUris: z
      .array(sipUri, { error: 'must be a list of sip: or sips: URIs' })
      .max(MAX_MWI_URIS, { error: `must list at most ${String(MAX_MWI_URIS)} URIs` })
      .optional(),
  },
  { error: 'must be an object of mailbox settings' },
);

/**
 * Validates `patch` and returns `base` with it applied. Lists (`numbers`, `emails`,
 * `mwiUris`) replace the stored list; `greetings` replaces only the reasons it names. Unknown
 * keys (e.g. `tenantId`, `id` of a NewMailbox) are ignored: identity is not a setting.
 */
export function applyMailboxPatch(base: MailboxSettings, patch: MailboxPatch): MailboxSettings {
  const p = parseOrThrow(patchSchema, patch);
  for (const [field, list] of [
    ['numbers', p.numbers],
    ['emails', p.emails],
    ['mwiUris', p.mwiUris],
  ] as const) {
    const dup = list?.find((item, i) => list.indexOf(item) !== i);
    if (dup !== undefined) throw invalid(field, `must not list ${JSON.stringify(dup)} twice`);
  }
  const maxMessageMs = p.maxMessageMs ?? base.maxMessageMs;
  const minMessageMs = p.minMessageMs ?? base.minMessageMs;
  // Otherwise every recording would be too short to keep.
  if (minMessageMs >= maxMessageMs) {
    throw invalid('minMessageMs', `must be less than maxMessageMs (${String(maxMessageMs)})`, minMessageMs);
  }
  const greetings = { ...base.greetings };
  for (const reason of GREETING_REASONS) {
    const g = p.greetings?.[reason];
    if (g !== undefined) greetings[reason] = { mode: g.mode, audioKey: g.audioKey };
  }
  return {
    name: p.name ?? base.name,
    language: p.language ?? base.language,
    timeZone: p.timeZone ?? base.timeZone,
    numbers: p.numbers ?? base.numbers,
    greetings,
    warningMode: p.warningMode ?? base.warningMode,
    warningAudioKey: p.warningAudioKey === undefined ? base.warningAudioKey : p.warningAudioKey,
    maxMessageMs,
    minMessageMs,
    silenceTimeoutMs: p.silenceTimeoutMs ?? base.silenceTimeoutMs,
    retentionDays: p.retentionDays ?? base.retentionDays,
    savedRetentionDays: p.savedRetentionDays ?? base.savedRetentionDays,
    quotaMessages: p.quotaMessages ?? base.quotaMessages,
    operatorUri: p.operatorUri === undefined ? base.operatorUri : p.operatorUri,
    pinHash: p.pinHash === undefined ? base.pinHash : p.pinHash,
    emails: p.emails ?? base.emails,
    emailAction: p.emailAction ?? base.emailAction,
    smsNumber: p.smsNumber === undefined ? base.smsNumber : p.smsNumber,
    mwiUris: p.mwiUris ?? base.mwiUris,
  };
}

/** Reads the greetings JSON column back, refusing anything that is not a full, valid set. */
export const storedGreetings = z.object(
  Object.fromEntries(GREETING_REASONS.map((r) => [r, greeting])) as Record<GreetingReason, typeof greeting>,
);
