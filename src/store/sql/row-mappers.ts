/**
 * Rows ↔ domain records. Reading is defensive: a value no Voxmail version writes (a
 * hand-edited row, a newer schema) raises VM_STORE_CORRUPT rather than flowing into a
 * call flow as a wrong type.
 */
import { z } from 'zod';
import { VoxmailError } from '../../shared/errors.js';
import {
  DIVERSION_REASONS,
  EMAIL_ACTIONS,
  FOLDERS,
  LANGUAGES,
  MESSAGE_ORIGINS,
  MISSED_CALL_CAUSES,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_EVENTS,
  NOTIFICATION_STATUSES,
  WARNING_MODES,
  type DeliveryAttempt,
  type DistributionList,
  type Mailbox,
  type Message,
  type MissedCall,
  type Notification,
  type PendingDeposit,
  type Tenant,
} from '../../voicemail/model.js';
import { storedGreetings, type MailboxSettings } from '../validation/mailbox-settings.js';
import type { CheckedMessage } from '../validation/records.js';
import { searchTextOf } from './search-text.js';
import type {
  BigIntColumn,
  DeliveryAttemptRow,
  DistributionListRow,
  MailboxRow,
  MessageRow,
  MissedCallRow,
  NotificationRow,
  PendingDepositRow,
  TenantRow,
} from './database.js';

export const STORE_CORRUPT = 'VM_STORE_CORRUPT';

function corrupt(table: string, column: string, value: unknown): VoxmailError {
  return new VoxmailError(STORE_CORRUPT, `${table}.${column} holds a value Voxmail does not write: ${JSON.stringify(value)}`);
}

export function oneOf<T extends string>(values: readonly T[], value: string, table: string, column: string): T {
  if ((values as readonly string[]).includes(value)) return value as T;
  throw corrupt(table, column, value);
}

/** 0/1 integers (SQLite) or booleans (a backend with a boolean type) to boolean. */
export function toBool(value: number | boolean): boolean {
  return value === true || value === 1;
}

export function fromBool(value: boolean): number {
  return value ? 1 : 0;
}

/** Bigint columns come back as numbers (SQLite) or strings (PostgreSQL). */
export function toNumber(value: BigIntColumn): number {
  return typeof value === 'number' ? value : Number(value);
}

function json<S extends z.ZodType>(schema: S, text: string, table: string, column: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw corrupt(table, column, text);
  }
  const result = schema.safeParse(value);
  if (!result.success) throw corrupt(table, column, text);
  return result.data;
}

const stringList = z.array(z.string());

export function tenantFromRow(row: TenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    defaultEmail: row.default_email,
    duplicateToDefault: toBool(row.duplicate_to_default),
    webhookUrl: row.webhook_url,
    webhookSecret: row.webhook_secret,
    createdAt: row.created_at,
  };
}

