/**
 * The voicemail e-mail from end to end: SIPp leaves a message on the real server
 * (startVoxmail in this process, `notify.smtpUrl` pointing at a real SMTP server over
 * TCP), and what the owner relies on is checked in what the SMTP server received —
 * for each setting combination of issue 5 (MANGO OFFICE semantics):
 *
 * - the mailbox's own address, attach-keep: one mail to it, not to the tenant's default
 *   address, with the recording as a WAV whose samples equal the stored message's (and
 *   the caller's audio, sample for sample); the message stays in the box;
 * - no address on the mailbox: the mail goes to the tenant's default address;
 * - notification only: a mail without an attachment; the message stays;
 * - "duplicate to the default address" on: the mailbox's address and the default both
 *   get it (two mails, each once);
 * - attach-delete: while the SMTP server answers 451 the message stays in the box (and
 *   its audio on disk); once the server accepts every copy the message is deleted, its
 *   audio removed, and `message.deleted` is queued (and reaches the tenant's webhook).
 *
 * Every Message-ID arrives exactly once. Needs sipp, espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/notify/pipeline-email.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUDIO_DIR } from '../../../src/compose/open-store.js';
import { parseWav } from '../../../src/media/index.js';
import { messageIdFor } from '../../../src/notify/email/compose-mail.js';
import type { Message } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { deposit, describeOutbox, eventually, notificationsAbout, NotifyServer, QUICK_MAILBOX } from '../../support/notify-harness.js';
import { TestSmtpServer, type ReceivedMail } from '../../support/smtp-server.js';
import { assertSameAudio, DEFAULT_CALLER, inParallel, removeAudio, speechWithHum, TENANT, type CallerAudio } from '../../support/voxmail.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const DEFAULT_ADDRESS = 'office@acme.test';
const SECRET = 'pipeline-email-webhook-secret-0123456789';

let smtp: TestSmtpServer;
let hooks: WebhookReceiver;
let server: NotifyServer;
let hum: CallerAudio;
let phase1: (mailbox: '201' | '202' | '203') => Promise<Message>;

/** The mails that carry this message (X-Voxmail-Message-Id). */
function mailsOf(m: Message): ReceivedMail[] {
  return smtp.received.filter((r) => r.parsed.headers.get('x-voxmail-message-id') === m.id);
}

function rcpts(mails: readonly ReceivedMail[]): string[] {
  return mails.flatMap((r) => r.to).sort();
}

