/**
 * The webhook body is a public API: these tests pin it per event exactly as
 * docs/webhooks.md shows it, and check that internal snapshot fields (storage keys,
 * e-mail settings) stay out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildWebhookBody, type WebhookBody } from '../../../../src/notify/webhook/index.js';
import type { NotificationEvent } from '../../../../src/voicemail/model.js';
import type { NotificationPayload } from '../../../../src/voicemail/notifications/payload.js';
import { ALL_EVENTS, mailbox as mailboxSnapshot, notificationFor, payloadFor } from './fixtures.js';

const URL_ = 'https://hooks.example.com/voxmail';
const mailbox = { id: '100', name: 'Sales', language: 'ru', timeZone: 'Europe/Moscow' };

function bodyFor(event: NotificationEvent): WebhookBody {
  const body = buildWebhookBody(notificationFor(event, URL_), payloadFor(event));
  if (body instanceof Error) throw body;
  return body;
}

const message = (heard: boolean): Record<string, unknown> => ({
  id: 'msg-1',
  mailbox,
  callerNumber: '+79161234567',
  callerName: 'Иван Петров',
  calledNumber: '+74951234567',
  reason: 'no-answer',
  receivedAt: '2025-03-01T11:02:03.000Z',
  durationMs: 42000,
  heard,
  recovered: false,
  link: 'https://vm.example.com/inbox/100/messages/msg-1',
});

describe('webhook body', () => {
  test('envelope: id is the delivery key, event, occurredAt, tenant id', () => {
    for (const event of ALL_EVENTS) {
      const n = notificationFor(event, URL_);
      const body = buildWebhookBody(n, payloadFor(event));
      assert.ok(!(body instanceof Error));
      assert.deepEqual(Object.keys(body), ['id', 'event', 'occurredAt', 'tenant', 'data']);
      assert.equal(body.id, n.deliveryKey);
      assert.equal(body.event, event);
      assert.equal(body.occurredAt, '2025-03-01T11:02:45.000Z');
      assert.equal(body.tenant, 'acme');
    }
  });

  test('message.created / message.heard / message.deleted: data.message', () => {
    assert.deepEqual(bodyFor('message.created').data, { message: message(false) });
    assert.deepEqual(bodyFor('message.heard').data, { message: message(true) });
    assert.deepEqual(bodyFor('message.deleted').data, { message: message(true) });
  });

  test('missed_call: data.missedCall', () => {
    assert.deepEqual(bodyFor('missed_call').data, {
      missedCall: {
        id: 'mc-1',
        mailbox,
        callerNumber: '+79161234567',
        callerName: null,
        calledNumber: '+74951234567',
        reason: 'busy',
        cause: 'hangup-before-beep',
        at: '2025-03-01T11:02:03.000Z',
      },
    });
  });

  test('notification.failed: data.notification, mailbox null when the failed one had none', () => {
    assert.deepEqual(bodyFor('notification.failed').data, {
      notification: { id: 'n-7', channel: 'email', event: 'message.created', subjectId: 'msg-1', mailbox, attempts: 12, lastError: '421 try again later' },
    });
    const p = payloadFor('notification.failed');
    assert.equal(p.kind, 'notification.failed');
    const body = buildWebhookBody(notificationFor('notification.failed', URL_), { ...p, mailbox: null });
    assert.ok(!(body instanceof Error));
    assert.deepEqual(body.data, {
      notification: { id: 'n-7', channel: 'email', event: 'message.created', subjectId: 'msg-1', mailbox: null, attempts: 12, lastError: '421 try again later' },
    });
  });

  test('internal fields never appear: storage keys, sizes, e-mail action, tenant id in the mailbox', () => {
    for (const event of ALL_EVENTS) {
      const json = JSON.stringify(bodyFor(event));
      for (const word of ['audioKey', 'messages/acme', 'sizeBytes', 'emailAction', 'attach-keep', 'tenantId', 'kind']) {
        assert.ok(!json.includes(word), `${event}: ${word} leaked`);
      }
    }
  });

  test('payloads that cannot be webhooks are errors, not bodies', () => {
    const mwi: NotificationPayload = { kind: 'mwi', event: 'message.created', mailbox: mailboxSnapshot, occurredAt: 'x' };
    const asMwi = buildWebhookBody(notificationFor('message.created', URL_), mwi);
    assert.ok(asMwi instanceof Error);
    assert.match(asMwi.message, /mwi/);

    const mismatch = buildWebhookBody(notificationFor('message.heard', URL_), payloadFor('message.created'));
    assert.ok(mismatch instanceof Error);
    assert.match(mismatch.message, /does not match/);

    const unknown = { ...payloadFor('message.created'), kind: 'fax' } as unknown as NotificationPayload;
    const bad = buildWebhookBody(notificationFor('message.created', URL_), unknown);
    assert.ok(bad instanceof Error);
    assert.match(bad.message, /unknown payload kind "fax"/);
  });
});
