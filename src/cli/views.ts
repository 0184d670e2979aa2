/**
 * What the data commands show of tenants, mailboxes, messages, missed calls and their
 * deliveries: the JSON shape scripts rely on (model field names, `tenant`/`mailbox` for
 * the ids, never a secret: `pinSet` for the PIN hash, `webhookSecret: "set"` for the
 * webhook key) and the human lines. Times are shown to people in the mailbox's own time
 * zone, as notifications show them.
 */
import type { DeliveryAttempt, Mailbox, Message, MissedCall, Notification, Tenant } from '../voicemail/model.js';
import { GREETING_REASONS } from '../voicemail/model.js';
import { formatFields, orNone, safeText } from './output.js';

export interface TenantJson {
  readonly id: string;
  readonly name: string;
  readonly defaultEmail: string | null;
  readonly duplicateToDefault: boolean;
  readonly webhookUrl: string | null;
  /** `"set"` when the tenant has a webhook secret, null when not: never the secret itself. */
  readonly webhookSecret: 'set' | null;
  readonly createdAt: string;
}

export function tenantJson(t: Tenant): TenantJson {
  return {
    id: t.id,
    name: t.name,
    defaultEmail: t.defaultEmail,
    duplicateToDefault: t.duplicateToDefault,
    webhookUrl: t.webhookUrl,
    webhookSecret: t.webhookSecret === null ? null : 'set',
    createdAt: t.createdAt,
  };
}

export function tenantText(t: Tenant, mailboxCount: number): string {
  return formatFields([
    ['id', t.id],
    ['name', t.name],
    ['default e-mail', orNone(t.defaultEmail)],
    ['duplicate to default', t.duplicateToDefault ? 'yes' : 'no'],
    ['webhook url', orNone(t.webhookUrl)],
    ['webhook secret', t.webhookSecret === null ? 'not set' : 'set'],
    ['mailboxes', String(mailboxCount)],
    ['created', t.createdAt],
  ]);
}

/**
 * A mailbox without its PIN hash: only whether a PIN is set. Fields are listed one by
 * one (not spread) so that nothing the store adds later can leak into scripts' output.
 */
export function mailboxJson(m: Mailbox): Record<string, unknown> {
  return {
    id: m.id,
    tenant: m.tenantId,
    name: m.name,
    numbers: m.numbers,
    language: m.language,
    timeZone: m.timeZone,
    greetings: m.greetings,
    warningMode: m.warningMode,
    warningAudioKey: m.warningAudioKey,
    maxMessageMs: m.maxMessageMs,
    minMessageMs: m.minMessageMs,
    silenceTimeoutMs: m.silenceTimeoutMs,
    retentionDays: m.retentionDays,
    savedRetentionDays: m.savedRetentionDays,
    quotaMessages: m.quotaMessages,
    operatorUri: m.operatorUri,
    pinSet: m.pinHash !== null,
    emails: m.emails,
    emailAction: m.emailAction,
    smsNumber: m.smsNumber,
    mwiUris: m.mwiUris,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
  };
}

const seconds = (ms: number): string => `${String(ms / 1_000)} s`;

export function mailboxText(m: Mailbox, messageCount?: number): string {
  const greetings = GREETING_REASONS.map((r) => `${r}=${m.greetings[r].mode}${m.greetings[r].audioKey === null ? '' : ' (own recording)'}`);
  const fields: [string, string][] = [
    ['id', m.id],
    ['tenant', m.tenantId],
    ['name', m.name],
    ['numbers', orNone(m.numbers.join(', '))],
    ['language', m.language],
    ['time zone', m.timeZone],
    ['greetings', greetings.join(', ')],
    ['warning', `${m.warningMode}${m.warningMode === 'custom' && m.warningAudioKey === null ? ' (no prompt recorded yet)' : ''}`],
    ['max length', seconds(m.maxMessageMs)],
    ['min length', seconds(m.minMessageMs)],
    ['silence timeout', seconds(m.silenceTimeoutMs)],
    ['retention', `${String(m.retentionDays)} days (saved: ${String(m.savedRetentionDays)} days)`],
    ['quota', `${String(m.quotaMessages)} messages`],
  ];
  if (messageCount !== undefined) fields.push(['messages', `${String(messageCount)} (inbox and saved)`]);
  fields.push(
    ['operator', orNone(m.operatorUri)],
    ['pin', m.pinHash === null ? 'not set' : 'set'],
    ['e-mail', orNone(m.emails.join(', '))],
    ['e-mail action', m.emailAction],
    ['sms number', orNone(m.smsNumber)],
    ['mwi', orNone(m.mwiUris.join(', '))],
    ['created', m.createdAt],
    ['updated', m.updatedAt],
  );
  return formatFields(fields);
}

export interface MessageJson {
  readonly id: string;
  readonly tenant: string;
  readonly mailbox: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: string;
  readonly receivedAt: string;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly folder: string;
  readonly folderChangedAt: string;
  readonly recovered: boolean;
  readonly sizeBytes: number;
  readonly callId: string | null;
}

/** The audio key is left out: it is the store's business; `messages export` gives the audio. */
export function messageJson(m: Message): MessageJson {
  return {
    id: m.id,
    tenant: m.tenantId,
    mailbox: m.mailboxId,
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
    callId: m.callId,
  };
}

/** `+74951234567 "Ivan"`, or `(unknown)` for an anonymous caller. */
export function caller(number: string | null, name: string | null): string {
  const n = number ?? '(unknown)';
  return name === null || name === '' ? n : `${n} "${name}"`;
}

/** `1:05` */
export function duration(ms: number): string {
  const total = Math.round(ms / 1_000);
  return `${String(Math.floor(total / 60))}:${String(total % 60).padStart(2, '0')}`;
}