function headerTo(mail: ReceivedMail): string[] {
  const to = mail.parsed.to;
  if (to === undefined) return [];
  return (Array.isArray(to) ? to : [to]).flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/** Wait until `count` mails about `m` arrived; fail with the outbox state. */
async function waitForMails(m: Message, count: number, timeoutMs = 8000): Promise<ReceivedMail[]> {
  return eventually(
    () => {
      const got = mailsOf(m);
      return got.length >= count ? got : undefined;
    },
    timeoutMs,
    () => `${String(count)} mail(s) about message ${m.id} in mailbox ${m.mailboxId}; got ${String(mailsOf(m).length)}`,
  ).catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\noutbox:\n${describeOutbox(await notificationsAbout(server.stores, m.id))}`);
  });
}

/** The recording in a mail decodes to exactly the stored message's samples (and to what the caller said). */
function assertAttachmentIsTheMessage(mail: ReceivedMail, m: Message, what: string, stored = server.readAudio(m)): void {
  const wavs = mail.parsed.attachments.filter((a) => a.contentType === 'audio/wav');
  assert.equal(wavs.length, 1, `${what}: one audio/wav attachment (got ${JSON.stringify(mail.parsed.attachments.map((a) => [a.contentType, a.filename]))})`);
  const att = wavs[0]!;
  assert.match(att.filename ?? '', /^voicemail-\d{8}-\d{4}-74997654321\.wav$/, `${what}: the attachment's file name`);
  const wav = parseWav(att.content);
  assert.ok(wav.ok, `${what}: the attachment is not a WAV: ${wav.ok ? '' : wav.error}`);
  assert.equal(wav.value.sampleRate, 8000);
  assert.equal(wav.value.channels, 1);
  const sent = wav.value.samples;
  assert.equal(sent.length, stored.length, `${what}: ${String(sent.length)} samples attached, ${String(stored.length)} stored`);
  const firstDiff = sent.findIndex((s, i) => s !== stored[i]);
  assert.equal(firstDiff, -1, `${what}: the attached audio differs from the stored message at sample ${String(firstDiff)}`);
  assert.equal(m.durationMs, Math.floor(sent.length / 8));
  assertSameAudio(sent, hum.pcm, `${what}: the attached audio`);
}

/** Each Message-ID arrived once, and it is the one derived from the notification's delivery key. */
async function assertEachMailOnce(m: Message): Promise<void> {
  const mails = mailsOf(m);
  const ids = mails.map((r) => r.parsed.messageId);
  assert.equal(new Set(ids).size, ids.length, `message ${m.id}: a Message-ID arrived twice: ${JSON.stringify(ids)}`);
  const emails = (await notificationsAbout(server.stores, m.id)).filter((x) => x.n.channel === 'email');
  assert.deepEqual(
    ids.slice().sort(),
    emails.map((x) => messageIdFor(x.n.deliveryKey)).sort(),
    `message ${m.id}: one mail per e-mail notification, Message-ID from its delivery key`,
  );
  // The test server has the mail once it accepted the DATA; Voxmail records 'sent' when that
  // 250 reaches it, a moment later (CI once looked in between and saw 'pending').
  const settled = await eventually(
    async () => {
      const now = (await notificationsAbout(server.stores, m.id)).filter((x) => x.n.channel === 'email');
      return now.every((x) => x.n.status !== 'pending') && now;
    },
    5000,
    () => `message ${m.id}: its e-mail notifications leave 'pending'`,
  );
  for (const { n } of settled) assert.equal(n.status, 'sent', `${n.recipient}: ${n.status} (${String(n.lastError)})`);
}

describe('voicemail e-mail after a SIPp deposit (real server, real SMTP)', () => {
  before(async () => {
    hum = speechWithHum('Hello, this is Ivan. Please call me back about the contract.');
    smtp = await TestSmtpServer.start();
    hooks = await startWebhookReceiver({ secret: SECRET });
    server = await NotifyServer.start({ notify: { smtpUrl: smtp.url(), mailFrom: 'Voxmail <voicemail@vm.acme.test>' } });
    await server.stores.store.tenants.update(TENANT, { defaultEmail: DEFAULT_ADDRESS, duplicateToDefault: false, webhookUrl: hooks.url, webhookSecret: SECRET });
    await server.mailbox('201', { ...QUICK_MAILBOX, name: 'Anna', emails: ['anna@acme.test'], emailAction: 'attach-keep' });
    await server.mailbox('202', { ...QUICK_MAILBOX, name: 'No address', emailAction: 'attach-keep' });
    await server.mailbox('203', { ...QUICK_MAILBOX, name: 'Boris', emails: ['boris@acme.test'], emailAction: 'notify' });
    await server.mailbox('204', { ...QUICK_MAILBOX, name: 'Vera', emails: ['vera@acme.test'], emailAction: 'attach-keep' });
    await server.mailbox('205', { ...QUICK_MAILBOX, name: 'Dmitry', emails: ['dmitry@acme.test'], emailAction: 'attach-delete' });
    // Phase 1: the tenant has a default address, "duplicate" off; three callers at once.
    const call = (box: string) => async (): Promise<Message> => {
      const { callId } = await deposit(server, box, { audio: hum });
      return server.messageOf(box, callId);
    };
    phase1 = inParallel({ '201': call('201'), '202': call('202'), '203': call('203') });
  });

  after(async () => {
    await server?.close();
    await smtp?.close();
    await hooks?.close();
    await killChildren();
    removeAudio(hum);
  });

  test("the mailbox's own address, attach-keep: one mail to it (not the default), the WAV equals the stored message; the message stays", async () => {
    const m = await phase1('201');
    const [mail] = await waitForMails(m, 1);
    assert.deepEqual(mail!.to, ['anna@acme.test'], 'envelope recipients');
    assert.deepEqual(headerTo(mail!), ['anna@acme.test'], 'To: header');
    assert.equal(mail!.from, 'voicemail@vm.acme.test');
    assert.match(mail!.parsed.subject ?? '', /Ivan Petrov/, 'the subject names the caller');
    assert.match(mail!.parsed.text ?? '', /\+74997654321/, "the text has the caller's number");
    assertAttachmentIsTheMessage(mail!, m, '201');
    assert.ok(await server.stores.store.messages.get(TENANT, m.id), 'attach-keep keeps the message');
    assert.equal(m.callerNumber, DEFAULT_CALLER.number);
    await assertEachMailOnce(m);
  });

  test("no address on the mailbox: the mail goes to the tenant's default address", async () => {
    const m = await phase1('202');
    const [mail] = await waitForMails(m, 1);
    assert.deepEqual(mail!.to, [DEFAULT_ADDRESS]);
    assert.deepEqual(headerTo(mail!), [DEFAULT_ADDRESS]);
    assertAttachmentIsTheMessage(mail!, m, '202');
    await assertEachMailOnce(m);
  });

  test('notification only: the mail has no attachment, and the message stays', async () => {
    const m = await phase1('203');
    const [mail] = await waitForMails(m, 1);
    assert.deepEqual(mail!.to, ['boris@acme.test']);
    assert.deepEqual(mail!.parsed.attachments.map((a) => a.contentType), [], 'no attachment at all');
    assert.ok(await server.stores.store.messages.get(TENANT, m.id), 'notify keeps the message');
    await assertEachMailOnce(m);
  });

  test('phase 1 sent exactly one mail per message', async () => {
    for (const box of ['201', '202', '203'] as const) {
      const m = await phase1(box);
      await new Promise((r) => setTimeout(r, 300)); // a duplicate would be sent within a retry interval
      assert.equal(mailsOf(m).length, 1, `mailbox ${box}: ${String(mailsOf(m).length)} mails`);
    }
  });

  // Phase 2: "duplicate to the default address" on, and the SMTP server answers 451 for a while.
  test('duplicate on: own and default address both get it; attach-delete: kept while 451, deleted (message.deleted queued) once accepted', async () => {
    await server.stores.store.tenants.update(TENANT, { duplicateToDefault: true });
    smtp.failWith('rcpt', 451, '4.3.0 Mailbox temporarily unavailable, try again later');
    const call = (box: string) => async (): Promise<Message> => {
      const { callId } = await deposit(server, box, { audio: hum });
      return server.messageOf(box, callId);
    };
    const phase2 = inParallel({ '204': call('204'), '205': call('205') });
    const vera = await phase2('204');
    const dmitry = await phase2('205');
    const audioFile = join(server.dataDir, AUDIO_DIR, ...dmitry.audioKey.split('/'));

    // The server tried (and was told 451) at least twice for each copy of 205's mail.
    await eventually(
      async () => {
        const emails = (await notificationsAbout(server.stores, dmitry.id)).filter((x) => x.n.channel === 'email');
        return emails.length === 2 && emails.every((x) => x.attempts.filter((a) => a.outcome === 'retry').length >= 2);
      },
      10_000,
      () => "two refused attempts of each copy of 205's mail",
    );
    const refused = (await notificationsAbout(server.stores, dmitry.id)).filter((x) => x.n.channel === 'email');
    assert.deepEqual(refused.map((x) => x.n.recipient).sort(), ['dmitry@acme.test', DEFAULT_ADDRESS]);
    for (const x of refused) {
      assert.equal(x.n.status, 'pending', describeOutbox(refused));
      assert.match(x.attempts[0]!.detail ?? '', /451/, describeOutbox(refused));
    }
    assert.equal(mailsOf(dmitry).length, 0, 'nothing was accepted yet');
    assert.ok(await server.stores.store.messages.get(TENANT, dmitry.id), 'attach-delete: the message stays while the mail is not accepted');
    assert.ok(existsSync(audioFile), 'attach-delete: the audio stays while the mail is not accepted');
    const dmitryAudio = server.readAudio(dmitry);

    smtp.acceptAll();
    const veraMails = await waitForMails(vera, 2);
    assert.deepEqual(rcpts(veraMails), [DEFAULT_ADDRESS, 'vera@acme.test'], 'duplicate on: the own address and the default address');
    for (const mail of veraMails) {
      assert.equal(mail.to.length, 1, 'one recipient per mail');
      assertAttachmentIsTheMessage(mail, vera, `204 to ${mail.to[0]!}`);
    }
    assert.ok(await server.stores.store.messages.get(TENANT, vera.id), 'attach-keep keeps the message');

    const dmitryMails = await waitForMails(dmitry, 2);
    assert.deepEqual(rcpts(dmitryMails), ['dmitry@acme.test', DEFAULT_ADDRESS]);
    for (const mail of dmitryMails) assertAttachmentIsTheMessage(mail, dmitry, `205 to ${mail.to[0]!}`, dmitryAudio);

    // Accepted (both copies) → the message and its audio are gone, message.deleted queued and delivered.
    await eventually(async () => (await server.stores.store.messages.get(TENANT, dmitry.id)) === null, 5000, () => 'message 205 deleted after its mail was accepted');
    await eventually(() => !existsSync(audioFile), 2000, () => `the audio file ${audioFile} removed`);
    const after = await notificationsAbout(server.stores, dmitry.id);
    const deleted = after.filter((x) => x.n.event === 'message.deleted');
    assert.deepEqual(deleted.map((x) => x.n.channel).sort(), ['mwi', 'webhook'], `message.deleted queued for the lamp and the webhook\n${describeOutbox(after)}`);
    const hook = await eventually(
      () => hooks.requests.find((r) => r.headers['x-voxmail-event'] === 'message.deleted' && (r.json as { data?: { message?: { id?: string } } } | null)?.data?.message?.id === dmitry.id),
      5000,
      () => 'the message.deleted webhook for 205',
    );
    assert.equal(hook.signatureValid, true);
    // ...and deleted only AFTER the server accepted every copy (each carrying the audio).
    let lastAccepted = 0;
    for (const x of after.filter((y) => y.n.channel === 'email')) {
      assert.equal(x.n.status, 'sent', describeOutbox(after));
      const sent = x.attempts.find((a) => a.outcome === 'sent');
      assert.ok(sent?.detail?.startsWith('audio attached'), `the accepted copy carried the audio: ${describeOutbox(after)}`);
      lastAccepted = Math.max(lastAccepted, Date.parse(sent!.at));
    }
    for (const d of deleted) {
      assert.ok(Date.parse(d.n.createdAt) >= lastAccepted, `message.deleted queued at ${d.n.createdAt}, before the last copy was accepted (${new Date(lastAccepted).toISOString()})`);
    }

    await new Promise((r) => setTimeout(r, 1500)); // a duplicate would come within a retry interval
    await assertEachMailOnce(vera);
    await assertEachMailOnce(dmitry);
    assert.equal(mailsOf(vera).length, 2);
    assert.equal(mailsOf(dmitry).length, 2);
  });
});
