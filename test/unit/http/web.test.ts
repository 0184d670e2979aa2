import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Fastify from 'fastify';
import { IMMUTABLE, REVALIDATE, defaultWebRoot, registerWebApp } from '../../../src/http/routes/web.js';

const HTML = { accept: 'text/html,application/xhtml+xml' };

async function appWith(root: string) {
  const app = Fastify();
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: { code: 'VM_API_NOT_FOUND', message: 'no such resource' } }));
  registerWebApp(app, { root });
  await app.ready();
  return app;
}

describe('web app route', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-web-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const built = join(dir, 'built');
  mkdirSync(join(built, 'assets'), { recursive: true });
  writeFileSync(join(built, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(built, 'favicon.svg'), '<svg/>');

  test('finds dist/web of the package', () => {
    assert.match(defaultWebRoot(), /dist[/\\]web$/);
  });

  test('index.html revalidated, hashed assets immutable, SPA fallback for pages only', async () => {
    const app = await appWith(built);
    const index = await app.inject({ url: '/', headers: HTML });
    assert.equal(index.statusCode, 200);
    assert.equal(index.headers['cache-control'], REVALIDATE);
    assert.match(index.body, /<title>app/);
    const asset = await app.inject({ url: '/assets/index-abc123.js' });
    assert.equal(asset.statusCode, 200);
    assert.equal(asset.headers['cache-control'], IMMUTABLE);
    assert.equal((await app.inject({ url: '/favicon.svg' })).headers['cache-control'], REVALIDATE);
    const deep = await app.inject({ url: '/settings/100?x=1', headers: HTML });
    assert.equal(deep.statusCode, 200);
    assert.match(deep.body, /<title>app/);
    for (const url of ['/api/v1/nope', '/healthz/x', '/assets/gone.js']) {
      assert.equal((await app.inject({ url, headers: HTML })).statusCode, 404, url);
    }
    // Outside the root: never the file (a page asking gets the app, anything else the 404).
    assert.doesNotMatch((await app.inject({ url: '/%2e%2e/package.json', headers: HTML })).body, /voxmail/);
    assert.equal((await app.inject({ url: '/%2e%2e/package.json' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/' })).statusCode, 404, 'an API client asking for / gets the JSON 404');
    assert.equal((await app.inject({ url: '/settings/100' })).statusCode, 404);
    await app.close();
  });

  test('without a build, a page says to run npm run build', async () => {
    const app = await appWith(join(dir, 'missing'));
    const r = await app.inject({ url: '/', headers: HTML });
    assert.equal(r.statusCode, 503);
    assert.match(r.body, /npm run build/);
    assert.equal((await app.inject({ url: '/x.js' })).statusCode, 404);
    await app.close();
  });
});