/** `2025-11-26 13:05:09` in `timeZone` (UTC if the zone is unknown to this runtime). */
export function localTime(iso: string, timeZone: string | undefined): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: timeZone ?? 'UTC', ...PARTS });
  } catch {
    format = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', ...PARTS });
  }
  const p = Object.fromEntries(format.formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year ?? ''}-${p.month ?? ''}-${p.day ?? ''} ${p.hour ?? ''}:${p.minute ?? ''}:${p.second ?? ''}`;
}

const PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

export function messageText(m: Message, timeZone: string | undefined): string {
  return formatFields([
    ['id', m.id],
    ['mailbox', m.mailboxId],
    ['tenant', m.tenantId],
    ['from', caller(m.callerNumber, m.callerName)],
    ['to', orNone(m.calledNumber)],
    ['reason', m.reason],
    ['received', `${localTime(m.receivedAt, timeZone)} (${timeZone ?? 'UTC'}), ${m.receivedAt}`],
    ['duration', `${duration(m.durationMs)} (${String(m.durationMs)} ms)`],
    ['folder', m.folder],
    ['heard', m.heard ? 'yes' : 'no'],
    ['recovered', m.recovered ? 'yes (rebuilt from a partial recording after a crash)' : 'no'],
    ['size', `${String(m.sizeBytes)} bytes`],
    ['call id', orNone(m.callId)],
  ]);
}

export function missedJson(c: MissedCall): Record<string, unknown> {
  return {
    id: c.id,
    tenant: c.tenantId,
    mailbox: c.mailboxId,
    callerNumber: c.callerNumber,
    callerName: c.callerName,
    calledNumber: c.calledNumber,
    reason: c.reason,
    cause: c.cause,
    at: c.at,
    callId: c.callId,
  };
}

/** One attempt of a delivery, as `deliveries[].attemptLog` shows it. */
export interface AttemptJson {
  readonly attempt: number;
  readonly at: string;
  readonly outcome: DeliveryAttempt['outcome'];
  readonly detail: string | null;
  readonly providerId: string | null;
}

/**
 * One notification of a message or missed call (`deliveries` in `messages show --json`
 * and `messages missed --json`): the outbox row without its payload, with its attempts.
 */
export interface DeliveryJson {
  readonly id: string;
  readonly channel: Notification['channel'];
  readonly event: Notification['event'];
  readonly recipient: string;
  readonly status: Notification['status'];
  /** Attempts started (a claimed attempt counts before its outcome is known). */
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly giveUpAt: string;
  readonly lastError: string | null;
  readonly providerId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Finished attempts, in order. */
  readonly attemptLog: readonly AttemptJson[];
}

export interface Delivery {
  readonly notification: Notification;
  readonly attempts: readonly DeliveryAttempt[];
}

export function deliveryJson({ notification: n, attempts }: Delivery): DeliveryJson {
  return {
    id: n.id,
    channel: n.channel,
    event: n.event,
    recipient: n.recipient,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAt: n.nextAttemptAt,
    giveUpAt: n.giveUpAt,
    lastError: n.lastError,
    providerId: n.providerId,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    attemptLog: attempts.map((a) => ({ attempt: a.attempt, at: a.at, outcome: a.outcome, detail: a.detail, providerId: a.providerId })),
  };
}

const plural = (n: number, word: string): string => `${String(n)} ${word}${n === 1 ? '' : 's'}`;

function deliveryStatus(n: Notification, timeZone: string | undefined): string {
  switch (n.status) {
    case 'sent':
      return `sent after ${plural(n.attempts, 'attempt')}`;
    case 'failed':
      return `failed after ${plural(n.attempts, 'attempt')} (given up)`;
    case 'pending':
      return `pending, ${plural(n.attempts, 'attempt')} so far, next ${localTime(n.nextAttemptAt, timeZone)}, gives up ${localTime(n.giveUpAt, timeZone)}`;
  }
}

/**
 * The `deliveries:` block of `messages show`: each notification (channel, event,
 * recipient, status, attempts, provider id, last error) and its attempts, oldest first,
 * times in the mailbox's zone. Recipients and server replies are escaped like callers.
 */
export function deliveriesText(deliveries: readonly Delivery[], timeZone: string | undefined): string {
  if (deliveries.length === 0) return 'deliveries: (none)\n';
  const lines = [`deliveries: ${String(deliveries.length)} (times in ${timeZone ?? 'UTC'})`];
  for (const { notification: n, attempts } of deliveries) {
    lines.push(`  ${n.channel} ${n.event} to ${n.recipient}`);
    const fields: [string, string][] = [['status', deliveryStatus(n, timeZone)]];
    if (n.providerId !== null) fields.push(['provider id', n.providerId]);
    if (n.lastError !== null) fields.push(['last error', n.lastError]);
    const width = Math.max(...fields.map(([label]) => label.length)) + 1;
    for (const [label, value] of fields) lines.push(`    ${`${label}:`.padEnd(width)} ${value}`);
    for (const a of attempts) {
      const detail = a.detail ?? (a.providerId === null ? '' : `provider id ${a.providerId}`);
      lines.push(`    #${String(a.attempt)} ${localTime(a.at, timeZone)}  ${a.outcome.padEnd(6)} ${detail}`.trimEnd());
    }
  }
  return lines.map(safeText).join('\n') + '\n';
}

/** `sms sent, webhook pending` for a table cell. */
export function deliveriesSummary(deliveries: readonly Delivery[]): string {
  return deliveries.map(({ notification: n }) => `${n.channel} ${n.status}`).join(', ');
}
