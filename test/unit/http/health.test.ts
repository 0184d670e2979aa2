/** /healthz answers as the health server did; errors have the API shape; listen and close. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import type { BoundAddress } from '../../../src/http/routes/health.js';
import { HTTP_LISTEN_FAILED, listen } from '../../../src/http/server.js';
import { testApp } from './app-fixture.js';

describe('GET /healthz', () => {
  let sip: BoundAddress[] = [{ transport: 'udp', host: '127.0.0.1', port: 5099 }];

  test('status, version and the SIP addresses, read on every request; no-store', async () => {
    const app = await testApp(() => sip);
    const r = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(r.json(), { status: 'ok', version: '9.9.9', sip });
    sip = [
      { transport: 'udp', host: '::1', port: 1 },
      { transport: 'tcp', host: '::1', port: 2 },
    ];
    assert.deepEqual((await app.inject({ method: 'GET', url: '/healthz?verbose=1' })).json<{ sip: unknown }>().sip, sip);
  });

  test('HEAD has the headers and no body; other methods 405 with Allow', async () => {
    const app = await testApp();
    const head = await app.inject({ method: 'HEAD', url: '/healthz' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const r = await app.inject({ method, url: '/healthz' });
      assert.equal(r.statusCode, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
      assert.equal(r.json<{ error: { code: string } }>().error.code, 'VM_API_METHOD_NOT_ALLOWED');
    }
  });

  test('any other path: a JSON 404; a malformed URL: a JSON 400', async () => {
    const app = await testApp();
    for (const url of ['/', '/healthz/', '/metrics', '//healthz', '/api/v2/x']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.statusCode, 404, url);
      assert.deepEqual(r.json(), { error: { code: 'VM_API_NOT_FOUND', message: 'no such resource' } });
    }
    const bad = await app.inject({ method: 'GET', url: '/api/v1/messages/%zz' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'VM_API_INVALID_REQUEST');
  });

  test('security headers on every answer', async () => {
    const app = await testApp();
    for (const url of ['/healthz', '/nope', '/api/v1/mailboxes']) {
      const r = await app.inject({ method: 'GET', url });
      assert.equal(r.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(r.headers['x-frame-options'], 'DENY', url);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', url);
      assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/, url);
      assert.equal(r.headers['strict-transport-security'], undefined, 'no HSTS unless the server is known to be https');
    }
  });
});

describe('limits and error shapes', () => {
  test('bodies over 64 KiB: 413; not JSON: 415; bad JSON: 400; schema violations: 400', async () => {
    const app = await testApp();
    const url = '/api/v1/auth/login';
    const big = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ login: 'x', password: 'y'.repeat(70_000) }) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json<{ error: { code: string } }>().error.code, 'VM_API_BODY_TOO_LARGE');
    const form = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'login=x&password=y' });
    assert.equal(form.statusCode, 415);
    assert.equal(form.json<{ error: { code: string } }>().error.code, 'VM_API_UNSUPPORTED_MEDIA_TYPE');
    const text = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/plain' }, payload: '{"login":"x","password":"y"}' });
    assert.equal(text.statusCode, 415, 'a cross-site form cannot post JSON');
    const broken = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: '{"login":' });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json<{ error: { code: string } }>().error.code, 'VM_API_INVALID_REQUEST');
    const missing = await app.inject({ method: 'POST', url, payload: { login: 'x' } });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json<{ error: { message: string } }>().error.message, /password/);
  });

  test('without credentials: 401 with WWW-Authenticate', async () => {
    const app = await testApp();
    const r = await app.inject({ method: 'GET', url: '/api/v1/messages' });
    assert.equal(r.statusCode, 401);
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'VM_API_UNAUTHENTICATED');
    const bad = await app.inject({ method: 'GET', url: '/api/v1/messages', headers: { authorization: 'Basic eDp5' } });
    assert.equal(bad.statusCode, 401);
  });
});

describe('listen', () => {
  test('a port already taken fails with VM_HTTP_LISTEN_FAILED', async () => {
    const first = await listen(await testApp(), { host: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(listen(await testApp(), { host: '127.0.0.1', port: first.address.port }), (e: unknown) => {
        assert.equal((e as { code?: unknown }).code, HTTP_LISTEN_FAILED);
        assert.match((e as Error).message, /cannot listen for HTTP on 127\.0\.0\.1 port \d+: .*EADDRINUSE/);
        return true;
      });
    } finally {
      await first.close();
    }
  });

  test('close() is idempotent and drops keep-alive connections', async () => {
    const s = await listen(await testApp(), { host: '127.0.0.1', port: 0 });
    assert.equal(s.address.host, '127.0.0.1');
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port: s.address.port, path: '/healthz', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const p1 = s.close();
    assert.equal(s.close(), p1);
    await p1;
    agent.destroy();
    await assert.rejects(fetch(`http://127.0.0.1:${String(s.address.port)}/healthz`));
  });
});
