/**
 * What the API shows of users, mailboxes and messages: the response schemas (zod, turned
 * into JSON Schema for Fastify and OpenAPI) and the functions that build them from the
 * domain records. Storage details (audio keys) and secrets (password and PIN hashes)
 * are not part of any shape: the PIN shows as `pinSet`, a custom greeting as `custom`.
 */
import { z } from 'zod';
import {
  DIVERSION_REASONS,
  EMAIL_ACTIONS,
  FOLDERS,
  GREETING_MODES,
  GREETING_REASONS,
  LANGUAGES,
  MESSAGE_ORIGINS,
  ROLES,
  WARNING_MODES,
  type DistributionList,
  type GreetingReason,
  type Mailbox,
  type Message,
  type Tenant,
  type User,
} from '../voicemail/model.js';

const iso = z.string().describe('ISO 8601 UTC time');

export const userView = z.object({
  id: z.string(),
  login: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  tenantId: z.string().nullable().describe('null for a platform admin'),
  mailboxIds: z.array(z.string()).describe("an owner's mailboxes; empty for admins"),
  language: z.enum(LANGUAGES),
});
export type UserView = z.output<typeof userView>;

export function toUserView(u: User): UserView {
  return { id: u.id, login: u.login, name: u.name, role: u.role, tenantId: u.tenantId, mailboxIds: [...u.mailboxIds], language: u.language };
}

const greetingView = z.object({
  mode: z.enum(GREETING_MODES),
  custom: z.boolean().describe('the owner recorded or uploaded this greeting (else the standard phrase)'),
});

export const mailboxView = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  language: z.enum(LANGUAGES),
  timeZone: z.string(),
  numbers: z.array(z.string()),
  greetings: z.object(Object.fromEntries(GREETING_REASONS.map((r) => [r, greetingView])) as Record<GreetingReason, typeof greetingView>),
  warningMode: z.enum(WARNING_MODES),
  customWarning: z.boolean(),
  maxMessageMs: z.int(),
  minMessageMs: z.int(),
  silenceTimeoutMs: z.int(),
  retentionDays: z.int(),
  savedRetentionDays: z.int(),
  quotaMessages: z.int(),
  operatorUri: z.string().nullable(),
  pinSet: z.boolean(),
  emails: z.array(z.string()),
  emailAction: z.enum(EMAIL_ACTIONS),
  smsNumber: z.string().nullable(),
  mwiUris: z.array(z.string()),
  createdAt: iso,
  updatedAt: iso,
});
export type MailboxView = z.output<typeof mailboxView>;

export function toMailboxView(m: Mailbox): MailboxView {
  const greetings = Object.fromEntries(GREETING_REASONS.map((r) => [r, { mode: m.greetings[r].mode, custom: m.greetings[r].audioKey !== null }]));
  return {
    id: m.id,
    tenantId: m.tenantId,
    name: m.name,
    language: m.language,
    timeZone: m.timeZone,
    numbers: [...m.numbers],
    greetings: greetings as MailboxView['greetings'],
    warningMode: m.warningMode,
    customWarning: m.warningAudioKey !== null,
    maxMessageMs: m.maxMessageMs,
    minMessageMs: m.minMessageMs,
    silenceTimeoutMs: m.silenceTimeoutMs,
    retentionDays: m.retentionDays,
    savedRetentionDays: m.savedRetentionDays,
    quotaMessages: m.quotaMessages,
    operatorUri: m.operatorUri,
    pinSet: m.pinHash !== null,
    emails: [...m.emails],
    emailAction: m.emailAction,
    smsNumber: m.smsNumber,
    mwiUris: [...m.mwiUris],
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

export const messageView = z.object({
  id: z.string(),
  tenantId: z.string(),
  mailboxId: z.string(),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable().describe('from SIP headers: untrusted text, escape before showing'),
  calledNumber: z.string().nullable(),
  reason: z.enum(DIVERSION_REASONS),
  receivedAt: iso,
  durationMs: z.int(),
  heard: z.boolean(),
  folder: z.enum(FOLDERS),
  folderChangedAt: iso,
  recovered: z.boolean().describe('made from a partial recording after a crash'),
  sizeBytes: z.int(),
  audioUrl: z.string().describe('GET it for the WAV (HTTP Range supported)'),
  origin: z.enum(MESSAGE_ORIGINS).describe('call: a deposit; forward / broadcast: a copy someone sent'),
  forwardedBy: z.string().nullable().describe('login of who forwarded or broadcast it; null for a call'),
  commentMs: z.int().describe("where the original starts in a forward's audio (comment + 0.5 s of silence); 0 without a comment"),
  transcript: z.string().nullable().describe('null until transcription exists'),
  restoreFolder: z.enum(FOLDERS).nullable().describe('in trash: the folder a restore puts it back into; null outside trash'),
});
export type MessageView = z.output<typeof messageView>;

export function toMessageView(m: Message, apiPrefix: string): MessageView {
  const tenant = `?tenant=${encodeURIComponent(m.tenantId)}`;
  return {
    id: m.id,
    tenantId: m.tenantId,
    mailboxId: m.mailboxId,
    callerNumber: m.callerNumber,
    callerName: m.callerName,
    calledNumber: m.calledNumber,
    reason: m.reason,
    receivedAt: m.receivedAt,
    durationMs: m.durationMs,
    heard: m.heard,
    folder: m.folder,
    folderChangedAt: m.folderChangedAt,
    recovered: m.recovered,
    sizeBytes: m.sizeBytes,
    audioUrl: `${apiPrefix}/messages/${encodeURIComponent(m.id)}/audio${tenant}`,
    origin: m.origin,
    forwardedBy: m.forwardedBy,
    commentMs: m.commentMs,
    transcript: m.transcript,
    restoreFolder: m.restoreFolder,
  };
}

export const listView = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  mailboxIds: z.array(z.string()).describe('mailboxes of the tenant (one removed since is skipped when sending)'),
});
export type ListView = z.output<typeof listView>;

export function toListView(l: DistributionList): ListView {
  return { id: l.id, tenantId: l.tenantId, name: l.name, mailboxIds: [...l.mailboxIds] };
}

export const tenantView = z.object({
  id: z.string(),
  name: z.string(),
  defaultEmail: z.string().nullable().describe("the tenant's default address for voicemail e-mail"),
  duplicateToDefault: z.boolean().describe('copy every voicemail e-mail to the default address too'),
  webhookUrl: z.string().nullable(),
  webhookSecretSet: z.boolean().describe('a webhook signing secret is set (the secret itself is never shown)'),
});
export type TenantView = z.output<typeof tenantView>;

export function toTenantView(t: Tenant): TenantView {
  return {
    id: t.id,
    name: t.name,
    defaultEmail: t.defaultEmail,
    duplicateToDefault: t.duplicateToDefault,
    webhookUrl: t.webhookUrl,
    webhookSecretSet: t.webhookSecret !== null,
  };
}
