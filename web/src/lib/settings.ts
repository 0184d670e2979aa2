/**
 * The settings form's draft and the PATCH it makes: only what changed is sent (each
 * change is audited on the server, and an owner may not send admin-only fields).
 */
import type { EmailAction, GreetingMode, GreetingReason, Language, Mailbox, MailboxPatch, WarningMode } from '../api/types.js';
import { GREETING_REASONS } from '../api/types.js';
import { splitList } from './format.js';

export const MAX_LENGTH_MIN_S = 10;
export const MAX_LENGTH_MAX_S = 600;

export interface Draft {
  maxSec: number;
  emails: string;
  emailAction: EmailAction;
  smsNumber: string;
  warningMode: WarningMode;
  modes: Record<GreetingReason, GreetingMode>;
  numbers: string;
  retentionDays: string;
  savedRetentionDays: string;
  language: Language;
  timeZone: string;
  pin: string;
  removePin: boolean;
}

export function draftOf(m: Mailbox): Draft {
  return {
    maxSec: Math.min(MAX_LENGTH_MAX_S, Math.max(MAX_LENGTH_MIN_S, Math.round(m.maxMessageMs / 1000))),
    emails: m.emails.join(', '),
    emailAction: m.emailAction,
    smsNumber: m.smsNumber ?? '',
    warningMode: m.warningMode,
    modes: Object.fromEntries(GREETING_REASONS.map((r) => [r, m.greetings[r]?.mode ?? 'leave-message'])) as Record<GreetingReason, GreetingMode>,
    numbers: m.numbers.join(', '),
    retentionDays: String(m.retentionDays),
    savedRetentionDays: String(m.savedRetentionDays),
    language: m.language,
    timeZone: m.timeZone,
    pin: '',
    removePin: false,
  };
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export type PatchResult = { ok: true; patch: MailboxPatch } | { ok: false; problem: 'pin' | 'retention' | 'warning' };

export function patchOf(m: Mailbox, d: Draft, admin: boolean): PatchResult {
  const patch: MailboxPatch = {};
  if (d.maxSec * 1000 !== m.maxMessageMs) patch.maxMessageMs = d.maxSec * 1000;
  const emails = splitList(d.emails);
  if (!sameList(emails, m.emails)) patch.emails = emails;
  if (d.emailAction !== m.emailAction) patch.emailAction = d.emailAction;
  const sms = d.smsNumber.trim() === '' ? null : d.smsNumber.trim();
  if (sms !== m.smsNumber) patch.smsNumber = sms;
  if (d.warningMode !== m.warningMode) {
    // The server refuses a custom warning mode without a custom warning: say so before sending.
    if (d.warningMode === 'custom' && !m.customWarning) return { ok: false, problem: 'warning' };
    patch.warningMode = d.warningMode;
  }
  const greetings: NonNullable<MailboxPatch['greetings']> = {};
  for (const r of GREETING_REASONS) if (d.modes[r] !== m.greetings[r]?.mode) greetings[r] = { mode: d.modes[r] };
  if (Object.keys(greetings).length > 0) patch.greetings = greetings;
  if (admin) {
    const numbers = splitList(d.numbers);
    if (!sameList(numbers, m.numbers)) patch.numbers = numbers;
  }
  for (const [key, text] of [
    ['retentionDays', d.retentionDays],
    ['savedRetentionDays', d.savedRetentionDays],
  ] as const) {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) return { ok: false, problem: 'retention' };
    if (n !== m[key]) patch[key] = n;
  }
  if (d.language !== m.language) patch.language = d.language;
  if (d.timeZone.trim() !== m.timeZone) patch.timeZone = d.timeZone.trim();
  if (d.removePin) patch.pin = null;
  else if (d.pin !== '') {
    if (!/^\d{4,12}$/.test(d.pin)) return { ok: false, problem: 'pin' };
    patch.pin = d.pin;
  }
  return { ok: true, patch };
}
