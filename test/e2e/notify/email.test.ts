/**
 * The e-mail channel against a real SMTP server over TCP (smtp-server + mailparser in
 * process): what arrives, what the recording decodes to, and how every kind of failure
 * is classified for the outbox.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { pino } from 'pino';
import { parseWav, toWav } from '../../../src/media/index.js';
import { audioAttached, EmailSender, fileTemplateSource, type EmailSenderOptions } from '../../../src/notify/email/index.js';
import { messageIdFor } from '../../../src/notify/email/compose-mail.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { FsAudioStore } from '../../../src/store/index.js';
import type { DeliveryResult } from '../../../src/voicemail/ports.js';
import { TestSmtpServer, type TestSmtpOptions } from '../../support/smtp-server.js';
import { MAILBOX_EN, message, messagePayload, missedCallPayload, notificationFor } from '../../unit/notify/email/fixtures.js';

const FROM = 'Voxmail <voicemail@vm.example.com>';
const TO = 'owner@example.com';
const KEY = 'messages/t1/100/msg-0001.wav';

const dir = await mkdtemp(path.join(tmpdir(), 'voxmail-email-'));
const audio = new FsAudioStore(path.join(dir, 'audio'));
/** Three seconds of a tone with a ramp on it: every sample differs from its neighbours. */
const samples = Int16Array.from({ length: 8000 * 3 }, (_, i) => Math.round(9000 * Math.sin(i * 0.07)) + ((i * 7919) % 301) - 150);
const wav = toWav(samples);
await audio.put(KEY, wav);

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

async function smtp(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const server = await TestSmtpServer.start(options);
  cleanup.push(() => server.close());
  return server;
}

function sender(options: Partial<EmailSenderOptions> & Pick<EmailSenderOptions, 'smtpUrl'>): EmailSender {
  const s = new EmailSender({ from: FROM, emlDir: path.join(dir, 'eml'), audio, logger: silentLogger(), timeoutMs: 2000, ...options });
  cleanup.push(() => s.close());
  return s;
}

const never = new AbortController().signal;

function assertOk(result: DeliveryResult): asserts result is Extract<DeliveryResult, { ok: true }> {
  assert.equal(result.ok, true, result.ok ? '' : result.error);
}

