/**
 * Webhooks from end to end, with a real HTTP receiver that verifies every signature as
 * an integrator would (verifyWebhookSignature, the documented HMAC-SHA256 over
 * "<t>.<body>" with the 5-minute window):
 *
 * - the tenant's webhook URL and secret are set with the CLI
 *   (`voxmail tenant update acme --webhook-url … --webhook-secret …`, a child process
 *   on the running server's data directory);
 * - SIPp leaves a message while the receiver fails its first two requests (500): the
 *   real server (in this process) retries, and the third attempt is accepted — all
 *   three carry the same delivery id and a valid signature, and the body describes the
 *   stored message;
 * - `voxmail messages heard ID` (CLI, child process, same data directory) marks it
 *   heard: the running server delivers `message.heard` (heard: true), signed, once.
 *
 * Needs sipp, espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/notify/pipeline-webhook.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Message } from '../../../src/voicemail/model.js';
import { killChildren } from '../../support/child-processes.js';
import { deposit, describeOutbox, eventually, notificationsAbout, NotifyServer, QUICK_MAILBOX, voxmailCliOk } from '../../support/notify-harness.js';
import { DEFAULT_CALLER, removeAudio, speechWithHum, TENANT, type CallerAudio } from '../../support/voxmail.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../support/webhook-receiver.js';

const SECRET = 'whsec_pipeline_5f1c0a9e2b7d4c3a8e6f';

interface MessageBody {
  id: string;
  event: string;
  occurredAt: string;
  tenant: string;
  data: { message: { id: string; mailbox: { id: string; language: string; timeZone: string }; callerNumber: string | null; callerName: string | null; durationMs: number; heard: boolean; recovered: boolean; receivedAt: string } };
}

let rx: WebhookReceiver;
let server: NotifyServer;
let hum: CallerAudio;
let message: Message;

function requestsFor(event: string, messageId: string): ReceivedWebhook[] {
  return rx.requests.filter((r) => r.headers['x-voxmail-event'] === event && (r.json as MessageBody | null)?.data?.message?.id === messageId);
}

describe('webhooks after a SIPp deposit and a CLI change (real server, real HTTP receiver)', () => {
  before(async () => {
    hum = speechWithHum('Hello, this is Ivan with a message for your webhook.');
    rx = await startWebhookReceiver({ secret: SECRET });
    server = await NotifyServer.start();
    await server.mailbox('601', { ...QUICK_MAILBOX, name: 'Sales' });
  });

  after(async () => {
    await server?.close();
    await rx?.close();
    await killChildren();
    removeAudio(hum);
  });

  test('message.created: the first two attempts fail (500), the retry is accepted; same delivery id, every signature valid', async () => {
    await voxmailCliOk(server.dataDir, ['tenant', 'update', TENANT, '--webhook-url', rx.url, '--webhook-secret', SECRET]);
    rx.failNext(2);
    const { callId } = await deposit(server, '601', { audio: hum });
    message = await server.messageOf('601', callId);

    const got = await eventually(
      () => {
        const r = requestsFor('message.created', message.id);
        return r.length >= 3 ? r : undefined;
      },
      8000,
      () => `three message.created requests (got ${String(requestsFor('message.created', message.id).length)})`,
    );
    assert.deepEqual(
      got.map((r) => r.status),
      [500, 500, 200],
    );
    for (const r of got) {
      assert.equal(r.signatureValid, true, `signature ${String(r.headers['x-voxmail-signature'])} verifies`);
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['content-type'], 'application/json');
    }
    const ids = new Set(got.map((r) => r.headers['x-voxmail-delivery']));
    assert.equal(ids.size, 1, `one delivery id for every attempt: ${JSON.stringify([...ids])}`);
    const body = got[2]!.json as MessageBody;
    assert.equal(body.id, got[0]!.headers['x-voxmail-delivery'], 'the body id is the delivery id');
    assert.equal(body.event, 'message.created');
    assert.equal(body.tenant, TENANT);
    const bm = body.data.message;
    assert.equal(bm.id, message.id);
    assert.equal(bm.mailbox.id, '601');
    assert.equal(bm.callerNumber, DEFAULT_CALLER.number);
    assert.equal(bm.callerName, DEFAULT_CALLER.name);
    assert.equal(bm.durationMs, message.durationMs);
    assert.equal(bm.receivedAt, message.receivedAt);
    assert.equal(bm.heard, false);
    assert.equal(bm.recovered, false);
    // The same bytes were signed each time (a retry is the same body).
    assert.equal(got[0]!.rawBody.toString('utf8'), got[2]!.rawBody.toString('utf8'));

    const hooks = (await notificationsAbout(server.stores, message.id)).filter((x) => x.n.channel === 'webhook');
    assert.equal(hooks.length, 1, describeOutbox(hooks));
    await eventually(async () => (await server.stores.store.outbox.get(hooks[0]!.n.id))?.status === 'sent', 3000, () => 'the webhook marked sent');
    const attempts = await server.stores.store.outbox.attempts(hooks[0]!.n.id);
    assert.deepEqual(
      attempts.map((a) => a.outcome),
      ['retry', 'retry', 'sent'],
    );
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(requestsFor('message.created', message.id).length, 3, 'no request after the accepted one');
  });

  test('`voxmail messages heard ID` in another process: the running server delivers message.heard, signed, once', async () => {
    assert.ok(message, 'the deposit of the first test');
    const before = rx.requests.length;
    const r = await voxmailCliOk(server.dataDir, ['messages', 'heard', message.id, '--tenant', TENANT, '--json']);
    assert.deepEqual(JSON.parse(r.stdout), { id: message.id, tenant: TENANT, mailbox: '601', heard: true });
    const [heard] = await eventually(
      () => {
        const got = requestsFor('message.heard', message.id);
        return got.length > 0 ? got : undefined;
      },
      5000,
      () => `message.heard (requests since the CLI: ${JSON.stringify(rx.requests.slice(before).map((q) => q.headers['x-voxmail-event']))})`,
    );
    assert.equal(heard!.signatureValid, true);
    assert.equal(heard!.status, 200);
    const body = heard!.json as MessageBody;
    assert.equal(body.event, 'message.heard');
    assert.equal(body.data.message.heard, true);
    assert.equal(body.data.message.id, message.id);
    assert.equal(heard!.headers['x-voxmail-delivery'], body.id);
    assert.notEqual(body.id, (requestsFor('message.created', message.id)[0]!.json as MessageBody).id, 'another delivery id than message.created');
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(requestsFor('message.heard', message.id).length, 1, 'delivered once');
    assert.ok(rx.requests.every((q) => q.signatureValid), 'every request the receiver got verifies');
  });
});
