/** The OpenAPI document lists every route the app serves, each with a schema and documented errors. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, json, startHarness, type Harness } from './harness.js';

interface Operation {
  summary?: string;
  responses: Record<string, unknown>;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}
interface OpenApi {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

let h: Harness;
let doc: OpenApi;
before(async () => {
  h = await startHarness();
  const r = await call(h, '/api/docs/openapi.json');
  assert.equal(r.status, 200);
  doc = await json<OpenApi>(r);
});
after(() => h.close());

test('OpenAPI 3.1 at /api/docs/openapi.json, without authentication; /api/docs points there', async () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.version, '9.9.9');
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['bearer', 'session']);
  const r = await fetch(`${h.base}/api/docs`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/api/docs/openapi.json');
});

test('every route the app registered is documented, and nothing else', () => {
  const served = h.routes
    .filter((r) => !r.hidden && r.method !== 'HEAD')
    .map((r) => `${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
    .sort();
  const documented = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    .sort();
  assert.deepEqual(documented, served);
  for (const want of [
    'get /healthz',
    'post /api/v1/auth/login',
    'post /api/v1/auth/logout',
    'get /api/v1/auth/me',
    'get /api/v1/mailboxes',
    'get /api/v1/mailboxes/{id}',
    'get /api/v1/messages',
    'get /api/v1/messages/{id}',
    'delete /api/v1/messages/{id}',
    'get /api/v1/messages/{id}/audio',
    'post /api/v1/messages/{id}/heard',
    'delete /api/v1/messages/{id}/heard',
  ]) {
    assert.ok(documented.includes(want), want);
  }
});

test('each API operation has a summary, a success answer and the error shape', () => {
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method} ${path}`;
      assert.ok(op.summary, `${where}: summary`);
      assert.ok(Object.keys(op.responses).some((c) => c.startsWith('2')), `${where}: a 2xx answer`);
      if (path.startsWith('/api/v1')) assert.ok(op.responses['4XX'] ?? op.responses['4xx'], `${where}: the error answer`);
    }
  }
  const list = doc.paths['/api/v1/messages']?.get;
  assert.deepEqual(list?.parameters?.map((p) => p.name).sort(), ['cursor', 'folder', 'from', 'heard', 'limit', 'mailbox', 'q', 'tenant', 'to']);
  assert.ok(doc.paths['/api/v1/auth/login']?.post?.requestBody);
  const audio = doc.paths['/api/v1/messages/{id}/audio']?.get;
  assert.ok(JSON.stringify(audio?.responses['206']).includes('audio/wav'));
  // Uploads are read part by part by their handlers, but documented as multipart forms.
  for (const [path, file] of [
    ['/api/v1/messages/{id}/forward', 'comment'],
    ['/api/v1/broadcasts', 'audio'],
    ['/api/v1/mailboxes/{id}/greetings/{reason}', 'audio'],
    ['/api/v1/mailboxes/{id}/warning', 'audio'],
  ] as const) {
    const ops = doc.paths[path];
    const op = ops?.post ?? ops?.put;
    const form = JSON.stringify((op?.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['multipart/form-data']);
    assert.ok(form?.includes(`"${file}"`), `${path}: a multipart body with the file "${file}" (${String(form)})`);
  }
});