describe('e-mail over SMTP', () => {
  test('message.created, attach-keep: headers, localized text, and the attachment decodes to the stored samples', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const n = notificationFor(messagePayload(), TO);
    const result = await s.send(n, never);
    assertOk(result);
    assert.equal(result.providerId, 'Q1', 'the queue id from "250 Ok: queued as Q1"');
    assert.equal(audioAttached(result), true);

    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.from, 'voicemail@vm.example.com');
    assert.deepEqual(mail!.to, [TO]);
    const p = mail!.parsed;
    assert.equal(p.from?.value[0]?.address, 'voicemail@vm.example.com');
    assert.equal(p.from?.value[0]?.name, 'Voxmail');
    assert.deepEqual(Array.isArray(p.to) ? [] : p.to?.value.map((a) => a.address), [TO]);
    assert.equal(p.subject, 'Голосовое сообщение: Иван Петров (+74951234567) (0:42)');
    assert.match(mail!.raw.toString('latin1'), /^Subject: =\?UTF-8\?[QB]\?/m, 'the subject is an RFC 2047 encoded word');
    assert.equal(p.messageId, messageIdFor(n.deliveryKey));
    assert.equal(p.headers.get('x-voxmail-message-id'), 'msg-0001');
    assert.equal(p.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(p.date?.toISOString(), '2026-03-05T11:02:50.000Z');

    const text = p.text ?? '';
    for (const part of ['Отдел продаж', 'Иван Петров (+74951234567)', '+74957654321', 'линия была занята', '5 марта 2026 г., 14:02 (Europe/Moscow)', '0:42', 'https://vm.example.com/inbox/msg-0001', 'Запись во вложении']) {
      assert.ok(text.includes(part), `text has ${part}:\n${text}`);
    }
    assert.match(typeof p.html === 'string' ? p.html : '', /<a href="https:\/\/vm\.example\.com\/inbox\/msg-0001">/);

    assert.equal(p.attachments.length, 1);
    const att = p.attachments[0]!;
    assert.equal(att.contentType, 'audio/wav');
    assert.equal(att.filename, 'voicemail-20260305-1402-74951234567.wav');
    const decoded = parseWav(att.content);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.sampleRate, 8000);
    assert.deepEqual(decoded.value.samples, samples);
  });

  test('notify: no attachment, the link only', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const result = await s.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never);
    assertOk(result);
    assert.equal(audioAttached(result), false);
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.attachments.length, 0);
    assert.ok(mail!.parsed.text?.includes('https://vm.example.com/inbox/msg-0001'));
    assert.ok(!mail!.parsed.text?.includes('вложени'));
  });

  test('over the size budget: the link instead of the attachment, in English', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url(), maxAttachmentBytes: 10_000 });
    const payload = messagePayload({ mailbox: MAILBOX_EN, emailAction: 'attach-delete' });
    const result = await s.send(notificationFor(payload, TO), never);
    assertOk(result);
    assert.equal(audioAttached(result), false, 'attach-delete must not delete a message that was not attached');
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.attachments.length, 0);
    assert.equal(mail!.parsed.subject, 'Voice message from Иван Петров (+74951234567) (0:42)');
    const text = mail!.parsed.text ?? '';
    assert.match(text, /The recording \(47 KB\) is too large to attach\. Listen to it using the link above\./);
    assert.match(text, /Listen: +https:\/\/vm\.example\.com\/inbox\/msg-0001/);
    assert.match(text, /5 March 2026, 21:02 \(Asia\/Vladivostok\)/);
  });

  test('the message was deleted meanwhile: sent without audio, and it says so', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const payload = messagePayload({ message: message({ audioKey: 'messages/t1/100/gone.wav' }) });
    assertOk(await s.send(notificationFor(payload, TO), never));
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.attachments.length, 0);
    assert.match(mail!.parsed.text ?? '', /Запись больше недоступна: сообщение уже удалено\./);
  });

  test('missed_call: "… tried to reach you at 21:02 and left no message"', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const payload = missedCallPayload({ mailbox: MAILBOX_EN });
    const result = await s.send(notificationFor(payload, TO), never);
    assertOk(result);
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.subject, 'Missed call from +79161234567 at 21:02');
    assert.match(mail!.parsed.text ?? '', /^\+79161234567 tried to reach you at 21:02 and left no message\./);
    assert.match(mail!.parsed.text ?? '', /the caller hung up before the tone/);
    assert.equal(mail!.parsed.headers.get('x-voxmail-missed-call-id'), 'mc-0001');
    assert.equal(mail!.parsed.attachments.length, 0);
  });

  test('the same notification sent twice carries the same Message-ID', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const n = notificationFor(messagePayload({ emailAction: 'notify' }), TO);
    assertOk(await s.send(n, never));
    assertOk(await s.send(n, never));
    const mails = await server.waitForMail(2);
    assert.equal(mails[0]!.parsed.messageId, mails[1]!.parsed.messageId);
    const other = notificationFor(messagePayload({ emailAction: 'notify' }), 'someone@example.com');
    assert.notEqual(messageIdFor(other.deliveryKey), mails[0]!.parsed.messageId, 'another recipient, another id');
  });

  test('550 to RCPT TO is permanent', async () => {
    const server = await smtp();
    server.failWith('rcpt', 550, '5.1.1 No such user');
    const s = sender({ smtpUrl: server.url() });
    const result = await s.send(notificationFor(messagePayload(), TO), never);
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.permanent);
    assert.match(!result.ok ? result.error : '', /550 5\.1\.1 No such user/);
    assert.equal(server.received.length, 0);
  });

  test('554 after DATA is permanent', async () => {
    const server = await smtp();
    server.failWith('data', 554, '5.7.1 Rejected as spam');
    const s = sender({ smtpUrl: server.url() });
    const result = await s.send(notificationFor(messagePayload(), TO), never);
    assert.ok(!result.ok && result.permanent, JSON.stringify(result));
  });

  test('451 is retried, and the retry is delivered once', async () => {
    const server = await smtp();
    server.failWith('rcpt', 451, '4.3.0 Try again later', 1);
    const s = sender({ smtpUrl: server.url() });
    const n = notificationFor(messagePayload(), TO);
    const first = await s.send(n, never);
    assert.ok(!first.ok && !first.permanent, JSON.stringify(first));
    assert.match(!first.ok ? first.error : '', /451/);
    server.failWith('data', 452, '4.3.1 Insufficient system storage', 1);
    const second = await s.send(n, never);
    assert.ok(!second.ok && !second.permanent, JSON.stringify(second));
    assertOk(await s.send(n, never));
    await server.waitForMail(1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.received.length, 1);
  });

  test('server down: retry (not permanent); back up: delivered once on the same sender', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    assertOk(await s.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never)); // a pooled connection exists
    await server.down();
    const n = notificationFor(messagePayload({ emailAction: 'notify' }), 'other@example.com');
    const started = Date.now();
    const down = await s.send(n, never);
    assert.ok(!down.ok && !down.permanent, JSON.stringify(down));
    assert.ok(Date.now() - started < 5000, 'a refused connection fails fast');
    await server.up();
    assertOk(await s.send(n, never));
    const mails = await server.waitForMail(2);
    assert.deepEqual(mails.map((m) => m.to[0]), [TO, 'other@example.com']);
  });

  test('pooled: 20 concurrent mails over at most 5 connections, each delivered once', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => s.send(notificationFor(messagePayload({ emailAction: 'notify' }), `user${String(i)}@example.com`), never)),
    );
    for (const r of results) assertOk(r);
    const mails = await server.waitForMail(20);
    assert.equal(new Set(mails.map((m) => m.to[0])).size, 20);
    assert.ok(server.connections <= 5, `${String(server.connections)} connections`);
  });

  test('an idle pooled connection timing out is harmless: the next mail opens a new one', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url(), timeoutMs: 150 });
    assertOk(await s.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never));
    await new Promise((r) => setTimeout(r, 500));
    assertOk(await s.send(notificationFor(messagePayload({ emailAction: 'notify' }), 'again@example.com'), never));
    await server.waitForMail(2);
    assert.equal(server.connections, 2);
  });

  test('a server that accepts and never greets: retry after the timeout, not a hang', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const so of sockets) so.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const port = (silent.address() as { port: number }).port;
    const s = sender({ smtpUrl: `smtp://127.0.0.1:${String(port)}`, timeoutMs: 300 });
    const started = Date.now();
    const result = await s.send(notificationFor(messagePayload(), TO), never);
    assert.ok(!result.ok && !result.permanent, JSON.stringify(result));
    assert.ok(Date.now() - started < 3000, `took ${String(Date.now() - started)} ms`);
  });

  test('the caller aborting (shutdown) ends the send as a retry', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const ac = new AbortController();
    ac.abort();
    const result = await s.send(notificationFor(messagePayload(), TO), ac.signal);
    assert.ok(!result.ok && !result.permanent);
    assert.equal(server.received.length, 0);
  });

  test('AUTH with user:pass from the URL; a wrong password is retried and never logged', async () => {
    const server = await smtp({ auth: { user: 'vm@example.com', pass: 's3cr:t@pass' } });
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          lines.push(chunk.toString());
          cb();
        },
      }),
    );
    const good = sender({ smtpUrl: server.url(), logger });
    assertOk(await good.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never));
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.user, 'vm@example.com');

    const bad = sender({ smtpUrl: server.url({ pass: 'wrong-Passw0rd' }), logger });
    const result = await bad.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never);
    assert.ok(!result.ok && !result.permanent, 'a bad password is configuration: fixed by the operator, then the mail goes');
    assert.match(!result.ok ? result.error : '', /EAUTH/);
    const log = lines.join('');
    assert.ok(log.includes('***'), 'the URL is logged masked');
    for (const secret of ['s3cr:t@pass', 's3cr%3At%40pass', 'wrong-Passw0rd']) assert.ok(!log.includes(secret), `${secret} in the logs`);
    assert.ok(!(!result.ok && result.error.includes('wrong-Passw0rd')));
  });

  test('STARTTLS is used when the server offers it', async () => {
    const server = await smtp({ starttls: true });
    const s = sender({ smtpUrl: server.url({ query: 'tls.rejectUnauthorized=false' }) });
    assertOk(await s.send(notificationFor(messagePayload({ emailAction: 'notify' }), TO), never));
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.secure, true);
  });

  test('requireTLS in the URL refuses a server without STARTTLS (retry, nothing sent in clear)', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url({ query: 'requireTLS=true' }) });
    const result = await s.send(notificationFor(messagePayload(), TO), never);
    assert.ok(!result.ok && !result.permanent, JSON.stringify(result));
    assert.equal(server.received.length, 0);
  });

  test("a server whose SIZE limit is below the budget gets the mail without the recording", async () => {
    const server = await smtp({ size: 30_000 });
    const s = sender({ smtpUrl: server.url() });
    const result = await s.send(notificationFor(messagePayload({ emailAction: 'attach-delete' }), TO), never);
    assertOk(result);
    assert.equal(audioAttached(result), false);
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.attachments.length, 0);
    assert.match(mail!.parsed.text ?? '', /слишком велика для вложения\. Прослушать её можно по ссылке выше\./);
  });

  test('a tenant override: placeholders filled, HTML-escaped in the HTML part only', async () => {
    const tdir = path.join(dir, 'templates');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(tdir, 't1'), { recursive: true });
    await writeFile(path.join(tdir, 't1', 'message.created.subject.ru.txt'), 'ВМ: {{callerName}}\n');
    await writeFile(path.join(tdir, 't1', 'message.created.ru.txt'), 'Звонил {{callerName}} в {{time}}');
    await writeFile(path.join(tdir, 't1', 'message.created.ru.html'), '<p>Звонил <b>{{callerName}}</b></p>');
    const server = await smtp();
    const s = sender({ smtpUrl: server.url(), templates: fileTemplateSource(tdir) });
    const payload = messagePayload({ emailAction: 'notify', message: message({ callerName: 'Ivan <script>&' }) });
    assertOk(await s.send(notificationFor(payload, TO), never));
    const [mail] = await server.waitForMail(1);
    assert.equal(mail!.parsed.subject, 'ВМ: Ivan <script>&');
    assert.equal(mail!.parsed.text?.trim(), 'Звонил Ivan <script>& в 14:02');
    assert.equal(mail!.parsed.html, '<p>Звонил <b>Ivan &lt;script&gt;&amp;</b></p>');
  });

  test('events that are not e-mailed fail permanently without a connection', async () => {
    const server = await smtp();
    const s = sender({ smtpUrl: server.url() });
    const failed = notificationFor(messagePayload(), TO, {
      event: 'notification.failed',
      payload: JSON.stringify({ kind: 'notification.failed', event: 'notification.failed', failed: {}, mailbox: null, occurredAt: '2026-03-05T11:02:50.000Z' }),
    });
    const result = await s.send(failed, never);
    assert.ok(!result.ok && result.permanent);
    const heard = await s.send(notificationFor(messagePayload({ event: 'message.heard' }), TO), never);
    assert.ok(!heard.ok && heard.permanent);
    const garbage = await s.send(notificationFor(messagePayload(), TO, { payload: '{not json' }), never);
    assert.ok(!garbage.ok && garbage.permanent);
    assert.equal(server.connections, 0);
  });
});

