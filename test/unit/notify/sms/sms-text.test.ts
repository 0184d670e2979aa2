import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { displayName, displayNumber, formatDuration, formatWhen, smsText } from '../../../../src/notify/sms/sms-text.js';
import type { Language } from '../../../../src/voicemail/model.js';
import type { MessageEventPayload, MissedCallPayload, NotificationPayload } from '../../../../src/voicemail/notifications/payload.js';

function mailbox(language: Language, timeZone = 'Europe/Moscow'): MessageEventPayload['mailbox'] {
  return { tenantId: 't1', id: '100', name: 'Sales', language, timeZone };
}

function created(language: Language, callerNumber: string | null, callerName: string | null = null, durationMs = 42_000): MessageEventPayload {
  return {
    kind: 'message',
    event: 'message.created',
    mailbox: mailbox(language),
    message: { id: 'm1', callerNumber, callerName, calledNumber: '+74951110000', reason: 'busy', receivedAt: '2025-11-26T11:02:00.000Z', durationMs, audioKey: 'messages/t1/100/m1.wav', sizeBytes: 672_044, recovered: false, heard: false },
    link: 'https://vm.example/inbox/m1?token=SECRET',
    occurredAt: '2025-11-26T11:02:42.000Z',
  };
}

function missed(language: Language, at: string, timeZone: string, callerNumber: string | null = '+74951234567', callerName: string | null = null): MissedCallPayload {
  return {
    kind: 'missed_call',
    event: 'missed_call',
    mailbox: mailbox(language, timeZone),
    missedCall: { id: 'c1', callerNumber, callerName, calledNumber: null, reason: 'no-answer', cause: 'hangup-before-beep', at },
    occurredAt: at,
  };
}

