/**
 * Checks of the records the store writes besides mailbox settings: tenants, messages,
 * missed calls, pending deposits, and list filters. Each returns the value to store
 * (times in canonical ISO form) or throws StoreError VM_STORE_INVALID.
 */
import { z } from 'zod';
import { DIVERSION_REASONS, FOLDERS, MESSAGE_ORIGINS, MISSED_CALL_CAUSES, type PendingDeposit } from '../../voicemail/model.js';
import type { DistributionListPatch, NewDistributionList, NewMessage, NewMissedCall, NewTenant, TenantPatch } from '../../voicemail/ports.js';
import { audioKey, callText, email, httpUrl, id, ID_RULE, intIn, invalid, isoTime, parseOrThrow, text } from './fields.js';

const reason = z.enum(DIVERSION_REASONS, { error: `must be one of ${DIVERSION_REASONS.join(', ')}` });
export const folder = z.enum(FOLDERS, { error: `must be one of ${FOLDERS.join(', ')}` });

const tenantPatch = z.object({
  name: text(1, 100).optional(),
  defaultEmail: email.nullable().optional(),
  duplicateToDefault: z.boolean({ error: 'must be true or false' }).optional(),
  webhookUrl: httpUrl.nullable().optional(),
  // Never echoed in errors (fields.ts SECRET_FIELDS).
  webhookSecret: text(16, 256).nullable().optional(),
});
const newTenant = tenantPatch.extend({ id });

export function checkNewTenant(input: NewTenant): z.output<typeof newTenant> {
  return parseOrThrow(newTenant, input);
}

export function checkTenantPatch(input: TenantPatch): z.output<typeof tenantPatch> {
  return parseOrThrow(tenantPatch, input);
}

const callFields = {
  tenantId: id,
  mailboxId: id,
  callerNumber: callText,
  callerName: callText,
  calledNumber: callText,
  reason,
  callId: callText,
};

const newMessage = z.object({
  ...callFields,
  id,
  receivedAt: isoTime,
  durationMs: intIn(0, 86_400_000, ' ms'),
  recovered: z.boolean({ error: 'must be true or false' }),
  audioKey,
  sizeBytes: intIn(0, Number.MAX_SAFE_INTEGER, ' bytes'),
  origin: z.enum(MESSAGE_ORIGINS, { error: `must be one of ${MESSAGE_ORIGINS.join(', ')}` }).default('call'),
  forwardedBy: text(1, 320).nullable().default(null),
  commentMs: intIn(0, 86_400_000, ' ms').default(0),
  transcript: text(0, 100_000).nullable().default(null),
});
export type CheckedMessage = z.output<typeof newMessage>;

export function checkNewMessage(input: NewMessage): CheckedMessage {
  return parseOrThrow(newMessage, input);
}

const newMissedCall = z.object({
  ...callFields,
  cause: z.enum(MISSED_CALL_CAUSES, { error: `must be one of ${MISSED_CALL_CAUSES.join(', ')}` }),
  at: isoTime,
});
export type CheckedMissedCall = z.output<typeof newMissedCall>;

export function checkNewMissedCall(input: NewMissedCall): CheckedMissedCall {
  return parseOrThrow(newMissedCall, input);
}

const pendingDeposit = z.object({
  ...callFields,
  id,
  receivedAt: isoTime,
  minMessageMs: intIn(0, 600_000, ' ms'),
});
export type CheckedDeposit = z.output<typeof pendingDeposit>;

export function checkPendingDeposit(input: PendingDeposit): CheckedDeposit {
  return parseOrThrow(pendingDeposit, input);
}

const newList = z.object({
  tenantId: id,
  id,
  name: text(1, 100),
  mailboxIds: z.array(id, { error: 'must be a list of mailbox ids' }).max(1000, { error: 'must have at most 1000 mailboxes' }),
});
const listPatch = newList.pick({ name: true, mailboxIds: true }).partial();

/** Mailbox ids come back without duplicates, first occurrence kept. */
export function checkNewList(input: NewDistributionList): z.output<typeof newList> {
  const l = parseOrThrow(newList, input);
  return { ...l, mailboxIds: [...new Set(l.mailboxIds)] };
}

export function checkListPatch(input: DistributionListPatch): z.output<typeof listPatch> {
  const p = parseOrThrow(listPatch, input);
  return p.mailboxIds === undefined ? p : { ...p, mailboxIds: [...new Set(p.mailboxIds)] };
}

export function checkId(field: string, value: string): string {
  if (!id.safeParse(value).success) throw invalid(field, ID_RULE, value);
  return value;
}

export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** A list limit: default 100; above 1000 is cut to 1000 (a page, not an error); below 1 is refused. */
export function listLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', `must be an integer 1–${String(MAX_LIST_LIMIT)}`, limit);
  return Math.min(limit, MAX_LIST_LIMIT);
}

/** An ISO bound of a filter, as epoch milliseconds. */
export function timeBound(field: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return Date.parse(parseOrThrow(isoTime, value, field));
}
