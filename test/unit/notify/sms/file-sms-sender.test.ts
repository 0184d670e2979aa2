import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { FileSmsSender, type SmsFileRecord } from '../../../../src/notify/sms/file-sms-sender.js';
import { prepareSms } from '../../../../src/notify/sms/sms-channel.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import type { Notification } from '../../../../src/voicemail/model.js';
import type { MissedCallPayload } from '../../../../src/voicemail/notifications/payload.js';

function notification(over: Partial<Notification> = {}): Notification {
  const payload: MissedCallPayload = {
    kind: 'missed_call',
    event: 'missed_call',
    mailbox: { tenantId: 't1', id: '100', name: 'Sales', language: 'ru', timeZone: 'Europe/Moscow' },
    missedCall: { id: 'c1', callerNumber: '+74951234567', callerName: null, calledNumber: null, reason: 'busy', cause: 'hangup-before-beep', at: '2025-11-26T11:02:00.000Z' },
    occurredAt: '2025-11-26T11:02:00.000Z',
  };
  return {
    id: 'n-1',
    tenantId: 't1',
    mailboxId: '100',
    channel: 'sms',
    event: 'missed_call',
    subjectId: 'c1',
    recipient: '+7 916 123-45-67',
    payload: JSON.stringify(payload),
    deliveryKey: 'missed_call:c1:sms:+79161234567',
    status: 'pending',
    attempts: 1,
    nextAttemptAt: '2025-11-26T11:02:00.000Z',
    giveUpAt: '2025-11-27T11:02:00.000Z',
    lastError: null,
    providerId: null,
    createdAt: '2025-11-26T11:02:00.000Z',
    updatedAt: '2025-11-26T11:02:00.000Z',
    ...over,
  };
}

const now = (): Date => new Date('2025-11-26T11:03:00Z');

describe('prepareSms', () => {
  test('number normalised, text in the mailbox language', () => {
    assert.deepEqual(prepareSms(notification(), now()), { ok: true, value: { to: '+79161234567', text: '+7 495 123-45-67 звонил(а) вам в 14:02 и не оставил(а) сообщения' } });
  });

  test('permanent reasons: not a number, another channel, a bad payload, an event not for SMS', () => {
    assert.equal(prepareSms(notification({ recipient: 'user@example.com' }), now()).ok, false);
    assert.equal(prepareSms(notification({ channel: 'email' }), now()).ok, false);
    assert.equal(prepareSms(notification({ payload: '{' }), now()).ok, false);
    assert.equal(prepareSms(notification({ payload: JSON.stringify({ kind: 'mwi', event: 'message.heard', mailbox: {}, occurredAt: '' }) }), now()).ok, false);
  });
});

describe('FileSmsSender (embedded default)', () => {
  test('writes one JSON file per notification, atomically, and logs it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-sms-'));
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    try {
      const sender = new FileSmsSender({ dir: path.join(dir, 'sms'), logger, now });
      const r = await sender.send(notification(), new AbortController().signal);
      assert.deepEqual(r, { ok: true, providerId: 'sms-n-1.json', detail: `written to ${path.join(dir, 'sms', 'sms-n-1.json')}` });
      // A retry rewrites the same file.
      await sender.send(notification(), new AbortController().signal);
      assert.deepEqual(readdirSync(path.join(dir, 'sms')), ['sms-n-1.json']);
      const record = JSON.parse(readFileSync(path.join(dir, 'sms', 'sms-n-1.json'), 'utf8')) as SmsFileRecord;
      assert.deepEqual(record, { id: 'n-1', to: '+79161234567', text: '+7 495 123-45-67 звонил(а) вам в 14:02 и не оставил(а) сообщения', coding: 'ucs2', parts: 1, writtenAt: '2025-11-26T11:03:00.000Z' });
      assert.ok(lines.some((l) => l.includes('"code":"VM_SMS_FILE"') && l.includes('sms-n-1.json')));
      await sender.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an unwritable directory is a retry, never a silent success', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-sms-'));
    try {
      const blocker = path.join(dir, 'file');
      writeFileSync(blocker, 'x');
      const sender = new FileSmsSender({ dir: path.join(blocker, 'sms'), logger: silentLogger(), now });
      const r = await sender.send(notification(), new AbortController().signal);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.permanent, false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a notification that is not for SMS fails permanently without a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-sms-'));
    try {
      const sender = new FileSmsSender({ dir, logger: silentLogger(), now });
      const r = await sender.send(notification({ recipient: 'nope' }), new AbortController().signal);
      assert.equal(!r.ok && r.permanent, true);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
