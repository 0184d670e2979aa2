/**
 * Tenant and mailbox isolation: tenants `acme` and `beta` both have a mailbox `100`, so
 * only the scope check can tell them apart. Every guessed id outside the caller's scope
 * answers exactly like an id that does not exist (404, same body), never 403 and never data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, type ErrorJson, type Harness, json, type MessageJson, type MessagePageJson, Sessions, startHarness } from './harness.js';


let h: Harness;
const sessions = new Sessions();
before(async () => {
  h = await startHarness();
  await sessions.logIn(h);
});
after(() => h.close());

const as = sessions.as;

/** The answer to a request that must look like "no such thing". */
async function assertHidden(user: string, path: string, method = 'GET'): Promise<void> {
  const r = await call(h, path, { method, session: as(user) });
  const text = await r.text();
  assert.equal(r.status, 404, `${user} ${method} ${path}: ${String(r.status)} ${text}`);
  assert.equal((JSON.parse(text) as ErrorJson).error.code, 'VM_API_NOT_FOUND');
  assert.ok(!text.includes('Ivan') && !text.includes('+7495'), 'no data in the answer');
}

/** Same status and body as for an id that does not exist at all. */
async function assertLikeMissing(user: string, path: string, missingPath: string, method = 'GET'): Promise<void> {
  const a = await call(h, path, { method, session: as(user) });
  const b = await call(h, missingPath, { method, session: as(user) });
  assert.deepEqual([a.status, await a.text()], [b.status, await b.text()], `${user} ${method} ${path} vs ${missingPath}`);
}

describe('an owner', () => {
  test('sees only their mailboxes and messages', async () => {
    const boxes = await json<{ mailboxes: { id: string; tenantId: string }[] }>(await call(h, '/api/v1/mailboxes', { session: as('alice@acme.example') }));
    assert.deepEqual(boxes.mailboxes.map((m) => [m.tenantId, m.id]), [['acme', '100']]);
    const page = await json<MessagePageJson>(await call(h, '/api/v1/messages?limit=200', { session: as('alice@acme.example') }));
    assert.deepEqual(page.messages.map((m) => m.id), ['a100-4', 'a100-3', 'a100-2', 'a100-1', 'a100-0']);
    const bobs = await json<MessagePageJson>(await call(h, '/api/v1/messages', { session: as('bob') }));
    assert.deepEqual(bobs.messages.map((m) => m.id), ['a101-0']);
  });

  test("another owner's mailbox and messages, and another tenant's, are not found", async () => {
    const alice = 'alice@acme.example';
    for (const path of [
      '/api/v1/mailboxes/101',
      '/api/v1/messages/a101-0',
      '/api/v1/messages/a101-0/audio',
      '/api/v1/messages/b100-0',
      '/api/v1/messages/b100-0?tenant=beta',
      '/api/v1/messages/b100-0/audio?tenant=beta',
      '/api/v1/messages?mailbox=101',
      '/api/v1/messages?tenant=beta',
      '/api/v1/mailboxes?tenant=beta',
      '/api/v1/mailboxes/100?tenant=beta',
    ]) {
      await assertHidden(alice, path);
    }
    await assertLikeMissing(alice, '/api/v1/messages/a101-0', '/api/v1/messages/no-such-id');
    await assertLikeMissing(alice, '/api/v1/messages/b100-0/audio', '/api/v1/messages/no-such-id/audio');
    await assertLikeMissing(alice, '/api/v1/mailboxes/101', '/api/v1/mailboxes/999');
    for (const [method, path] of [
      ['POST', '/api/v1/messages/a101-0/heard'],
      ['DELETE', '/api/v1/messages/a101-0/heard'],
      ['DELETE', '/api/v1/messages/a101-0'],
      ['DELETE', '/api/v1/messages/b100-0?tenant=beta'],
    ] as const) {
      await assertHidden(alice, path, method);
    }
    assert.ok(await h.stores.store.messages.get('acme', 'a101-0'), 'nothing was deleted');
    assert.equal((await h.stores.store.messages.get('acme', 'a101-0'))?.heard, false, 'nor marked');
    assert.ok(await h.stores.store.messages.get('beta', 'b100-0'));
  });
});

