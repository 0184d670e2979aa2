import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attachmentFileName, formatCaller, formatDuration, formatSize, formatZonedTime, oneLine } from '../../../../src/notify/email/format.js';
import { attachmentNote, causeText, reasonText } from '../../../../src/notify/email/strings.js';

describe('e-mail formatting', () => {
  test('duration as m:ss, rounded to the second', () => {
    const cases: [number, string][] = [
      [0, '0:00'],
      [499, '0:00'],
      [500, '0:01'],
      [42_400, '0:42'],
      [59_600, '1:00'],
      [61_500, '1:02'],
      [600_000, '10:00'],
      [3_725_000, '62:05'],
      [-5, '0:00'],
      [Number.NaN, '0:00'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });

  test('time in the mailbox zone, per language', () => {
    const iso = '2026-03-05T11:02:07.000Z';
    assert.deepEqual(formatZonedTime(iso, 'Europe/Moscow', 'ru'), {
      date: '5 марта 2026 г.',
      time: '14:02',
      dateTime: '5 марта 2026 г., 14:02',
      timeZone: 'Europe/Moscow',
    });
    assert.deepEqual(formatZonedTime(iso, 'Europe/Moscow', 'en'), {
      date: '5 March 2026',
      time: '14:02',
      dateTime: '5 March 2026, 14:02',
      timeZone: 'Europe/Moscow',
    });
    // The same instant is already the next day in Kamchatka (UTC+12) when late enough.
    const late = formatZonedTime('2026-03-05T20:30:00.000Z', 'Asia/Kamchatka', 'en');
    assert.equal(late.dateTime, '6 March 2026, 08:30');
    // Midnight is 00, never 24.
    assert.equal(formatZonedTime('2026-03-05T21:00:00.000Z', 'Europe/Moscow', 'ru').time, '00:00');
  });

  test('an unknown zone falls back to UTC and says so; an unparsable instant is shown as given', () => {
    const t = formatZonedTime('2026-03-05T11:02:07.000Z', 'Mars/Olympus', 'en');
    assert.equal(t.time, '11:02');
    assert.equal(t.timeZone, 'UTC');
    assert.equal(formatZonedTime('yesterday', 'Europe/Moscow', 'ru').dateTime, 'yesterday');
  });

  test('sizes in binary units with a localized decimal separator', () => {
    assert.equal(formatSize(48_044, 'en'), '47 KB');
    assert.equal(formatSize(1, 'en'), '1 KB');
    assert.equal(formatSize(1_468_006, 'en'), '1.4 MB');
    assert.equal(formatSize(1_468_006, 'ru'), '1,4 МБ');
    assert.equal(formatSize(12 * 1024 * 1024, 'ru'), '12 МБ');
  });

  test('the caller: name and number, either, or unknown; line breaks cannot reach a header', () => {
    assert.equal(formatCaller('+74951234567', 'Иван Петров', 'ru'), 'Иван Петров (+74951234567)');
    assert.equal(formatCaller('+74951234567', null, 'ru'), '+74951234567');
    assert.equal(formatCaller('+74951234567', '+74951234567', 'en'), '+74951234567');
    assert.equal(formatCaller(null, 'Reception', 'en'), 'Reception');
    assert.equal(formatCaller(null, null, 'en'), 'Unknown caller');
    assert.equal(formatCaller('', '  ', 'ru'), 'Номер не определён');
    assert.equal(formatCaller('100', 'Evil\r\nBcc: x@y.z', 'en'), 'Evil Bcc: x@y.z (100)');
    assert.equal(oneLine('a\u0000b\tc\u007f'), 'a b c');
  });

  test('attachment file name: local date and time, caller digits, ASCII only', () => {
    assert.equal(attachmentFileName('2026-03-05T11:02:07.000Z', 'Europe/Moscow', '+7 (495) 123-45-67'), 'voicemail-20260305-1402-74951234567.wav');
    assert.equal(attachmentFileName('2026-03-05T20:30:00.000Z', 'Asia/Kamchatka', null), 'voicemail-20260306-0830-unknown.wav');
    assert.equal(attachmentFileName('2026-03-05T11:02:07.000Z', 'Europe/Moscow', 'анонимный'), 'voicemail-20260305-1402-unknown.wav');
    assert.equal(attachmentFileName('garbage', 'Europe/Moscow', '100'), 'voicemail-undated-100.wav');
  });

  test('reasons and causes in words, both languages', () => {
    assert.equal(reasonText('busy', 'en'), 'the line was busy');
    assert.equal(reasonText('no-answer', 'ru'), 'нет ответа');
    assert.equal(reasonText('unknown', 'ru'), 'не указана');
    assert.equal(causeText('hangup-before-beep', 'en'), 'the caller hung up before the tone');
    assert.equal(causeText('mailbox-full', 'ru'), 'ящик переполнен');
  });

  test('the sentence about the recording', () => {
    const attached = { kind: 'attached', fileName: 'v.wav', sizeBytes: 10, deleteAfter: false } as const;
    assert.equal(attachmentNote(attached, true, 'en'), 'The recording is attached (v.wav).');
    assert.match(attachmentNote({ ...attached, deleteAfter: true }, true, 'ru'), /удаляется после отправки/);
    assert.equal(attachmentNote({ kind: 'not-requested' }, true, 'ru'), '');
    assert.equal(attachmentNote({ kind: 'too-large', sizeBytes: 20 * 1024 * 1024 }, true, 'en'), 'The recording (20 MB) is too large to attach. Listen to it using the link above.');
    assert.equal(attachmentNote({ kind: 'too-large', sizeBytes: 20 * 1024 * 1024 }, false, 'ru'), 'Запись (20 МБ) слишком велика для вложения. Она сохранена в вашем ящике.');
    assert.match(attachmentNote({ kind: 'gone' }, false, 'en'), /no longer available/);
  });
});
