import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { OutboxWorker } from '../../../src/notify/outbox-worker.js';
import { systemClock } from '../../../src/shared/clock.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { Notification, NotificationChannel } from '../../../src/voicemail/model.js';
import type { ChannelSender, DeliveryResult, NewNotification } from '../../../src/voicemail/ports.js';
import { tempStores, type TempStores } from '../../support/voicemail-store.js';

/** A channel whose answers the test scripts: the real channels have their own tests. */
class ScriptedSender implements ChannelSender {
  readonly seen: Notification[] = [];
  constructor(
    readonly channel: NotificationChannel,
    private readonly answer: (n: Notification, call: number) => Promise<DeliveryResult> | DeliveryResult,
  ) {}
  async send(n: Notification): Promise<DeliveryResult> {
    this.seen.push(n);
    return this.answer(n, this.seen.length);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Poll an async condition (the store is read while the worker writes). */
async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`condition not met within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function item(channel: NotificationChannel, subjectId: string, giveUpInMs = 3_600_000): NewNotification {
  return { tenantId: 't1', mailboxId: '100', channel, event: 'message.created', subjectId, recipient: `${channel}-rcpt`, payload: '{"kind":"message"}', giveUpAt: new Date(Date.now() + giveUpInMs).toISOString() };
}

describe('OutboxWorker', () => {
  let s: TempStores;
  let worker: OutboxWorker | null = null;
  beforeEach(async () => {
    s = await tempStores();
    await s.mailbox();
  });
  afterEach(async () => {
    await worker?.close();
    await s.close();
  });

  function start(senders: ChannelSender[], extra: Partial<ConstructorParameters<typeof OutboxWorker>[0]> = {}): OutboxWorker {
    worker = new OutboxWorker({ outbox: s.store.outbox, senders: new Map(senders.map((x) => [x.channel, x])), clock: systemClock, logger: silentLogger(), retry: { baseMs: 50, maxMs: 200 }, pollMs: 20, random: () => 0.5, ...extra });
    worker.start();
    return worker;
  }

  test('a temporary failure is retried with back-off until sent; every attempt is recorded', async () => {
    const email = new ScriptedSender('email', (_n, call) => (call < 3 ? { ok: false, permanent: false, error: `451 try later (${String(call)})` } : { ok: true, providerId: 'Q42' }));
    await s.store.outbox.enqueue([item('email', 'm1')]);
    start([email]);
    await waitFor(async () => (await s.store.outbox.list({ tenantId: 't1' }))[0]?.status === 'sent', 5000);
    const [n] = await s.store.outbox.list({ tenantId: 't1' });
    assert.equal(n?.providerId, 'Q42');
    const attempts = await s.store.outbox.attempts(n.id);
    assert.deepEqual(attempts.map((a) => a.outcome), ['retry', 'retry', 'sent']);
    assert.equal(attempts[0]?.detail, '451 try later (1)');
    assert.equal(email.seen.length, 3, 'sent once, after two refusals');
  });

  test('a permanent failure, or still failing at the give-up time, fails the notification and calls onFailed', async () => {
    const failed: string[] = [];
    const sms = new ScriptedSender('sms', () => ({ ok: false, permanent: true, error: 'invalid destination' }));
    const webhook = new ScriptedSender('webhook', () => ({ ok: false, permanent: false, error: '503' }));
    await s.store.outbox.enqueue([item('sms', 'm1'), item('webhook', 'm1', 30)]);
    start([sms, webhook], { onFailed: (n) => Promise.resolve(void failed.push(`${n.channel}:${n.lastError ?? ''}`)) });
    await waitFor(() => failed.length === 2, 5000);
    assert.deepEqual(failed.sort(), ['sms:invalid destination', 'webhook:503']);
    assert.equal(sms.seen.length, 1, 'a permanent failure is not retried');
  });

  test('a notification for a channel without a sender fails instead of waiting forever', async () => {
    await s.store.outbox.enqueue([item('mwi', 'm1')]);
    start([new ScriptedSender('email', () => ({ ok: true, providerId: null }))]);
    await waitFor(async () => (await s.store.outbox.list({ tenantId: 't1' }))[0]?.status === 'failed', 5000);
  });

  test('a slow channel does not hold up the others', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    const webhook = new ScriptedSender('webhook', async () => {
      await stuck;
      return { ok: true, providerId: null };
    });
    const email = new ScriptedSender('email', () => ({ ok: true, providerId: null }));
    await s.store.outbox.enqueue(Array.from({ length: 20 }, (_, i) => item('webhook', `w${String(i)}`)));
    await s.store.outbox.enqueue(Array.from({ length: 5 }, (_, i) => item('email', `e${String(i)}`)));
    start([webhook, email], { concurrency: 4 });
    await waitFor(async () => (await s.store.outbox.list({ tenantId: 't1', channel: 'email', status: 'sent' })).length === 5, 5000);
    assert.equal(webhook.seen.length, 4, 'the webhook channel holds only its own 4 slots');
    release();
    await waitFor(async () => (await s.store.outbox.list({ tenantId: 't1', channel: 'webhook', status: 'sent' })).length === 20, 5000);
  });
});
