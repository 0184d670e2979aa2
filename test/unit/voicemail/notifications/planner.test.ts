import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Mailbox, Message, MissedCall, Notification, Tenant } from '../../../../src/voicemail/model.js';
import type { MessageEventPayload } from '../../../../src/voicemail/notifications/payload.js';
import { MWI_SUBSCRIBERS, NotificationPlanner } from '../../../../src/voicemail/notifications/planner.js';

const NOW = new Date('2026-11-26T11:00:00Z');
const HOUR = 3_600_000;
const planner = new NotificationPlanner({ giveUpMs: { email: 72 * HOUR, sms: 24 * HOUR, webhook: 24 * HOUR, mwi: HOUR }, publicUrl: 'https://vm.example.com/', now: () => NOW });

const tenant: Tenant = { id: 't1', name: 'T', defaultEmail: null, duplicateToDefault: false, webhookUrl: null, webhookSecret: null, createdAt: '' };
const mailbox = {
  id: '100',
  tenantId: 't1',
  name: 'Sales',
  language: 'ru',
  timeZone: 'Europe/Moscow',
  emails: [],
  emailAction: 'attach-keep',
  smsNumber: null,
  mwiUris: [],
} as unknown as Mailbox;
const message = { id: 'm1', tenantId: 't1', mailboxId: '100', callerNumber: '+74951234567', callerName: 'Иван', calledNumber: '100', reason: 'busy', receivedAt: NOW.toISOString(), durationMs: 4200, heard: false, folder: 'inbox', recovered: false, audioKey: 'messages/t1/100/m1.wav', sizeBytes: 67244, callId: 'c', folderChangedAt: '' } as Message;

const emails = (items: ReturnType<NotificationPlanner['forMessage']>): string[] => items.filter((n) => n.channel === 'email').map((n) => n.recipient);

describe('NotificationPlanner', () => {
  test('e-mail recipients follow the MANGO settings: own addresses, else the default, duplicate adds the default', () => {
    assert.deepEqual(emails(planner.forMessage('message.created', tenant, mailbox, message)), []);
    const withDefault = { ...tenant, defaultEmail: 'office@example.com' };
    assert.deepEqual(emails(planner.forMessage('message.created', withDefault, mailbox, message)), ['office@example.com'], 'no own address: the default');
    const own = { ...mailbox, emails: ['a@example.com', 'A@Example.com', 'b@example.com'] };
    assert.deepEqual(emails(planner.forMessage('message.created', withDefault, own, message)), ['a@example.com', 'b@example.com'], 'own addresses, de-duplicated');
    assert.deepEqual(emails(planner.forMessage('message.created', { ...withDefault, duplicateToDefault: true }, own, message)), ['a@example.com', 'b@example.com', 'office@example.com']);
    assert.deepEqual(emails(planner.forMessage('message.created', { ...withDefault, duplicateToDefault: true }, { ...own, emails: ['office@example.com'] }, message)), ['office@example.com'], 'never twice to one address');
  });

  test('message.created: e-mail carries the action and a link; SMS to the owner; webhook; MWI to subscribers and lamps', () => {
    const t = { ...tenant, webhookUrl: 'https://hooks.example.com/vm', webhookSecret: 'secret-secret-1234' };
    const m = { ...mailbox, emails: ['a@example.com'], smsNumber: '+79161234567', mwiUris: ['sip:100@10.0.0.5'] };
    const items = planner.forMessage('message.created', t, m, message);
    assert.deepEqual(
      items.map((n) => `${n.channel}:${n.recipient}`),
      ['email:a@example.com', 'sms:+79161234567', 'webhook:https://hooks.example.com/vm', `mwi:${MWI_SUBSCRIBERS}`, 'mwi:sip:100@10.0.0.5'],
    );
    const mail = JSON.parse(items[0]!.payload) as MessageEventPayload;
    assert.equal(mail.emailAction, 'attach-keep');
    assert.equal(mail.link, 'https://vm.example.com/inbox/100/messages/m1');
    assert.equal(mail.mailbox.timeZone, 'Europe/Moscow');
    assert.equal(mail.message.callerName, 'Иван');
    assert.equal(items[0]!.giveUpAt, new Date(NOW.getTime() + 72 * HOUR).toISOString());
    assert.equal(items[1]!.giveUpAt, new Date(NOW.getTime() + 24 * HOUR).toISOString());
    assert.ok(items.every((n) => n.tenantId === 't1' && n.mailboxId === '100'));
    assert.ok(items.filter((n) => n.channel !== 'mwi').every((n) => n.subjectId === 'm1'));
  });

  test('heard and deleted: no e-mail or SMS, only webhook and MWI; each MWI change is a distinct subject', () => {
    const t = { ...tenant, webhookUrl: 'https://hooks.example.com/vm', webhookSecret: 'secret-secret-1234' };
    const m = { ...mailbox, emails: ['a@example.com'], smsNumber: '+79161234567' };
    const heard = planner.forMessage('message.heard', t, m, { ...message, heard: true });
    assert.deepEqual(heard.map((n) => n.channel), ['webhook', 'mwi']);
    const later = new NotificationPlanner({ giveUpMs: { email: 1, sms: 1, webhook: 1, mwi: 1 }, publicUrl: null, now: () => new Date(NOW.getTime() + 1000) });
    const again = later.forMessage('message.heard', t, m, message).find((n) => n.channel === 'mwi');
    assert.notEqual(again?.subjectId, heard[1]?.subjectId);
  });

  test('a webhook URL without its secret is not queued (it could only fail)', () => {
    const items = planner.forMessage('message.created', { ...tenant, webhookUrl: 'https://h.example.com' }, mailbox, message);
    assert.deepEqual(items.filter((n) => n.channel === 'webhook'), []);
  });

  test('missed call: SMS and webhook only; notification.failed goes to the webhook, never about itself', () => {
    const missed: MissedCall = { id: 'x1', tenantId: 't1', mailboxId: '100', callerNumber: '+7', callerName: null, calledNumber: '100', reason: 'no-answer', cause: 'hangup-before-beep', at: NOW.toISOString(), callId: null };
    assert.deepEqual(planner.forMissedCall(tenant, { ...mailbox, emails: ['a@example.com'] }, missed), [], 'no SMS number, no webhook: nothing');
    const items = planner.forMissedCall({ ...tenant, webhookUrl: 'https://h.example.com', webhookSecret: 'secret-secret-1234' }, { ...mailbox, smsNumber: '+79161234567' }, missed);
    assert.deepEqual(items.map((n) => `${n.channel}:${n.event}:${n.subjectId}`), ['sms:missed_call:x1', 'webhook:missed_call:x1']);
    const failed = { id: 'n1', event: 'message.created', channel: 'email', subjectId: 'm1', attempts: 9, lastError: '550' } as Notification;
    const f = planner.forFailure({ ...tenant, webhookUrl: 'https://h.example.com', webhookSecret: 'secret-secret-1234' }, mailbox, failed);
    assert.deepEqual(f.map((n) => `${n.channel}:${n.event}:${n.subjectId}`), ['webhook:notification.failed:n1']);
    assert.deepEqual(planner.forFailure({ ...tenant, webhookUrl: 'https://h.example.com', webhookSecret: 'secret-secret-1234' }, mailbox, { ...failed, event: 'notification.failed' }), []);
  });
});
