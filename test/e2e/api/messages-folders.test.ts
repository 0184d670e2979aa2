/**
 * Search filters, folders, trash and restore, purge, distribution lists: scoped like
 * every other route (another tenant's records answer exactly like missing ids).
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
const ids = async (user: string, query: string): Promise<string[]> => {
  const r = await call(h, `/api/v1/messages?${query}`, { session: as(user) });
  assert.equal(r.status, 200, await r.clone().text());
  return (await json<MessagePageJson>(r)).messages.map((m) => m.id);
};
async function assertLikeMissing(user: string, path: string, missingPath: string, method = 'GET', body?: unknown): Promise<void> {
  const a = await call(h, path, { method, session: as(user), ...(body !== undefined ? { body } : {}) });
  const b = await call(h, missingPath, { method, session: as(user), ...(body !== undefined ? { body } : {}) });
  const [ta, tb] = [await a.text(), await b.text()];
  assert.equal(a.status, 404, `${path}: ${ta}`);
  assert.deepEqual([a.status, ta], [b.status, tb], `${user} ${method} ${path} vs ${missingPath}`);
}

describe('search filters', () => {
  test('from (inclusive) and to (exclusive) bound receivedAt', async () => {
    assert.deepEqual(await ids('acme-admin', 'from=2026-01-10T09:01:00.000Z&to=2026-01-10T09:03:00.000Z'), ['a100-2', 'a100-1']);
    assert.deepEqual(await ids('acme-admin', 'from=2026-01-10T09:59:00Z'), ['a101-0']);
    const bad = await call(h, '/api/v1/messages?from=yesterday', { session: as('acme-admin') });
    assert.equal(bad.status, 400);
  });

  test('q: case-insensitive substring of caller number/name, called number; wildcards are plain', async () => {
    const { store } = h.stores;
    // A caller with a Cyrillic name and a LIKE wildcard in it (made through the store: forward copies keep the caller).
    const src = await store.messages.get('acme', 'a100-0');
    assert.ok(src);
    await store.messages.create({ ...src, id: 'q-1', callerName: 'Пётр 100%_off', callerNumber: '+7 (812) 555', transcript: 'Перезвоните насчёт Договора' });
    assert.deepEqual(await ids('acme-admin', `q=${encodeURIComponent('пётр')}`), ['q-1']);
    assert.deepEqual(await ids('acme-admin', `q=${encodeURIComponent('ДОГОВОР')}`), ['q-1']);
    assert.deepEqual(await ids('acme-admin', `q=${encodeURIComponent('100%_')}`), ['q-1']);
    assert.deepEqual(await ids('acme-admin', `q=${encodeURIComponent('%')}`), ['q-1'], '% is a character, not a wildcard');
    assert.deepEqual(await ids('acme-admin', `q=${encodeURIComponent('_')}`), ['q-1']);
    assert.deepEqual(await ids('acme-admin', 'q=ivan&mailbox=101'), ['a101-0']);
    assert.deepEqual(await ids('acme-admin', 'q=4951234&limit=2'), ['a101-0', 'a100-4']);
    assert.deepEqual(await ids('bob', 'q=IVAN'), ['a101-0'], 'an owner searches only their boxes');
    assert.deepEqual(await ids('beta-admin', `q=${encodeURIComponent('пётр')}`), []);
    // The called number (mailbox id in the harness).
    assert.deepEqual(await ids('acme-admin', 'q=101'), ['a101-0']);
    assert.equal((await call(h, `/api/v1/messages?q=${'x'.repeat(101)}`, { session: as('acme-admin') })).status, 400);
    await store.messages.remove('acme', 'q-1');
  });
});

describe('folders, trash and restore', () => {
  test('move to saved, to trash (remembers saved), restore → saved; the lamp-side events follow', async () => {
    const events: string[] = [];
    const off = h.live.subscribe((e) => events.push(`${e.type}:${e.type === 'message.deleted' ? e.id : e.message.folder}`));
    const move = async (folder: string): Promise<MessageJson> => {
      const r = await call(h, '/api/v1/messages/a100-1/move', { method: 'POST', session: as('alice@acme.example'), body: { folder } });
      assert.equal(r.status, 200, await r.clone().text());
      return json<MessageJson>(r);
    };
    assert.equal((await move('saved')).folder, 'saved');
    const trashed = await move('trash');
    assert.deepEqual([trashed.folder, trashed.restoreFolder], ['trash', 'saved']);
    assert.deepEqual(await ids('alice@acme.example', 'folder=trash'), ['a100-1']);
    const r = await call(h, '/api/v1/messages/a100-1/restore', { method: 'POST', session: as('alice@acme.example') });
    assert.equal(r.status, 200);
    const restored = await json<MessageJson>(r);
    assert.deepEqual([restored.folder, restored.restoreFolder], ['saved', null]);
    const again = await call(h, '/api/v1/messages/a100-1/restore', { method: 'POST', session: as('alice@acme.example') });
    assert.equal(again.status, 409);
    assert.equal((await json<ErrorJson>(again)).error.code, 'VM_API_NOT_IN_TRASH');
    // Inbox → trash → restore → inbox.
    await call(h, '/api/v1/messages/a100-2/move', { method: 'POST', session: as('alice@acme.example'), body: { folder: 'trash' } });
    const back = await json<MessageJson>(await call(h, '/api/v1/messages/a100-2/restore', { method: 'POST', session: as('alice@acme.example') }));
    assert.equal(back.folder, 'inbox');
    off();
    assert.deepEqual(events, ['message.updated:saved', 'message.updated:trash', 'message.updated:saved', 'message.updated:trash', 'message.updated:inbox']);
    const bad = await call(h, '/api/v1/messages/a100-1/move', { method: 'POST', session: as('alice@acme.example'), body: { folder: 'spam' } });
    assert.equal(bad.status, 400);
  });

  test('another tenant / owner: move and restore answer like a missing id', async () => {
    await h.stores.store.messages.move('beta', 'b100-0', 'trash');
    await assertLikeMissing('acme-admin', '/api/v1/messages/b100-0/restore', '/api/v1/messages/nope/restore', 'POST');
    await assertLikeMissing('bob', '/api/v1/messages/a100-0/restore', '/api/v1/messages/nope/restore', 'POST');
    await assertLikeMissing('acme-admin', '/api/v1/messages/b100-0/move', '/api/v1/messages/nope/move', 'POST', { folder: 'inbox' });
    await assertLikeMissing('bob', '/api/v1/messages/a100-0/move', '/api/v1/messages/nope/move', 'POST', { folder: 'saved' });
    assert.equal((await h.stores.store.messages.get('beta', 'b100-0'))?.folder, 'trash');
    await h.stores.store.messages.restore('beta', 'b100-0');
  });

  test('purge deletes for good, audio included', async () => {
    await call(h, '/api/v1/messages/a100-3/move', { method: 'POST', session: as('acme-admin'), body: { folder: 'trash' } });
    const key = (await h.stores.store.messages.get('acme', 'a100-3'))?.audioKey;
    assert.ok(key);
    const r = await call(h, '/api/v1/messages/a100-3', { method: 'DELETE', session: as('acme-admin') });
    assert.equal(r.status, 204);
    assert.equal(await h.stores.store.messages.get('acme', 'a100-3'), null);
    assert.equal(await h.stores.audio.stat(key), null);
    assert.equal((await call(h, '/api/v1/messages/a100-3/restore', { method: 'POST', session: as('acme-admin') })).status, 404);
  });
});

describe('distribution lists', () => {
  test('tenant admins create, change and remove; everyone of the tenant reads; owners may not change', async () => {
    const created = await call(h, '/api/v1/lists', { method: 'POST', session: as('acme-admin'), body: { id: 'sales', name: 'Sales', mailboxIds: ['100', '101', '100'] } });
    assert.equal(created.status, 201, await created.clone().text());
    assert.deepEqual(await json(created), { id: 'sales', tenantId: 'acme', name: 'Sales', mailboxIds: ['100', '101'] });
    const dup = await call(h, '/api/v1/lists', { method: 'POST', session: as('acme-admin'), body: { id: 'sales', name: 'Again', mailboxIds: [] } });
    assert.equal(dup.status, 409);
    const seen = await json<{ lists: { id: string }[] }>(await call(h, '/api/v1/lists', { session: as('bob') }));
    assert.deepEqual(seen.lists.map((l) => l.id), ['sales']);
    assert.deepEqual((await json<{ lists: unknown[] }>(await call(h, '/api/v1/lists', { session: as('beta-admin') }))).lists, []);
    const forbidden = await call(h, '/api/v1/lists/sales', { method: 'PATCH', session: as('bob'), body: { name: 'Mine' } });
    assert.equal(forbidden.status, 403);
    assert.equal((await json<ErrorJson>(forbidden)).error.code, 'VM_API_FORBIDDEN');
    assert.equal((await call(h, '/api/v1/lists', { method: 'POST', session: as('bob'), body: { id: 'x', name: 'X', mailboxIds: [] } })).status, 403);
    const patched = await call(h, '/api/v1/lists/sales', { method: 'PATCH', session: as('acme-admin'), body: { name: 'Sales team', mailboxIds: ['101'] } });
    assert.deepEqual(await json(patched), { id: 'sales', tenantId: 'acme', name: 'Sales team', mailboxIds: ['101'] });
    // A mailbox of another tenant does not exist here (beta has no 102; acme has none named like beta's other ids).
    const foreign = await call(h, '/api/v1/lists/sales', { method: 'PATCH', session: as('acme-admin'), body: { mailboxIds: ['999'] } });
    assert.equal(foreign.status, 404);
    // Another tenant's list reads like a missing one, for reading and for changes.
    await assertLikeMissing('beta-admin', '/api/v1/lists/sales', '/api/v1/lists/nope');
    await assertLikeMissing('beta-admin', '/api/v1/lists/sales', '/api/v1/lists/nope', 'DELETE');
    await assertLikeMissing('beta-admin', '/api/v1/lists/sales', '/api/v1/lists/nope', 'PATCH', { name: 'x' });
    assert.equal((await call(h, '/api/v1/lists?tenant=beta', { session: as('acme-admin') })).status, 404);
    assert.equal((await call(h, '/api/v1/lists', { session: as('root') })).status, 400, 'a platform admin names the tenant');
    assert.equal((await call(h, '/api/v1/lists/sales?tenant=acme', { session: as('root') })).status, 200);
    assert.equal((await call(h, '/api/v1/lists/sales', { method: 'DELETE', session: as('acme-admin') })).status, 204);
    assert.equal((await call(h, '/api/v1/lists/sales', { session: as('acme-admin') })).status, 404);
  });
});