describe('e-mail without SMTP: .eml files', () => {
  test('a complete, parseable message written atomically, named by the delivery key; a re-send replaces it', async () => {
    const emlDir = path.join(dir, 'eml-fallback');
    const s = sender({ smtpUrl: null, emlDir });
    const n = notificationFor(messagePayload({ emailAction: 'attach-delete' }), TO);
    const result = await s.send(n, never);
    assertOk(result);
    assert.equal(audioAttached(result), false, 'no server accepted it: an attach-delete message stays');
    assert.match(result.providerId ?? '', /^message\.created_msg-0001_email_owner@example\.com-[0-9a-f]{12}\.eml$/);
    assert.deepEqual(await readdir(emlDir), [result.providerId]);

    const raw = await readFile(path.join(emlDir, result.providerId!));
    assert.ok(raw.includes('\r\n'), 'CRLF line ends (RFC 5322)');
    const parsed = await simpleParser(raw);
    assert.equal(parsed.subject, 'Голосовое сообщение: Иван Петров (+74951234567) (0:42)');
    assert.equal(parsed.messageId, messageIdFor(n.deliveryKey));
    const decoded = parseWav(parsed.attachments[0]!.content);
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.samples, samples);

    assertOk(await s.send(n, never));
    assert.deepEqual(await readdir(emlDir), [result.providerId], 'the same file, no temp files left');
  });
});
