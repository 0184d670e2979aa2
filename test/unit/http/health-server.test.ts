import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { BoundAddress, HealthServer } from '../../../src/http/health-server.js';
import { HTTP_LISTEN_FAILED, startHealthServer } from '../../../src/http/health-server.js';
import { silentLogger } from '../../../src/shared/logger.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(port: number, method: string, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('health server', () => {
  let sip: BoundAddress[] = [{ transport: 'udp', host: '127.0.0.1', port: 5099 }];
  let server: HealthServer;

  before(async () => {
    server = await startHealthServer({ host: '127.0.0.1', port: 0, version: '9.9.9', sipAddresses: () => sip, logger: silentLogger() });
  });
  after(() => server.close());

  test('binds the asked host and a free port', () => {
    assert.equal(server.address.host, '127.0.0.1');
    assert.ok(server.address.port > 0);
  });

  test('GET /healthz answers status, version and the SIP addresses', async () => {
    const r = await call(server.address.port, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(r.body), { status: 'ok', version: '9.9.9', sip });
  });

  test('the SIP addresses are read on every request', async () => {
    sip = [
      { transport: 'udp', host: '::1', port: 1 },
      { transport: 'tcp', host: '::1', port: 2 },
    ];
    const r = await call(server.address.port, 'GET', '/healthz?verbose=1');
    assert.deepEqual((JSON.parse(r.body) as { sip: unknown }).sip, sip);
  });

  test('HEAD /healthz has headers and no body', async () => {
    const r = await call(server.address.port, 'HEAD', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body, '');
    assert.ok(Number(r.headers['content-length']) > 0);
  });

  test('other methods on /healthz get 405 with Allow', async () => {
    const r = await call(server.address.port, 'POST', '/healthz');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD');
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'method_not_allowed');
  });

  test('any other path gets a JSON 404', async () => {
    for (const path of ['/', '/healthz/', '/metrics', '//healthz', '/%zz']) {
      const r = await call(server.address.port, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'not_found');
    }
  });
});

test('a port already taken fails with VM_HTTP_LISTEN_FAILED', async () => {
  const first = await startHealthServer({ host: '127.0.0.1', port: 0, version: '1', sipAddresses: () => [], logger: silentLogger() });
  try {
    await assert.rejects(
      startHealthServer({ host: '127.0.0.1', port: first.address.port, version: '1', sipAddresses: () => [], logger: silentLogger() }),
      (e: unknown) => {
        assert.equal((e as { code?: unknown }).code, HTTP_LISTEN_FAILED);
        assert.match((e as Error).message, /cannot listen for HTTP on 127\.0\.0\.1 port \d+: .*EADDRINUSE/);
        return true;
      },
    );
  } finally {
    await first.close();
  }
});

test('close() is idempotent and drops keep-alive connections', async () => {
  const s = await startHealthServer({ host: '127.0.0.1', port: 0, version: '1', sipAddresses: () => [], logger: silentLogger() });
  // Open a keep-alive connection that would otherwise hold close() up.
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
  const p2 = s.close();
  assert.equal(p1, p2);
  await p1;
  agent.destroy();
  await assert.rejects(call(s.address.port, 'GET', '/healthz'), /ECONNREFUSED/);
});
