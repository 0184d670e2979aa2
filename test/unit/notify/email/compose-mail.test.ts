import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import { composeMail, messageIdFor } from '../../../../src/notify/email/compose-mail.js';
import type { TemplateSource } from '../../../../src/notify/email/templates.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { MAILBOX_EN, message, messagePayload, missedCallPayload, notificationFor } from './fixtures.js';

const FROM = '"Голосовая почта" <vm@example.com>';

/** Composes, renders to RFC 5322 bytes as the SMTP transport would, and parses them back. */
async function roundTrip(...args: Parameters<typeof composeMail>): Promise<{ raw: string; parsed: Awaited<ReturnType<typeof simpleParser>> }> {
  const options = await composeMail(...args);
  const raw = await new MailComposer(options).compile().build();
  return { raw: raw.toString('latin1'), parsed: await simpleParser(raw) };
}

describe('composing the mail', () => {
  test('Cyrillic subject, sender name and body survive MIME encoding', async () => {
    const payload = messagePayload({ emailAction: 'notify', message: message({ callerName: 'Анна-Мария Щукина-Эйхвальд «ООО Ромашка»' }) });
    const n = notificationFor(payload, 'owner@example.com');
    const { raw, parsed } = await roundTrip({ notification: n, payload, attachment: null, from: FROM, templates: null, logger: silentLogger() });
    assert.equal(parsed.subject, 'Голосовое сообщение: Анна-Мария Щукина-Эйхвальд «ООО Ромашка» (+74951234567) (0:42)');
    assert.equal(parsed.from?.value[0]?.name, 'Голосовая почта');
    // Every header line is 7-bit ASCII: the UTF-8 lives in RFC 2047 encoded words.
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    assert.doesNotMatch(head, /[^\x20-\x7e\r\n\t]/);
    assert.match(head, /^Subject: =\?UTF-8\?[BQ]\?/m);
    assert.ok(parsed.text?.includes('Анна-Мария Щукина-Эйхвальд'));
    assert.match(parsed.html || '', /&laquo;|«/);
  });

  test('headers: a Message-ID from the delivery key, the message id, and no auto-replies', async () => {
    const payload = messagePayload();
    const n = notificationFor(payload, 'owner@example.com');
    const { parsed } = await roundTrip({ notification: n, payload, attachment: null, from: FROM, templates: null, logger: silentLogger() });
    assert.equal(parsed.messageId, messageIdFor(n.deliveryKey));
    assert.match(parsed.messageId ?? '', /^<[0-9a-f]{40}@voxmail>$/);
    assert.ok(!(parsed.messageId ?? '').includes('owner'), 'the recipient does not show in the id');
    assert.equal(parsed.headers.get('x-voxmail-message-id'), 'msg-0001');
    assert.equal(parsed.headers.get('x-voxmail-event'), 'message.created');
    assert.equal(parsed.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(messageIdFor('a'), messageIdFor('a'));
    assert.notEqual(messageIdFor('a'), messageIdFor('b'));
  });

  test('a caller name cannot inject headers', async () => {
    const payload = messagePayload({ message: message({ callerName: 'x\r\nBcc: victim@example.com\r\n' }) });
    const n = notificationFor(payload, 'owner@example.com');
    const { parsed } = await roundTrip({ notification: n, payload, attachment: null, from: FROM, templates: null, logger: silentLogger() });
    assert.equal(parsed.bcc, undefined);
    assert.equal(parsed.headers.has('bcc'), false);
    assert.match(parsed.subject ?? '', /^Голосовое сообщение: x Bcc: victim@example\.com \(/);
  });

  test('missed call, English, Vladivostok time', async () => {
    const payload = missedCallPayload({ mailbox: MAILBOX_EN });
    const n = notificationFor(payload, 'owner@example.com');
    const { parsed } = await roundTrip({ notification: n, payload, attachment: null, from: FROM, templates: null, logger: silentLogger() });
    assert.equal(parsed.subject, 'Missed call from +79161234567 at 21:02');
    assert.equal(parsed.headers.get('x-voxmail-missed-call-id'), 'mc-0001');
    assert.match(parsed.text ?? '', /Time: +5 March 2026, 21:02 \(Asia\/Vladivostok\)/);
  });

  test('tenant overrides per part; a missing or failing part falls back to the built-in', async () => {
    const asked: string[] = [];
    const source: TemplateSource = {
      get(tenantId, name, language) {
        asked.push(`${tenantId}/${name}/${language}`);
        if (name === 'message.created.subject') return Promise.resolve('[VM] {{caller}}');
        if (name === 'message.created.html') return Promise.reject(new Error('disk on fire'));
        return Promise.resolve(null);
      },
    };
    const payload = messagePayload({ emailAction: 'notify' });
    const n = notificationFor(payload, 'owner@example.com');
    const { parsed } = await roundTrip({ notification: n, payload, attachment: null, from: FROM, templates: source, logger: silentLogger() });
    assert.deepEqual(asked, ['t1/message.created.subject/ru', 't1/message.created.text/ru', 't1/message.created.html/ru']);
    assert.equal(parsed.subject, '[VM] Иван Петров (+74951234567)');
    assert.match(parsed.text ?? '', /^Новое голосовое сообщение в ящике Отдел продаж/);
    assert.match(parsed.html || '', /Новое голосовое сообщение/);
  });

  test('the attachment is audio/wav with its file name', async () => {
    const payload = messagePayload();
    const n = notificationFor(payload, 'owner@example.com');
    const content = Buffer.from('RIFF....WAVE');
    const attachment = { state: { kind: 'attached', fileName: 'voicemail-x.wav', sizeBytes: content.length, deleteAfter: false } as const, content };
    const { parsed } = await roundTrip({ notification: n, payload, attachment, from: FROM, templates: null, logger: silentLogger() });
    assert.equal(parsed.attachments.length, 1);
    assert.equal(parsed.attachments[0]!.contentType, 'audio/wav');
    assert.equal(parsed.attachments[0]!.filename, 'voicemail-x.wav');
    assert.deepEqual(parsed.attachments[0]!.content, content);
  });
});
