/**
 * Notifications as the outbox hands them to the webhook sender, one per event, with
 * payload snapshots shaped like the ones the domain queues. Shared by the unit and e2e
 * tests of the webhook channel.
 */
import type { Notification, NotificationEvent } from '../../../../src/voicemail/model.js';
import type { MailboxSnapshot, NotificationPayload } from '../../../../src/voicemail/notifications/payload.js';
import type { TenantRepository } from '../../../../src/voicemail/ports.js';
import type { Tenant } from '../../../../src/voicemail/model.js';

export const SECRET = 'whsec_test_5f1c0a9e2b7d4c3a8e6f';

export const mailbox: MailboxSnapshot = { tenantId: 'acme', id: '100', name: 'Sales', language: 'ru', timeZone: 'Europe/Moscow' };

export const messageSnapshot = {
  id: 'msg-1',
  callerNumber: '+79161234567',
  callerName: 'Иван Петров',
  calledNumber: '+74951234567',
  reason: 'no-answer',
  receivedAt: '2025-03-01T11:02:03.000Z',
  durationMs: 42_000,
  audioKey: 'messages/acme/100/msg-1.wav',
  sizeBytes: 672_044,
  recovered: false,
  heard: false,
} as const;

export function payloadFor(event: NotificationEvent): NotificationPayload {
  const occurredAt = '2025-03-01T11:02:45.000Z';
  switch (event) {
    case 'message.created':
    case 'message.heard':
    case 'message.deleted':
      return {
        kind: 'message',
        event,
        mailbox,
        message: { ...messageSnapshot, heard: event !== 'message.created' },
        emailAction: 'attach-keep',
        link: 'https://vm.example.com/inbox/100/messages/msg-1',
        occurredAt,
      };
    case 'missed_call':
      return {
        kind: 'missed_call',
        event,
        mailbox,
        missedCall: {
          id: 'mc-1',
          callerNumber: '+79161234567',
          callerName: null,
          calledNumber: '+74951234567',
          reason: 'busy',
          cause: 'hangup-before-beep',
          at: '2025-03-01T11:02:03.000Z',
        },
        occurredAt,
      };
    case 'notification.failed':
      return {
        kind: 'notification.failed',
        event,
        failed: { id: 'n-7', channel: 'email', event: 'message.created', subjectId: 'msg-1', attempts: 12, lastError: '421 try again later' },
        mailbox,
        occurredAt,
      };
  }
}

export const ALL_EVENTS: readonly NotificationEvent[] = ['message.created', 'message.heard', 'message.deleted', 'missed_call', 'notification.failed'];

let seq = 0;

/** A webhook notification for `event` to `url`, as claimDue returns it. */
export function notificationFor(event: NotificationEvent, url: string, overrides: Partial<Notification> = {}): Notification {
  const payload = payloadFor(event);
  const subjectId = payload.kind === 'missed_call' ? payload.missedCall.id : payload.kind === 'notification.failed' ? payload.failed.id : 'msg-1';
  const id = `n-${String(++seq)}`;
  return {
    id,
    tenantId: 'acme',
    mailboxId: '100',
    channel: 'webhook',
    event,
    subjectId,
    recipient: url,
    payload: JSON.stringify(payload),
    deliveryKey: `${event}:${subjectId}:webhook:${url}`,
    status: 'pending',
    attempts: 1,
    nextAttemptAt: '2025-03-01T11:02:45.000Z',
    giveUpAt: '2025-03-02T11:02:45.000Z',
    lastError: null,
    providerId: null,
    createdAt: '2025-03-01T11:02:45.000Z',
    updatedAt: '2025-03-01T11:02:45.000Z',
    ...overrides,
  };
}

export function tenant(overrides: Partial<Tenant> = {}): Tenant {
  return {
    id: 'acme',
    name: 'Acme',
    defaultEmail: null,
    duplicateToDefault: false,
    webhookUrl: 'http://127.0.0.1:9/hooks',
    webhookSecret: SECRET,
    createdAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A tenant repository holding the given tenants (only `get`, as the sender needs). */
export function tenantsOf(...all: Tenant[]): Pick<TenantRepository, 'get'> {
  return { get: (id) => Promise.resolve(all.find((t) => t.id === id) ?? null) };
}
