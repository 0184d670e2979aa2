/**
 * The webhook channel over real sockets: WebhookSender → HTTP → a receiver that verifies
 * every signature as an integrator would (test/support/webhook-receiver.ts). Each
 * `send` is one outbox attempt; the outbox's back-off is not involved here, so "retry"
 * means the next call, as the worker would make it.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { pino } from 'pino';
import { WebhookSender, type WebhookSenderOptions } from '../../../src/notify/webhook/index.js';
import { silentLogger } from '../../../src/shared/logger.js';
import type { DeliveryResult } from '../../../src/voicemail/ports.js';
import { ALL_EVENTS, SECRET, notificationFor, tenant, tenantsOf } from '../../unit/notify/webhook/fixtures.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';

const receivers: WebhookReceiver[] = [];
after(() => Promise.all(receivers.map((r) => r.close())));

async function receiver(path?: string): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver({ secret: SECRET, ...(path ? { path } : {}) });
  receivers.push(r);
  return r;
}

function sender(options: Partial<WebhookSenderOptions> = {}): WebhookSender {
  return new WebhookSender({ tenants: tenantsOf(tenant()), logger: silentLogger(), timeoutMs: 2000, userAgent: 'Voxmail-Test/1', ...options });
}

const live = (): AbortSignal => new AbortController().signal;

function assertRetry(r: DeliveryResult, error: RegExp): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  assert.ok(!r.ok);
  assert.equal(r.permanent, false, r.error);
  assert.match(r.error, error);
}

function assertPermanent(r: DeliveryResult, error: RegExp): void {
  assert.equal(r.ok, false, JSON.stringify(r));
  assert.ok(!r.ok);
  assert.equal(r.permanent, true, r.error);
  assert.match(r.error, error);
}

describe('webhook delivery (real HTTP)', () => {
  test('every event arrives signed, with the documented headers and body', async () => {
    const rx = await receiver();
    const s = sender();
    for (const event of ALL_EVENTS) {
      const n = notificationFor(event, rx.url);
      const r = await s.send(n, live());
      assert.deepEqual(r, { ok: true, providerId: null, detail: 'HTTP 200' }, event);
      const got = rx.requests.at(-1)!;
      assert.equal(got.signatureValid, true, `${event}: signature verifies`);
      assert.equal(got.method, 'POST');
      assert.equal(got.path, '/hooks');
      assert.equal(got.headers['content-type'], 'application/json');
      assert.equal(got.headers['user-agent'], 'Voxmail-Test/1');
      assert.equal(got.headers['x-voxmail-event'], event);
      assert.equal(got.headers['x-voxmail-delivery'], n.deliveryKey);
      assert.match(String(got.headers['x-voxmail-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
      const body = got.json as { id: string; event: string; tenant: string; data: Record<string, unknown> };
      assert.equal(body.id, n.deliveryKey);
      assert.equal(body.event, event);
      assert.equal(body.tenant, 'acme');
      assert.equal(got.rawBody.toString('utf8'), JSON.stringify(body), 'compact JSON, UTF-8');
    }
    assert.equal(rx.requests.length, ALL_EVENTS.length);
    assert.ok(rx.requests.every((q) => q.signatureValid));
    await s.close();
  });

  test('the timestamp is the wall clock at send time and inside the signature', async () => {
    const rx = await receiver();
    const r = await sender({ now: () => 1_000_000_000_000 }).send(notificationFor('message.created', rx.url), live());
    assert.equal(r.ok, true);
    const got = rx.requests[0]!;
    assert.match(String(got.headers['x-voxmail-signature']), /^t=1000000000,/);
    assert.equal(got.signatureValid, false, 'a 2001 timestamp is outside the replay window');
  });

  test('the default User-Agent names Voxmail and its version', async () => {
    const rx = await receiver();
    const s = new WebhookSender({ tenants: tenantsOf(tenant()), logger: silentLogger() });
    assert.equal((await s.send(notificationFor('message.created', rx.url), live())).ok, true);
    assert.match(String(rx.requests[0]!.headers['user-agent']), /^Voxmail-Webhook\/\d+\.\d+\.\d+/);
  });

  test('a receiver that fails first: retry, then delivered with the same id on the next attempt', async () => {
    const rx = await receiver();
    rx.failNext(1);
    const s = sender();
    const n = notificationFor('message.created', rx.url);
    assertRetry(await s.send(n, live()), /^HTTP 500: receiver failing on purpose$/);
    assert.equal((await s.send(n, live())).ok, true);
    assert.equal(rx.requests.length, 2);
    assert.deepEqual(
      rx.requests.map((q) => [q.status, q.signatureValid, q.headers['x-voxmail-delivery']]),
      [
        [500, true, n.deliveryKey],
        [200, true, n.deliveryKey],
      ],
      'both attempts signed; receivers de-duplicate by the delivery id',
    );
  });

  test('408, 429, 502, 503 are retried; 400, 401, 404, 410 are permanent', async () => {
    const rx = await receiver();
    const s = sender();
    for (const status of [408, 429, 502, 503]) {
      rx.failNext(1, status);
      assertRetry(await s.send(notificationFor('message.created', rx.url), live()), new RegExp(`^HTTP ${String(status)}`));
    }
    for (const status of [400, 401, 404]) {
      rx.failNext(1, status);
      assertPermanent(await s.send(notificationFor('message.created', rx.url), live()), new RegExp(`^HTTP ${String(status)}`));
    }
    rx.respondNext({ status: 410 });
    assertPermanent(await s.send(notificationFor('missed_call', rx.url), live()), /^HTTP 410 Gone: the receiver removed this endpoint$/);
  });

  test('2xx: the X-Request-Id header becomes the provider id', async () => {
    const rx = await receiver();
    rx.respondNext({ status: 202, headers: { 'X-Request-Id': 'req-42' }, body: '{"ok":true}' });
    assert.deepEqual(await sender().send(notificationFor('message.heard', rx.url), live()), { ok: true, providerId: 'req-42', detail: 'HTTP 202' });
  });

  test('a redirect is a permanent failure and is not followed', async () => {
    const rx = await receiver();
    const elsewhere = await receiver('/stolen');
    const s = sender();
    for (const status of [301, 302, 303, 307, 308]) {
      rx.respondNext({ status, headers: { Location: elsewhere.url } });
      assertPermanent(await s.send(notificationFor('message.created', rx.url), live()), new RegExp(`^HTTP ${String(status)} redirect not followed`));
    }
    assert.equal(rx.requests.length, 5);
    assert.equal(elsewhere.requests.length, 0, 'the signed body went nowhere else');
  });

  test('a slow receiver: timeout → retry, within the timeout', async () => {
    const rx = await receiver();
    rx.setDelay(5000);
    const started = Date.now();
    const r = await sender({ timeoutMs: 300 }).send(notificationFor('message.created', rx.url), live());
    assertRetry(r, /^timed out after 300 ms$/);
    assert.ok(Date.now() - started < 2000, `gave up after ${String(Date.now() - started)} ms`);
    rx.setDelay(0);
  });

  test('slow but within the timeout: delivered', async () => {
    const rx = await receiver();
    rx.setDelay(200);
    assert.equal((await sender({ timeoutMs: 2000 }).send(notificationFor('message.created', rx.url), live())).ok, true);
  });

  test('nothing listening: retry with the network error', async () => {
    const rx = await receiver();
    const url = rx.url;
    await rx.close();
    assertRetry(await sender().send(notificationFor('message.created', url), live()), /^network error: .*ECONNREFUSED/);
  });

  test("ports fetch refuses (the standard's bad-port list): permanent, nothing sent", async () => {
    for (const port of [1, 25, 6000]) {
      assertPermanent(await sender().send(notificationFor('message.created', `http://127.0.0.1:${String(port)}/hooks`), live()), /port \d+ is one fetch refuses/);
    }
  });

  test('a request fetch cannot build (a line break the URL parser dropped, kept in the delivery id): permanent', async () => {
    const rx = await receiver();
    const r = await sender().send(notificationFor('message.created', rx.url.replace('/hooks', '/ho\noks')), live());
    assertPermanent(r, /^request refused by fetch: /);
    assert.equal(rx.requests.length, 0);
  });

  test('shutdown (the worker aborts, or close()) ends the attempt at once as a retry', async () => {
    const rx = await receiver();
    rx.setDelay(5000);
    const ac = new AbortController();
    const pending = sender({ timeoutMs: 10_000 }).send(notificationFor('message.created', rx.url), ac.signal);
    setTimeout(() => ac.abort(), 100);
    assertRetry(await pending, /^aborted/);

    const s = sender({ timeoutMs: 10_000 });
    const inFlight = s.send(notificationFor('message.created', rx.url), live());
    setTimeout(() => void s.close(), 100);
    assertRetry(await inFlight, /^aborted/);
  });

  test('a huge error body is read only up to maxResponseBytes; the error keeps a short excerpt', async () => {
    const rx = await receiver();
    rx.respondNext({ status: 503, body: Buffer.alloc(8 * 1024 * 1024, 'x') });
    const r = await sender({ maxResponseBytes: 1024 }).send(notificationFor('message.created', rx.url), live());
    assertRetry(r, /^HTTP 503: x{200}…$/);
  });

  test('the secret appears in no log line and no error, at trace level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino({ level: 'trace' }, sink);
    const rx = await receiver();
    const s = sender({ logger });
    const results: DeliveryResult[] = [];
    rx.failNext(1);
    results.push(await s.send(notificationFor('message.created', rx.url), live()));
    results.push(await s.send(notificationFor('message.created', `${rx.url}?token=abc123`), live()));
    rx.respondNext({ status: 400, body: 'bad' });
    results.push(await s.send(notificationFor('missed_call', rx.url), live()));
    assert.ok(lines.length >= 6, 'the sender logs at debug');
    const everything = lines.join('') + JSON.stringify(results);
    assert.ok(!everything.includes(SECRET), 'secret leaked');
    assert.ok(!lines.join('').includes('abc123'), 'query strings (tokens) stay out of logs');
  });
});
