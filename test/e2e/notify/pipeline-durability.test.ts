/**
 * Notifications that never get lost and are never sent twice (issue 5), end to end:
 *
 * - SMTP down for a while, then up: the real server (in this process) keeps retrying
 *   while connections are refused, the message stays, and once the SMTP server is back
 *   the mail arrives exactly once (counted by its Message-ID).
 * - `kill -9` between the deposit and the delivery: `voxmail serve` runs as a child
 *   process; SIPp leaves a message while the SMTP server is down, so the notification is
 *   pending (already tried and refused); the server is SIGKILLed right after a refused
 *   attempt was recorded; nothing arrived. Restarted on the same data directory with
 *   the SMTP server up, it delivers the mail exactly once.
 * - `voxmail messages show ID --json` (CLI) lists that delivery with every attempt.
 *
 * Needs sipp, espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/notify/pipeline-durability.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Stores } from '../../../src/compose/open-store.js';
import { messageIdFor } from '../../../src/notify/email/compose-mail.js';
import type { Message } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { deposit, describeOutbox, eventually, messageOf, notificationsAbout, NotifyProcess, NotifyServer, QUICK_MAILBOX, voxmailCliOk, type NotificationWithAttempts } from '../../support/notify-harness.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import { TestSmtpServer, type ReceivedMail } from '../../support/smtp-server.js';
import { prepareData, randomRtpRange, removeAudio, speechWithHum, TENANT, type CallerAudio } from '../../support/voxmail.js';

const cleanup: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanup.reverse()) await fn();
  await killChildren();
});

let hum: CallerAudio | undefined;
function audio(): CallerAudio {
  if (!hum) {
    const a = speechWithHum('This is Ivan. The mail server is down, but you will get this once.');
    hum = a;
    cleanup.push(() => removeAudio(a));
  }
  return hum;
}

async function smtpServer(): Promise<TestSmtpServer> {
  const smtp = await TestSmtpServer.start();
  cleanup.push(() => smtp.close());
  return smtp;
}

async function emailOf(stores: Stores, m: Message): Promise<NotificationWithAttempts> {
  const all = await notificationsAbout(stores, m.id);
  const emails = all.filter((x) => x.n.channel === 'email');
  assert.equal(emails.length, 1, `one e-mail notification for ${m.id}\n${describeOutbox(all)}`);
  return emails[0]!;
}

interface ShownMessage {
  id: string;
  deliveries: { channel: string; recipient: string; status: string; providerId: string | null; attemptLog: { outcome: string; detail: string | null }[] }[];
}

function mailsWith(smtp: TestSmtpServer, messageId: string): ReceivedMail[] {
  return smtp.received.filter((r) => r.parsed.messageId === messageId);
}

// The two cases use their own servers and SMTP servers: run them side by side.
describe('durable e-mail delivery (real server, real SMTP, SIPp deposits)', { concurrency: true }, () => {
  test('SMTP down for a while, then up: retried meanwhile, delivered exactly once', async () => {
    const smtp = await smtpServer();
    await smtp.down();
    const server = await NotifyServer.start({ notify: { smtpUrl: smtp.url() } });
    cleanup.push(() => server.close());
    await server.mailbox('401', { ...QUICK_MAILBOX, emails: ['owner401@acme.test'], emailAction: 'attach-keep' });

    const { callId } = await deposit(server, '401', { audio: audio() });
    const m = await server.messageOf('401', callId);
    // Refused connections are retried with back-off, not given up.
    const refused = await eventually(
      async () => {
        const e = await emailOf(server.stores, m);
        return e.attempts.filter((a) => a.outcome === 'retry').length >= 3 ? e : undefined;
      },
      10_000,
      () => 'three refused attempts while the SMTP server is down',
    );
    assert.equal(refused.n.status, 'pending', describeOutbox([refused]));
    assert.equal(smtp.received.length, 0);

    await smtp.up();
    const id = messageIdFor(refused.n.deliveryKey);
    await eventually(() => mailsWith(smtp, id).length > 0, 5000, () => `the mail ${id} after the SMTP server came back`);
    // Long enough for any duplicate: more than one retry interval and the worker's poll.
    await new Promise((r) => setTimeout(r, 1500));
    const mails = mailsWith(smtp, id);
    assert.equal(mails.length, 1, `delivered ${String(mails.length)} times`);
    assert.equal(smtp.received.length, 1, 'no other mail at all');
    assert.deepEqual(mails[0]!.to, ['owner401@acme.test']);
    const done = await emailOf(server.stores, m);
    assert.equal(done.n.status, 'sent', describeOutbox([done]));
    assert.deepEqual(
      done.attempts.map((a) => a.outcome),
      [...done.attempts.slice(0, -1).map(() => 'retry'), 'sent'],
      `every attempt but the last refused: ${describeOutbox([done])}`,
    );
    assert.equal(done.n.providerId, mails[0]!.queueId, "the provider id is the SMTP server's queue id");

    // The operator sees the same story: `voxmail messages show ID` lists the delivery and every attempt.
    const shown = JSON.parse((await voxmailCliOk(server.dataDir, ['messages', 'show', m.id, '--tenant', TENANT, '--json'])).stdout) as ShownMessage;
    const email = shown.deliveries.filter((d) => d.channel === 'email');
    assert.equal(email.length, 1, JSON.stringify(shown.deliveries));
    assert.equal(email[0]!.recipient, 'owner401@acme.test');
    assert.equal(email[0]!.status, 'sent');
    assert.equal(email[0]!.providerId, mails[0]!.queueId);
    assert.deepEqual(
      email[0]!.attemptLog.map((a) => a.outcome),
      done.attempts.map((a) => a.outcome),
    );
    assert.ok(email[0]!.attemptLog.slice(0, -1).every((a) => a.detail !== null && a.detail !== ''), 'each refused attempt says why');
  });

  test('kill -9 between the deposit and the delivery (SMTP down), restart with SMTP up: delivered exactly once', async () => {
    const smtp = await smtpServer();
    await smtp.down();
    const dataDir = mkdtempSync(join(tmpdir(), 'voxmail-pipeline-kill-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const stores = await prepareData(dataDir);
    cleanup.push(() => stores.close());
    await stores.store.mailboxes.create({ tenantId: TENANT, id: '402', ...QUICK_MAILBOX, emails: ['owner402@acme.test'], emailAction: 'attach-keep' });
    const rtp = await randomRtpRange();
    const sipPort = await freeUdpTcpPort();
    const notify = { smtpUrl: smtp.url() };
    const child = await NotifyProcess.spawn({ dataDir, sipPort, rtp, notify });
    let alive = true;
    cleanup.push(async () => {
      if (alive) await child.stop();
    });

    const { callId } = await deposit(child, '402', { audio: audio() });
    const m = await messageOf(stores, '402', callId);
    // Kill right after a refused attempt was recorded: the next one is ≥ 160 ms away, so the
    // notification is pending and not leased at the moment of the crash.
    let seen = 0;
    const before = await eventually(
      async () => {
        const e = await emailOf(stores, m);
        const retries = e.attempts.filter((a) => a.outcome === 'retry').length;
        if (seen === 0) seen = Math.max(1, retries);
        return retries > seen && e.n.status === 'pending' ? e : undefined;
      },
      10_000,
      () => 'a refused attempt while the SMTP server is down',
      10,
    );
    const exit = await child.kill9();
    alive = false;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(smtp.received.length, 0, 'nothing was delivered before the crash');
    assert.equal(before.n.status, 'pending');

    await smtp.up();
    const restarted = await NotifyServer.start({ dataDir, sipPort, rtp, notify });
    cleanup.push(() => restarted.close());
    const id = messageIdFor(before.n.deliveryKey);
    await eventually(() => mailsWith(smtp, id).length > 0, 8000, () => `the mail ${id} after the restart`).catch(async (e: unknown) => {
      throw new Error(`${(e as Error).message}\n${describeOutbox([await emailOf(stores, m)])}`);
    });
    await new Promise((r) => setTimeout(r, 1500));
    const mails = mailsWith(smtp, id);
    assert.equal(mails.length, 1, `delivered ${String(mails.length)} times after the restart`);
    assert.equal(smtp.received.length, 1, 'no other mail at all');
    assert.deepEqual(mails[0]!.to, ['owner402@acme.test']);
    assert.equal(mails[0]!.parsed.headers.get('x-voxmail-message-id'), m.id);
    const done = await emailOf(stores, m);
    assert.equal(done.n.status, 'sent', describeOutbox([done]));
    assert.ok(done.attempts.length >= 3, `refused before the crash, sent after it: ${describeOutbox([done])}`);
    assert.equal(done.attempts.filter((a) => a.outcome === 'sent').length, 1, describeOutbox([done]));
  });
});
