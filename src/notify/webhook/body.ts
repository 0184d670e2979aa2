/**
 * The JSON a webhook carries (docs/webhooks.md documents it for integrators):
 *
 *   { id, event, occurredAt, tenant, data }
 *
 * Built field by field from the queued payload rather than by copying it: the payload
 * is an internal snapshot (it holds storage keys, e-mail settings), and a field added
 * to it later must not leak into a public, versioned API without a decision.
 */
import type {
  DiversionReason,
  Language,
  MissedCallCause,
  Notification,
  NotificationChannel,
  NotificationEvent,
} from '../../voicemail/model.js';
import type {
  MailboxSnapshot,
  MessageEventPayload,
  MissedCallPayload,
  NotificationFailedPayload,
  NotificationPayload,
} from '../../voicemail/notifications/payload.js';

export interface WebhookMailbox {
  readonly id: string;
  readonly name: string;
  readonly language: Language;
  readonly timeZone: string;
}

export interface WebhookMessage {
  readonly id: string;
  readonly mailbox: WebhookMailbox;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly receivedAt: string;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly recovered: boolean;
  readonly link: string | null;
}

export interface WebhookMissedCall {
  readonly id: string;
  readonly mailbox: WebhookMailbox;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly cause: MissedCallCause;
  readonly at: string;
}

export interface WebhookFailedNotification {
  readonly id: string;
  readonly channel: NotificationChannel;
  readonly event: NotificationEvent;
  readonly subjectId: string;
  readonly mailbox: WebhookMailbox | null;
  readonly attempts: number;
  readonly lastError: string | null;
}

export type WebhookData =
  | { readonly message: WebhookMessage }
  | { readonly missedCall: WebhookMissedCall }
  | { readonly notification: WebhookFailedNotification };

export interface WebhookBody {
  /** The delivery key: the same on every retry of one delivery, so receivers de-duplicate by it. */
  readonly id: string;
  readonly event: NotificationEvent;
  /** ISO 8601 UTC: when the event happened (not when this attempt was made). */
  readonly occurredAt: string;
  /** The tenant id. */
  readonly tenant: string;
  readonly data: WebhookData;
}

function mailboxOf(m: MailboxSnapshot): WebhookMailbox {
  return { id: m.id, name: m.name, language: m.language, timeZone: m.timeZone };
}

function messageData(p: MessageEventPayload): WebhookData {
  const m = p.message;
  return {
    message: {
      id: m.id,
      mailbox: mailboxOf(p.mailbox),
      callerNumber: m.callerNumber,
      callerName: m.callerName,
      calledNumber: m.calledNumber,
      reason: m.reason,
      receivedAt: m.receivedAt,
      durationMs: m.durationMs,
      heard: m.heard,
      recovered: m.recovered,
      link: p.link,
    },
  };
}

function missedCallData(p: MissedCallPayload): WebhookData {
  const c = p.missedCall;
  return {
    missedCall: {
      id: c.id,
      mailbox: mailboxOf(p.mailbox),
      callerNumber: c.callerNumber,
      callerName: c.callerName,
      calledNumber: c.calledNumber,
      reason: c.reason,
      cause: c.cause,
      at: c.at,
    },
  };
}

function failedData(p: NotificationFailedPayload): WebhookData {
  const f = p.failed;
  return {
    notification: {
      id: f.id,
      channel: f.channel,
      event: f.event,
      subjectId: f.subjectId,
      mailbox: p.mailbox ? mailboxOf(p.mailbox) : null,
      attempts: f.attempts,
      lastError: f.lastError,
    },
  };
}

/**
 * The body for `notification`, or an Error when its payload cannot be a webhook (an MWI
 * payload, an event that disagrees with the notification): a bug in whoever queued it,
 * which retrying cannot fix.
 */
export function buildWebhookBody(notification: Notification, payload: NotificationPayload): WebhookBody | Error {
  if (payload.event !== notification.event) {
    return new Error(`payload event ${String(payload.event)} does not match notification event ${notification.event}`);
  }
  const data = dataOf(payload);
  if (data instanceof Error) return data;
  return { id: notification.deliveryKey, event: notification.event, occurredAt: payload.occurredAt, tenant: notification.tenantId, data };
}

function dataOf(payload: NotificationPayload): WebhookData | Error {
  switch (payload.kind) {
    case 'message':
      return messageData(payload);
    case 'missed_call':
      return missedCallData(payload);
    case 'notification.failed':
      return failedData(payload);
    case 'mwi':
      return new Error('an mwi payload cannot be sent as a webhook');
  }
  // The payload is parsed JSON: a kind no version writes is reported, not thrown.
  return new Error(`unknown payload kind ${JSON.stringify((payload as { kind: unknown }).kind)}`);
}
