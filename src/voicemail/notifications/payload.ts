/**
 * What a queued notification carries (`Notification.payload`, JSON): a snapshot of the
 * facts at the time of the event, so that a delivery days later (mail server down) still
 * says the right thing even if the message was deleted or the mailbox renamed since.
 */
import type { DiversionReason, EmailAction, Language, MissedCallCause, NotificationChannel, NotificationEvent } from '../model.js';

/** The mailbox as the notification shows it. */
export interface MailboxSnapshot {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly language: Language;
  /** IANA zone: times are shown in it. */
  readonly timeZone: string;
}

export interface MessageSnapshot {
  readonly id: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  /** ISO 8601 UTC. */
  readonly receivedAt: string;
  readonly durationMs: number;
  readonly audioKey: string;
  readonly sizeBytes: number;
  readonly recovered: boolean;
  readonly heard: boolean;
}

export interface MissedCallSnapshot {
  readonly id: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly cause: MissedCallCause;
  /** ISO 8601 UTC. */
  readonly at: string;
}

/** message.created / message.heard / message.deleted, on every channel. */
export interface MessageEventPayload {
  readonly kind: 'message';
  readonly event: Extract<NotificationEvent, 'message.created' | 'message.heard' | 'message.deleted'>;
  readonly mailbox: MailboxSnapshot;
  readonly message: MessageSnapshot;
  /** E-mail only: what the mail carries and whether the message is deleted once the mail is accepted. */
  readonly emailAction?: EmailAction;
  /** The message in the web inbox (absolute URL), or null when no public URL is configured. */
  readonly link: string | null;
  /** ISO 8601 UTC. */
  readonly occurredAt: string;
}

export interface MissedCallPayload {
  readonly kind: 'missed_call';
  readonly event: 'missed_call';
  readonly mailbox: MailboxSnapshot;
  readonly missedCall: MissedCallSnapshot;
  readonly occurredAt: string;
}

/** Sent to the tenant's webhook when another notification gave up. */
export interface NotificationFailedPayload {
  readonly kind: 'notification.failed';
  readonly event: 'notification.failed';
  readonly failed: {
    readonly id: string;
    readonly channel: NotificationChannel;
    readonly event: NotificationEvent;
    readonly subjectId: string;
    readonly attempts: number;
    readonly lastError: string | null;
  };
  readonly mailbox: MailboxSnapshot | null;
  readonly occurredAt: string;
}

/** MWI: the counts are read when the NOTIFY is sent, so only the mailbox is named. */
export interface MwiPayload {
  readonly kind: 'mwi';
  readonly event: NotificationEvent;
  readonly mailbox: MailboxSnapshot;
  readonly occurredAt: string;
}

export type NotificationPayload = MessageEventPayload | MissedCallPayload | NotificationFailedPayload | MwiPayload;

/** Parse a stored payload; the outbox wrote it, so a bad one is a bug reported as an error string. */
export function parsePayload(json: string): NotificationPayload | Error {
  try {
    const v = JSON.parse(json) as unknown;
    if (typeof v === 'object' && v !== null && 'kind' in v) return v as NotificationPayload;
    return new Error('payload has no kind');
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
