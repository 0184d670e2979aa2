/** Users, sessions, API tokens, failed-login counters, audit (0003_accounts) and the message cursor. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword } from '../../../src/voicemail/accounts/index.js';
import { StoreError, type VoicemailStore } from '../../../src/voicemail/ports.js';
import { deposit, depositFor, openTestStore, tempDir } from './store-fixture.js';

const dir = await tempDir('store-accounts');
const HASH = await hashPassword('0123456789');
const SHA = (c: string): string => c.repeat(64);

async function setup(): Promise<VoicemailStore> {
  const { store } = await openTestStore(dir);
  for (const t of ['acme', 'beta']) await store.tenants.create({ id: t });
  await store.mailboxes.create({ tenantId: 'acme', id: '100' });
  await store.mailboxes.create({ tenantId: 'acme', id: '101' });
  return store;
}

const code = (c: string) => (e: unknown) => e instanceof StoreError && e.code === c;

describe('SQLite users', () => {
  test('create, get, findByLogin (case-insensitive), list, update, remove', async () => {
    const store = await setup();
    const alice = await store.users.create({ login: 'Alice@Acme.example', role: 'owner', tenantId: 'acme', mailboxIds: ['101', '100'], passwordHash: HASH });
    assert.deepEqual({ ...alice, id: '' }, {
      id: '', login: 'alice@acme.example', name: 'alice@acme.example', role: 'owner', tenantId: 'acme', mailboxIds: ['101', '100'], language: 'en',
      passwordHash: HASH, createdAt: '2026-03-01T12:00:00.000Z', updatedAt: '2026-03-01T12:00:00.000Z', disabledAt: null,
    });
    const root = await store.users.create({ login: 'root', role: 'platform-admin', tenantId: null, name: 'Root', language: 'ru', passwordHash: HASH });
    assert.deepEqual(await store.users.get(alice.id), alice);
    assert.deepEqual(await store.users.findByLogin('ALICE@acme.EXAMPLE'), alice);
    assert.equal(await store.users.findByLogin('nobody'), null);
    assert.equal(await store.users.findByLogin('bad login with spaces'), null);
    assert.deepEqual((await store.users.list()).map((u) => u.login), ['alice@acme.example', 'root']);
    assert.deepEqual((await store.users.list({ tenantId: 'acme' })).map((u) => [u.login, u.mailboxIds]), [['alice@acme.example', ['101', '100']]]);
    const renamed = await store.users.update(alice.id, { name: 'Alice', mailboxIds: ['100'], language: 'ru' });
    assert.deepEqual([renamed.name, renamed.mailboxIds, renamed.language, renamed.passwordHash], ['Alice', ['100'], 'ru', HASH]);
    await assert.rejects(store.users.update(root.id, { mailboxIds: ['100'] }), code('VM_STORE_INVALID'));
    await store.users.remove(root.id);
    assert.equal(await store.users.get(root.id), null);
    await assert.rejects(store.users.remove(root.id), code('VM_STORE_NOT_FOUND'));
  });

  test('role, tenant and mailboxes must fit together; logins are unique; nothing secret in errors', async () => {
    const store = await setup();
    const base = { passwordHash: HASH, mailboxIds: [] as string[] };
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'platform-admin', tenantId: 'acme' }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'tenant-admin', tenantId: null }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'owner', tenantId: 'acme' }), /an owner needs at least one mailbox/);
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'tenant-admin', tenantId: 'acme', mailboxIds: ['100'] }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'owner', tenantId: 'acme', mailboxIds: ['100', '100'] }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'owner', tenantId: 'acme', mailboxIds: ['100', '999'] }), (e) => code('VM_STORE_UNKNOWN_MAILBOX')(e) && /999/.test((e as Error).message));
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'owner', tenantId: 'beta', mailboxIds: ['100'] }), code('VM_STORE_UNKNOWN_MAILBOX'), 'another tenant\'s mailbox');
    await assert.rejects(store.users.create({ ...base, login: 'x', role: 'tenant-admin', tenantId: 'ghost' }), code('VM_STORE_UNKNOWN_TENANT'));
    await assert.rejects(store.users.create({ ...base, login: ' spaced', role: 'tenant-admin', tenantId: 'acme' }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ ...base, login: '-x', role: 'tenant-admin', tenantId: 'acme' }), code('VM_STORE_INVALID'));
    await assert.rejects(store.users.create({ login: 'plain', role: 'tenant-admin', tenantId: 'acme', passwordHash: 'hunter2-plaintext' }), (e) => {
      assert.ok(code('VM_STORE_INVALID')(e));
      assert.ok(!(e as Error).message.includes('hunter2'), 'the refused value is not echoed');
      return true;
    });
    await store.users.create({ ...base, login: 'Admin', role: 'tenant-admin', tenantId: 'acme' });
    await assert.rejects(store.users.create({ ...base, login: 'ADMIN', role: 'tenant-admin', tenantId: 'beta' }), code('VM_STORE_DUPLICATE_USER'));
    assert.equal((await store.users.list()).length, 1, 'nothing else was written');
  });

  test('removing a mailbox takes it from its owners', async () => {
    const store = await setup();
    const u = await store.users.create({ login: 'owner', role: 'owner', tenantId: 'acme', mailboxIds: ['100', '101'], passwordHash: HASH });
    await store.mailboxes.remove('acme', '100');
    assert.deepEqual((await store.users.get(u.id))?.mailboxIds, ['101']);
  });
});

describe('SQLite sessions and API tokens', () => {
  test('sessions: create, touch, revoke, revokeAllOf, purge; they cascade with the user', async () => {
    const store = await setup();
    const u = await store.users.create({ login: 'a', role: 'tenant-admin', tenantId: 'acme', passwordHash: HASH });
    const mk = (c: string, expiresAt: string) =>
      store.sessions.create({ idHash: SHA(c), userId: u.id, createdAt: '2026-03-01T12:00:00.000Z', expiresAt, ip: '192.0.2.1', userAgent: 'x'.repeat(600) });
    const s = await mk('a', '2026-03-02T00:00:00.000Z');
    assert.equal(s.userAgent?.length, 512, 'long user agents are cut, not refused');
    assert.equal(s.lastSeenAt, s.createdAt);
    await store.sessions.touch(SHA('a'), '2026-03-01T12:05:00.000Z');
    assert.equal((await store.sessions.get(SHA('a')))?.lastSeenAt, '2026-03-01T12:05:00.000Z');
    await mk('b', '2026-03-02T00:00:00.000Z');
    await mk('c', '2026-03-01T13:00:00.000Z');
    await store.sessions.revoke(SHA('a'), '2026-03-01T12:10:00.000Z');
    await store.sessions.revoke(SHA('a'), '2026-03-01T12:20:00.000Z');
    assert.equal((await store.sessions.get(SHA('a')))?.revokedAt, '2026-03-01T12:10:00.000Z', 'the first revocation counts');
    assert.equal(await store.sessions.revokeAllOf(u.id, '2026-03-01T12:30:00.000Z'), 2);
    assert.equal(await store.sessions.purge('2026-03-01T12:15:00.000Z'), 1, 'revoked before then');
    assert.equal(await store.sessions.purge('2026-03-01T14:00:00.000Z'), 2, 'revoked or expired before then');
    await mk('d', '2026-03-02T00:00:00.000Z');
    await assert.rejects(store.sessions.create({ idHash: 'not-a-hash', userId: u.id, createdAt: '2026-03-01T12:00:00.000Z', expiresAt: '2026-03-02T00:00:00.000Z', ip: null, userAgent: null }), code('VM_STORE_INVALID'));
    await assert.rejects(store.sessions.create({ idHash: SHA('e'), userId: 'ghost', createdAt: '2026-03-01T12:00:00.000Z', expiresAt: '2026-03-02T00:00:00.000Z', ip: null, userAgent: null }), code('VM_STORE_NOT_FOUND'));
    await store.users.remove(u.id);
    assert.equal(await store.sessions.get(SHA('d')), null);
  });

  test('tokens: create, find by hash, list newest first, touch, revoke (idempotent)', async () => {
    const { store, time } = await openTestStore(dir);
    await store.tenants.create({ id: 'acme' });
    const u = await store.users.create({ login: 'a', role: 'tenant-admin', tenantId: 'acme', passwordHash: HASH });
    const t1 = await store.apiTokens.create({ userId: u.id, name: 'crm', tokenHash: SHA('1'), prefix: 'vxm_abcdefgh', expiresAt: null });
    time.advanceDays(1);
    const t2 = await store.apiTokens.create({ userId: u.id, name: 'backup', tokenHash: SHA('2'), prefix: 'vxm_ijklmnop', expiresAt: '2027-01-01T00:00:00.000Z' });
    assert.deepEqual(await store.apiTokens.findByHash(SHA('1')), t1);
    assert.deepEqual((await store.apiTokens.list({ userId: u.id })).map((t) => t.name), ['backup', 'crm']);
    await store.apiTokens.touch(t1.id, '2026-03-05T00:00:00.000Z');
    assert.equal((await store.apiTokens.get(t1.id))?.lastUsedAt, '2026-03-05T00:00:00.000Z');
    const r = await store.apiTokens.revoke(t2.id, '2026-03-06T00:00:00.000Z');
    assert.equal(r.revokedAt, '2026-03-06T00:00:00.000Z');
    assert.equal((await store.apiTokens.revoke(t2.id, '2026-03-07T00:00:00.000Z')).revokedAt, '2026-03-06T00:00:00.000Z');
    await assert.rejects(store.apiTokens.revoke('ghost', '2026-03-07T00:00:00.000Z'), code('VM_STORE_NOT_FOUND'));
    await assert.rejects(store.apiTokens.create({ userId: u.id, name: 'dup', tokenHash: SHA('1'), prefix: 'vxm_abcdefgh', expiresAt: null }));
    await assert.rejects(store.apiTokens.create({ userId: u.id, name: 'x', tokenHash: SHA('3'), prefix: 'abc', expiresAt: null }), code('VM_STORE_INVALID'));
  });
});

describe('SQLite login throttle and audit', () => {
  test('a window of failures, a lock at the limit that stays until it ends, clear', async () => {
    const { store } = await openTestStore(dir);
    const policy = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 };
    const at = (s: number): Date => new Date(Date.UTC(2026, 2, 1, 12, 0, s));
    assert.equal(await store.loginThrottle.get('account', 'k'), null);
    assert.equal((await store.loginThrottle.recordFailure('account', 'k', at(0), policy)).failures, 1);
    assert.equal((await store.loginThrottle.recordFailure('account', 'k', at(10), policy)).lockedUntil, null);
    const locked = await store.loginThrottle.recordFailure('account', 'k', at(20), policy);
    assert.deepEqual([locked.failures, locked.lockedUntil, locked.windowStartedAt], [3, at(320).toISOString(), at(0).toISOString()]);
    const later = await store.loginThrottle.recordFailure('account', 'k', at(100), policy);
    assert.deepEqual([later.failures, later.lockedUntil], [1, at(320).toISOString()], 'a new window; the lock in force is kept');
    assert.equal((await store.loginThrottle.get('ip', 'k')), null, 'scopes are separate');
    await store.loginThrottle.clear('account', 'k');
    assert.equal(await store.loginThrottle.get('account', 'k'), null);
    await assert.rejects(store.loginThrottle.recordFailure('account', 'k', at(0), { ...policy, maxFailures: 0 }), code('VM_STORE_INVALID'));
  });

  test('audit: append, newest first, filters; detail must be a JSON object', async () => {
    const { store, time } = await openTestStore(dir);
    const row = { actorUserId: null, actorLogin: 'cli', tenantId: 'acme', target: 'm1', ip: null, detail: null };
    await store.audit.append({ ...row, action: 'message.download' });
    time.advanceDays(1);
    await store.audit.append({ ...row, action: 'message.delete', detail: '{"mailbox":"100"}' });
    await store.audit.append({ ...row, action: 'login', tenantId: 'beta', target: null, at: '2026-01-01T00:00:00.000Z' });
    const all = await store.audit.list({});
    assert.deepEqual(all.map((e) => e.action), ['login', 'message.delete', 'message.download'], 'id (insertion) order, newest first');
    assert.equal(all[0]?.at, '2026-01-01T00:00:00.000Z');
    assert.equal(all[1]?.at, '2026-03-02T12:00:00.000Z');
    assert.deepEqual((await store.audit.list({ tenantId: 'acme', action: 'message.delete' })).map((e) => e.detail), ['{"mailbox":"100"}']);
    assert.equal((await store.audit.list({ target: 'm1', limit: 1 })).length, 1);
    await assert.rejects(store.audit.append({ ...row, action: 'login', detail: '[1]' }), code('VM_STORE_INVALID'));
    await assert.rejects(store.audit.append({ ...row, action: 'nonsense' as 'login' }), code('VM_STORE_INVALID'));
  });
});

describe('SQLite message cursor pages', () => {
  test('olderThan continues newest-first order, ties broken by id; mailboxIds limits to those boxes', async () => {
    const store = await setup();
    const same = '2026-03-01T11:00:00.000Z';
    for (const [id, box, at] of [
      ['m1', '100', '2026-03-01T10:00:00.000Z'],
      ['m2', '101', same],
      ['m3', '100', same],
      ['m4', '100', same],
      ['m5', '101', '2026-03-01T11:30:00.000Z'],
    ] as const) await deposit(store, depositFor('acme', box, id, at));
    const page = async (after?: { receivedAt: string; id: string }, ids?: string[]) =>
      (await store.messages.list({ tenantId: 'acme', limit: 2, ...(after ? { olderThan: after } : {}), ...(ids ? { mailboxIds: ids } : {}) })).map((m) => m.id);
    assert.deepEqual(await page(), ['m5', 'm4']);
    assert.deepEqual(await page({ receivedAt: same, id: 'm4' }), ['m3', 'm2']);
    assert.deepEqual(await page({ receivedAt: same, id: 'm2' }), ['m1']);
    assert.deepEqual(await page(undefined, ['100']), ['m4', 'm3']);
    assert.deepEqual(await page({ receivedAt: same, id: 'm3' }, ['100']), ['m1']);
    assert.deepEqual(await page(undefined, []), [], 'an empty list matches nothing');
    await assert.rejects(store.messages.list({ olderThan: { receivedAt: 'yesterday', id: 'm1' } }), code('VM_STORE_INVALID'));
    await assert.rejects(store.messages.list({ olderThan: { receivedAt: same, id: '../x' } }), code('VM_STORE_INVALID'));
  });
});
