/**
 * What the sender decides before any byte leaves: bad URLs and missing secrets fail
 * for good, a store hiccup is retried, a broken payload is reported (never thrown).
 * The HTTP side is tested against a real receiver in test/e2e/notify/webhook.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebhookSender } from '../../../../src/notify/webhook/index.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { SECRET, notificationFor, tenant, tenantsOf } from './fixtures.js';

/** Port 9 is on fetch's blocked list: even a bug that reached the network would send nothing. */
const URL_ = 'http://127.0.0.1:9/hooks';

function sender(tenants = tenantsOf(tenant())): WebhookSender {
  return new WebhookSender({ tenants, logger: silentLogger(), timeoutMs: 1000 });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('WebhookSender before sending', () => {
  test('channel is webhook; close is idempotent', async () => {
    const s = sender();
    assert.equal(s.channel, 'webhook');
    await s.close();
    await s.close();
  });

  test('URLs that are not http(s), not URLs, or carry credentials: permanent', async () => {
    const cases: [string, RegExp][] = [
      ['ftp://example.com/x', /must be http\(s\) \(got ftp:\)/],
      ['file:///etc/passwd', /must be http\(s\)/],
      ['javascript:alert(1)', /must be http\(s\)/],
      ['not a url', /not a valid URL/],
      ['', /not a valid URL/],
      ['https://user:pw@example.com/x', /must not contain user:password@/],
    ];
    for (const [url, message] of cases) {
      const r = await sender().send(notificationFor('message.created', url), signal());
      assert.deepEqual({ ok: r.ok, permanent: !r.ok && r.permanent }, { ok: false, permanent: true }, url);
      assert.ok(!r.ok && message.test(r.error), `${url}: ${r.ok ? '' : r.error}`);
    }
  });

  test('tenant missing or without a secret: permanent "webhook secret not set"', async () => {
    for (const tenants of [tenantsOf(), tenantsOf(tenant({ webhookSecret: null })), tenantsOf(tenant({ webhookSecret: '' }))]) {
      const r = await sender(tenants).send(notificationFor('message.created', URL_), signal());
      assert.deepEqual(r, { ok: false, permanent: true, error: 'webhook secret not set' });
    }
  });

  test('the tenant lookup failing is retried', async () => {
    const tenants = { get: () => Promise.reject(new Error('database is locked')) };
    const r = await sender(tenants).send(notificationFor('message.created', URL_), signal());
    assert.deepEqual(r, { ok: false, permanent: false, error: 'tenant lookup failed: database is locked' });
  });

  test('bad payloads are permanent failures, never exceptions', async () => {
    const broken = [
      notificationFor('message.created', URL_, { payload: '{not json' }),
      notificationFor('message.created', URL_, { payload: '{"kind":"message","event":"message.created"}' }),
      notificationFor('message.created', URL_, { payload: '{"kind":"mwi","event":"message.created"}' }),
      notificationFor('message.created', URL_, { payload: '[]' }),
    ];
    for (const n of broken) {
      const r = await sender().send(n, signal());
      assert.equal(r.ok, false, n.payload);
      assert.equal(!r.ok && r.permanent, true, n.payload);
      assert.ok(!r.ok && !r.error.includes(SECRET));
    }
  });
});
