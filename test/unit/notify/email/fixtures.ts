/** Notifications and payload snapshots as the outbox queues them, for the e-mail tests. */
import type { Notification } from '../../../../src/voicemail/model.js';
import type { MailboxSnapshot, MessageEventPayload, MessageSnapshot, MissedCallPayload, MissedCallSnapshot } from '../../../../src/voicemail/notifications/payload.js';

export const MAILBOX_RU: MailboxSnapshot = { tenantId: 't1', id: '100', name: 'Отдел продаж', language: 'ru', timeZone: 'Europe/Moscow' };
export const MAILBOX_EN: MailboxSnapshot = { tenantId: 't1', id: '200', name: 'Support', language: 'en', timeZone: 'Asia/Vladivostok' };

export function message(over: Partial<MessageSnapshot> = {}): MessageSnapshot {
  return {
    id: 'msg-0001',
    callerNumber: '+74951234567',
    callerName: 'Иван Петров',
    calledNumber: '+74957654321',
    reason: 'busy',
    receivedAt: '2026-03-05T11:02:07.000Z', // 14:02 in Moscow, 21:02 in Vladivostok
    durationMs: 42_400,
    audioKey: 'messages/t1/100/msg-0001.wav',
    sizeBytes: 1000,
    recovered: false,
    heard: false,
    ...over,
  };
}

export function messagePayload(over: Partial<MessageEventPayload> = {}): MessageEventPayload {
  return {
    kind: 'message',
    event: 'message.created',
    mailbox: MAILBOX_RU,
    message: message(),
    emailAction: 'attach-keep',
    link: 'https://vm.example.com/inbox/msg-0001',
    occurredAt: '2026-03-05T11:02:50.000Z',
    ...over,
  };
}

export function missedCall(over: Partial<MissedCallSnapshot> = {}): MissedCallSnapshot {
  return {
    id: 'mc-0001',
    callerNumber: '+79161234567',
    callerName: null,
    calledNumber: '+74957654321',
    reason: 'no-answer',
    cause: 'hangup-before-beep',
    at: '2026-03-05T11:02:00.000Z',
    ...over,
  };
}

export function missedCallPayload(over: Partial<MissedCallPayload> = {}): MissedCallPayload {
  return { kind: 'missed_call', event: 'missed_call', mailbox: MAILBOX_RU, missedCall: missedCall(), occurredAt: '2026-03-05T11:02:01.000Z', ...over };
}

let seq = 0;

/** The notification the outbox would queue for `payload` to `recipient`. */
export function notificationFor(payload: MessageEventPayload | MissedCallPayload, recipient: string, over: Partial<Notification> = {}): Notification {
  const subjectId = payload.kind === 'message' ? payload.message.id : payload.missedCall.id;
  return {
    id: `n-${String(++seq)}`,
    tenantId: payload.mailbox.tenantId,
    mailboxId: payload.mailbox.id,
    channel: 'email',
    event: payload.event,
    subjectId,
    recipient,
    payload: JSON.stringify(payload),
    deliveryKey: `${payload.event}:${subjectId}:email:${recipient}`,
    status: 'pending',
    attempts: 1,
    nextAttemptAt: payload.occurredAt,
    giveUpAt: '2026-03-10T00:00:00.000Z',
    lastError: null,
    providerId: null,
    createdAt: payload.occurredAt,
    updatedAt: payload.occurredAt,
    ...over,
  };
}