export function mailboxFromRow(row: MailboxRow, numbers: readonly string[]): Mailbox {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    language: oneOf(LANGUAGES, row.language, 'mailboxes', 'language'),
    timeZone: row.time_zone,
    numbers,
    greetings: json(storedGreetings, row.greetings, 'mailboxes', 'greetings'),
    warningMode: oneOf(WARNING_MODES, row.warning_mode, 'mailboxes', 'warning_mode'),
    warningAudioKey: row.warning_audio_key,
    maxMessageMs: row.max_message_ms,
    minMessageMs: row.min_message_ms,
    silenceTimeoutMs: row.silence_timeout_ms,
    retentionDays: row.retention_days,
    savedRetentionDays: row.saved_retention_days,
    quotaMessages: row.quota_messages,
    operatorUri: row.operator_uri,
    pinHash: row.pin_hash,
    emails: json(stringList, row.emails, 'mailboxes', 'emails'),
    emailAction: oneOf(EMAIL_ACTIONS, row.email_action, 'mailboxes', 'email_action'),
    smsNumber: row.sms_number,
    mwiUris: json(stringList, row.mwi_uris, 'mailboxes', 'mwi_uris'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The settings columns of a mailbox row (identity and timestamps are the caller's). */
export function mailboxSettingsToRow(s: MailboxSettings): Omit<MailboxRow, 'tenant_id' | 'id' | 'created_at' | 'updated_at'> {
  return {
    name: s.name,
    language: s.language,
    time_zone: s.timeZone,
    greetings: JSON.stringify(s.greetings),
    warning_mode: s.warningMode,
    warning_audio_key: s.warningAudioKey,
    max_message_ms: s.maxMessageMs,
    min_message_ms: s.minMessageMs,
    silence_timeout_ms: s.silenceTimeoutMs,
    retention_days: s.retentionDays,
    saved_retention_days: s.savedRetentionDays,
    quota_messages: s.quotaMessages,
    operator_uri: s.operatorUri,
    pin_hash: s.pinHash,
    emails: JSON.stringify(s.emails),
    email_action: s.emailAction,
    sms_number: s.smsNumber,
    mwi_uris: JSON.stringify(s.mwiUris),
  };
}

export function messageFromRow(row: MessageRow): Message {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mailboxId: row.mailbox_id,
    callerNumber: row.caller_number,
    callerName: row.caller_name,
    calledNumber: row.called_number,
    reason: oneOf(DIVERSION_REASONS, row.reason, 'messages', 'reason'),
    receivedAt: row.received_at,
    durationMs: row.duration_ms,
    heard: toBool(row.heard),
    folder: oneOf(FOLDERS, row.folder, 'messages', 'folder'),
    recovered: toBool(row.recovered),
    audioKey: row.audio_key,
    sizeBytes: toNumber(row.size_bytes),
    callId: row.call_id,
    folderChangedAt: row.folder_changed_at,
    origin: oneOf(MESSAGE_ORIGINS, row.origin, 'messages', 'origin'),
    forwardedBy: row.forwarded_by,
    commentMs: row.comment_ms,
    transcript: row.transcript,
    restoreFolder: row.restore_folder === null ? null : oneOf(FOLDERS, row.restore_folder, 'messages', 'restore_folder'),
  };
}

/** The row of a new message: in the inbox, unheard, folder changed `now`. */
export function newMessageRow(m: CheckedMessage, now: Date): MessageRow {
  return {
    id: m.id,
    tenant_id: m.tenantId,
    mailbox_id: m.mailboxId,
    caller_number: m.callerNumber,
    caller_name: m.callerName,
    called_number: m.calledNumber,
    reason: m.reason,
    received_at: m.receivedAt,
    received_at_ms: Date.parse(m.receivedAt),
    duration_ms: m.durationMs,
    heard: 0,
    folder: 'inbox',
    recovered: fromBool(m.recovered),
    audio_key: m.audioKey,
    size_bytes: m.sizeBytes,
    call_id: m.callId,
    folder_changed_at: now.toISOString(),
    folder_changed_at_ms: now.getTime(),
    origin: m.origin,
    forwarded_by: m.forwardedBy,
    comment_ms: m.commentMs,
    transcript: m.transcript,
    restore_folder: null,
    search_text: searchTextOf(m),
  };
}

export function distributionListFromRow(row: DistributionListRow): DistributionList {
  return {
    tenantId: row.tenant_id,
    id: row.id,
    name: row.name,
    mailboxIds: json(stringList, row.mailbox_ids, 'distribution_lists', 'mailbox_ids'),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function missedCallFromRow(row: MissedCallRow): MissedCall {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mailboxId: row.mailbox_id,
    callerNumber: row.caller_number,
    callerName: row.caller_name,
    calledNumber: row.called_number,
    reason: oneOf(DIVERSION_REASONS, row.reason, 'missed_calls', 'reason'),
    cause: oneOf(MISSED_CALL_CAUSES, row.cause, 'missed_calls', 'cause'),
    at: row.at,
    callId: row.call_id,
  };
}

export function depositFromRow(row: PendingDepositRow): PendingDeposit {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mailboxId: row.mailbox_id,
    callerNumber: row.caller_number,
    callerName: row.caller_name,
    calledNumber: row.called_number,
    reason: oneOf(DIVERSION_REASONS, row.reason, 'pending_deposits', 'reason'),
    receivedAt: row.received_at,
    callId: row.call_id,
    minMessageMs: row.min_message_ms,
  };
}

export function notificationFromRow(row: NotificationRow): Notification {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    mailboxId: row.mailbox_id,
    channel: oneOf(NOTIFICATION_CHANNELS, row.channel, 'notifications', 'channel'),
    event: oneOf(NOTIFICATION_EVENTS, row.event, 'notifications', 'event'),
    subjectId: row.subject_id,
    recipient: row.recipient,
    payload: row.payload,
    deliveryKey: row.delivery_key,
    status: oneOf(NOTIFICATION_STATUSES, row.status, 'notifications', 'status'),
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    giveUpAt: row.give_up_at,
    lastError: row.last_error,
    providerId: row.provider_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const OUTCOMES = ['sent', 'retry', 'failed'] as const;

export function deliveryAttemptFromRow(row: DeliveryAttemptRow): DeliveryAttempt {
  return {
    notificationId: row.notification_id,
    attempt: row.attempt,
    at: row.at,
    outcome: oneOf(OUTCOMES, row.outcome, 'delivery_attempts', 'outcome'),
    detail: row.detail,
    providerId: row.provider_id,
  };
}