function text(p: NotificationPayload, now = new Date('2025-11-26T12:00:00Z')): string {
  const r = smsText(p, now);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

describe('SMS texts', () => {
  test('message.created in English and Russian, with the duration', () => {
    assert.equal(text(created('en', '+74951234567')), 'New voice message from +7 495 123-45-67 (0:42)');
    assert.equal(text(created('ru', '+74951234567')), 'Новое голосовое сообщение от +7 495 123-45-67 (0:42)');
    assert.equal(text(created('en', '+4930123456', null, 125_400)), 'New voice message from +4930123456 (2:05)');
  });

  test('an unknown or non-numeric caller number is "unknown number"', () => {
    assert.equal(text(created('en', null)), 'New voice message from unknown number (0:42)');
    assert.equal(text(created('ru', null)), 'Новое голосовое сообщение от неизвестного номера (0:42)');
    assert.equal(text(created('en', 'anonymous')), 'New voice message from unknown number (0:42)');
    assert.equal(text(created('en', 'http://evil.example/')), 'New voice message from unknown number (0:42)');
  });

  test('a short caller name is added; a long, numeric or URL-like one is left out', () => {
    assert.equal(text(created('en', '+74951234567', 'Ivan Petrov')), 'New voice message from +7 495 123-45-67, Ivan Petrov (0:42)');
    assert.equal(text(created('ru', '+74951234567', 'Иван Петров')), 'Новое голосовое сообщение от +7 495 123-45-67, Иван Петров (0:42)');
    assert.equal(text(created('ru', null, 'Иван')), 'Новое голосовое сообщение от абонента Иван (0:42)');
    assert.equal(displayName('Call +7 999 000-00-00'), null);
    assert.equal(displayName('www.bank-security.example'), null);
    assert.equal(displayName('Константин Константинопольский'), null); // > 24 characters
    assert.equal(displayName('Anonymous'), null);
    assert.equal(displayName("  Anne-Marie  O'Neil "), "Anne-Marie O'Neil");
  });

  test('confidentiality: no link, token, mailbox name or audio key in any text', () => {
    for (const lang of ['en', 'ru'] as const) {
      const t = text(created(lang, '+74951234567', 'Ivan'));
      for (const secret of ['http', 'SECRET', 'Sales', 'wav', 'm1']) assert.ok(!t.includes(secret), `${lang}: ${t} contains ${secret}`);
    }
  });

  test('missed_call: the time in the mailbox’s zone', () => {
    const at = '2025-11-26T11:02:00.000Z';
    assert.equal(text(missed('en', at, 'Europe/Moscow')), '+7 495 123-45-67 tried to reach you at 14:02 and left no message');
    assert.equal(text(missed('ru', at, 'Europe/Moscow')), '+7 495 123-45-67 звонил(а) вам в 14:02 и не оставил(а) сообщения');
    assert.equal(text(missed('ru', at, 'Asia/Vladivostok'), new Date('2025-11-26T12:00:00Z')), '+7 495 123-45-67 звонил(а) вам в 21:02 и не оставил(а) сообщения');
    assert.equal(text(missed('en', at, 'UTC')), '+7 495 123-45-67 tried to reach you at 11:02 and left no message');
  });

  test('missed_call: the date is added when the SMS goes out on another local day or year', () => {
    const at = '2025-11-26T20:30:00.000Z'; // 23:30 in Moscow, 06:30 next day in Vladivostok (UTC+10)
    const nextDay = new Date('2025-11-27T06:00:00Z');
    assert.equal(text(missed('en', at, 'Europe/Moscow'), nextDay), '+7 495 123-45-67 tried to reach you at 23:30 on 26 Nov and left no message');
    assert.equal(text(missed('ru', at, 'Europe/Moscow'), nextDay), '+7 495 123-45-67 звонил(а) вам 26.11 в 23:30 и не оставил(а) сообщения');
    // Same instants, but in Vladivostok both are on the 27th: no date.
    assert.equal(text(missed('ru', at, 'Asia/Vladivostok'), nextDay), '+7 495 123-45-67 звонил(а) вам в 06:30 и не оставил(а) сообщения');
    assert.equal(formatWhen('2024-12-31T20:00:00Z', 'Europe/Moscow', 'ru', new Date('2025-01-02T10:00:00Z')), '31.12.2024 в 23:00');
    assert.equal(formatWhen('2024-12-31T20:00:00Z', 'Europe/Moscow', 'en', new Date('2025-01-02T10:00:00Z')), 'at 23:00 on 31 Dec 2024');
  });

  test('missed_call: unknown number and caller name', () => {
    const at = '2025-11-26T11:02:00.000Z';
    assert.equal(text(missed('en', at, 'Europe/Moscow', null)), 'Someone from an unknown number tried to reach you at 14:02 and left no message');
    assert.equal(text(missed('ru', at, 'Europe/Moscow', null)), 'Абонент с неизвестным номером звонил вам в 14:02 и не оставил сообщения');
    assert.equal(text(missed('ru', at, 'Europe/Moscow', '+74951234567', 'Иван')), '+7 495 123-45-67 (Иван) звонил(а) вам в 14:02 и не оставил(а) сообщения');
  });

  test('a time zone the runtime does not know falls back to UTC and says so', () => {
    assert.equal(formatWhen('2025-11-26T11:02:00Z', 'Mars/Olympus', 'en', new Date('2025-11-26T12:00:00Z')), 'at 11:02 UTC');
  });

  test('other events are not sent by SMS', () => {
    const heard: MessageEventPayload = { ...created('en', '+74951234567'), event: 'message.heard' };
    const r = smsText(heard, new Date());
    assert.equal(r.ok, false);
    const mwi = smsText({ kind: 'mwi', event: 'message.created', mailbox: mailbox('en'), occurredAt: '2025-11-26T11:02:00Z' }, new Date());
    assert.equal(mwi.ok, false);
  });

  test('helpers: numbers and durations', () => {
    assert.equal(displayNumber('+7 (916) 123-45-67'), '+7 916 123-45-67');
    assert.equal(displayNumber('101'), '101');
    assert.equal(displayNumber('bank'), null);
    assert.equal(formatDuration(0), '0:00');
    assert.equal(formatDuration(59_600), '1:00');
    assert.equal(formatDuration(600_000), '10:00');
    assert.equal(formatDuration(3_725_000), '1:02:05');
  });
});