describe('a tenant admin', () => {
  test('sees every mailbox of the tenant, nothing of the other', async () => {
    const acme = await json<{ mailboxes: { id: string; name: string }[] }>(await call(h, '/api/v1/mailboxes', { session: as('acme-admin') }));
    assert.deepEqual(acme.mailboxes.map((m) => m.id), ['100', '101']);
    const beta100 = await json<{ tenantId: string; name: string }>(await call(h, '/api/v1/mailboxes/100', { session: as('beta-admin') }));
    assert.deepEqual([beta100.tenantId, beta100.name], ['beta', 'Beta reception'], 'mailbox 100 of their own tenant');
    const acme100 = await json<{ tenantId: string; name: string }>(await call(h, '/api/v1/mailboxes/100', { session: as('acme-admin') }));
    assert.deepEqual([acme100.tenantId, acme100.name], ['acme', 'Alice']);
    const betaMessages = await json<MessagePageJson>(await call(h, '/api/v1/messages', { session: as('beta-admin') }));
    assert.deepEqual(betaMessages.messages.map((m) => m.id), ['b100-0']);
    for (const id of ['a100-0', 'a101-0']) {
      await assertHidden('beta-admin', `/api/v1/messages/${id}`);
      await assertHidden('beta-admin', `/api/v1/messages/${id}?tenant=acme`);
      await assertHidden('beta-admin', `/api/v1/messages/${id}/audio`);
    }
    await assertHidden('acme-admin', '/api/v1/messages/b100-0');
    await assertHidden('acme-admin', '/api/v1/messages?tenant=beta&mailbox=100');
  });
});

describe('a platform admin', () => {
  test('lists across tenants, and names the tenant for single records', async () => {
    const all = await json<MessagePageJson>(await call(h, '/api/v1/messages?limit=200', { session: as('root') }));
    assert.equal(all.messages.length, 7);
    const boxes = await json<{ mailboxes: { tenantId: string; id: string }[] }>(await call(h, '/api/v1/mailboxes', { session: as('root') }));
    assert.deepEqual(boxes.mailboxes.map((m) => `${m.tenantId}/${m.id}`), ['acme/100', 'acme/101', 'beta/100']);
    const noTenant = await call(h, '/api/v1/messages/b100-0', { session: as('root') });
    assert.equal(noTenant.status, 400);
    assert.equal((await json<ErrorJson>(noTenant)).error.code, 'VM_API_TENANT_REQUIRED');
    const m = await json<MessageJson>(await call(h, '/api/v1/messages/b100-0?tenant=beta', { session: as('root') }));
    assert.equal(m.audioUrl, '/api/v1/messages/b100-0/audio?tenant=beta');
    assert.equal((await call(h, m.audioUrl, { session: as('root') })).status, 200, 'audioUrl works as given');
    await assertHidden('root', '/api/v1/messages/b100-0?tenant=acme');
  });
});

describe('message list', () => {
  test('cursor pages, newest first, until nextCursor is null; filters', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: MessagePageJson = await json<MessagePageJson>(await call(h, `/api/v1/messages?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { session: as('alice@acme.example') }));
      ids.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    assert.deepEqual(ids, ['a100-4', 'a100-3', 'a100-2', 'a100-1', 'a100-0']);
    assert.equal(pages, 3);

    await call(h, '/api/v1/messages/a100-2/heard', { method: 'POST', session: as('alice@acme.example') });
    const heard = await json<MessagePageJson>(await call(h, '/api/v1/messages?heard=true', { session: as('alice@acme.example') }));
    assert.deepEqual(heard.messages.map((m) => m.id), ['a100-2']);
    const fresh = await json<MessagePageJson>(await call(h, '/api/v1/messages?heard=false&folder=inbox&mailbox=100', { session: as('alice@acme.example') }));
    assert.deepEqual(fresh.messages.map((m) => m.id), ['a100-4', 'a100-3', 'a100-1', 'a100-0']);
    const unheard = await call(h, '/api/v1/messages/a100-2/heard', { method: 'DELETE', session: as('alice@acme.example') });
    assert.equal((await json<MessageJson>(unheard)).heard, false);
  });

  test('bad cursors and bad filters are 400 with a stable code', async () => {
    const bad = await call(h, '/api/v1/messages?cursor=bm90LWEtY3Vyc29y', { session: as('alice@acme.example') });
    assert.equal(bad.status, 400);
    assert.equal((await json<ErrorJson>(bad)).error.code, 'VM_API_INVALID_CURSOR');
    for (const q of ['limit=0', 'limit=201', 'folder=spam', 'heard=maybe', 'mailbox=../x']) {
      const r = await call(h, `/api/v1/messages?${q}`, { session: as('alice@acme.example') });
      assert.equal(r.status, 400, q);
      assert.equal((await json<ErrorJson>(r)).error.code, 'VM_API_INVALID_REQUEST', q);
    }
  });
});
