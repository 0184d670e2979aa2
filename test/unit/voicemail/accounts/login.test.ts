import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ACCOUNT_LOCKOUT, ADDRESS_LOCKOUT, openSqliteStoreForTest } from './login-fixture.js';
import { accountsFixture, PASSWORD } from './fixture.js';

const MINUTE = 60_000;

describe('login with lock-out', () => {
  test('success: a session, the account counter cleared, an audit row', async () => {
    const { accounts, user, stores } = await accountsFixture();
    const u = await user('Ann@Example.com');
    assert.equal(u.login, 'ann@example.com', 'logins are stored lower-case');
    const r = await accounts.login.login({ login: ' ANN@example.com ', password: PASSWORD, ip: '192.0.2.1', userAgent: 'ua' });
    assert.ok(r.ok);
    assert.equal(r.user.id, u.id);
    assert.ok(await accounts.sessions.resolve(r.sessionId));
    const [entry] = await stores.store.audit.list({ action: 'login' });
    assert.deepEqual([entry?.actorUserId, entry?.tenantId, entry?.ip], [u.id, 't1', '192.0.2.1']);
  });

  test('5 failures within 15 minutes lock the login for 15 minutes, even for the right password', async () => {
    const { accounts, user, clock, stores } = await accountsFixture();
    await user('victim');
    for (let i = 1; i <= 4; i++) {
      const r = await accounts.login.login({ login: 'victim', password: `wrong password ${String(i)}`, ip: `192.0.2.${String(i)}`, userAgent: null });
      assert.deepEqual(r, { ok: false, reason: 'invalid' }, `failure ${String(i)}`);
      clock.advance(MINUTE);
    }
    const fifth = await accounts.login.login({ login: 'victim', password: 'wrong again!!', ip: '192.0.2.9', userAgent: null });
    assert.deepEqual(fifth, { ok: false, reason: 'locked', retryAfterSeconds: 15 * 60 });
    clock.advance(10 * MINUTE);
    const locked = await accounts.login.login({ login: 'victim', password: PASSWORD, ip: '198.51.100.1', userAgent: null });
    assert.deepEqual(locked, { ok: false, reason: 'locked', retryAfterSeconds: 5 * 60 });
    clock.advance(5 * MINUTE);
    assert.ok((await accounts.login.login({ login: 'victim', password: PASSWORD, ip: '198.51.100.1', userAgent: null })).ok, 'lock over');
    assert.equal(await stores.store.loginThrottle.get('account', 'victim'), null, 'success clears the counter');
    assert.equal((await stores.store.audit.list({ action: 'login.failed' })).length, 5);
    assert.equal((await stores.store.audit.list({ action: 'login.locked' })).length, 1);
  });

  test('failures spread over more than the window do not lock', async () => {
    const { accounts, user, clock } = await accountsFixture();
    await user('slow');
    for (let i = 0; i < 12; i++) {
      const r = await accounts.login.login({ login: 'slow', password: 'wrong password', ip: null, userAgent: null });
      assert.equal(r.ok || r.reason, 'invalid', `attempt ${String(i)}`);
      clock.advance(4 * MINUTE);
    }
  });

  test('unknown logins count and answer like wrong passwords', async () => {
    const { accounts, stores } = await accountsFixture();
    const r = await accounts.login.login({ login: 'Nobody', password: 'whatever123', ip: '203.0.113.5', userAgent: null });
    assert.deepEqual(r, { ok: false, reason: 'invalid' });
    assert.equal((await stores.store.loginThrottle.get('account', 'nobody'))?.failures, 1);
    const [failed] = await stores.store.audit.list({ action: 'login.failed' });
    assert.deepEqual([failed?.actorUserId, failed?.actorLogin, failed?.detail], [null, 'nobody', '{"reason":"unknown login"}']);
  });

  test('20 failures from one address lock the address for every login; success does not reset it', async () => {
    const { accounts, user } = await accountsFixture();
    await user('guessed');
    await user('mine');
    const ip = '203.0.113.66';
    for (let i = 0; i < ADDRESS_LOCKOUT.maxFailures - 1; i++) {
      const r = await accounts.login.login({ login: `user${String(i)}`, password: 'password guess', ip, userAgent: null });
      assert.equal(r.ok || r.reason, 'invalid');
      if (i === 10) assert.ok((await accounts.login.login({ login: 'mine', password: PASSWORD, ip, userAgent: null })).ok);
    }
    const last = await accounts.login.login({ login: 'user-last', password: 'password guess', ip, userAgent: null });
    assert.equal(!last.ok && last.reason, 'locked');
    const blocked = await accounts.login.login({ login: 'guessed', password: PASSWORD, ip, userAgent: null });
    assert.equal(!blocked.ok && blocked.reason, 'locked');
    assert.ok((await accounts.login.login({ login: 'guessed', password: PASSWORD, ip: '198.51.100.7', userAgent: null })).ok, 'another address is not locked');
    assert.equal(ACCOUNT_LOCKOUT.maxFailures, 5);
  });

  test('a disabled user cannot log in, with the same answer', async () => {
    const { accounts, user, stores, clock } = await accountsFixture();
    const u = await user('gone');
    await stores.store.users.update(u.id, { disabledAt: clock.current.toISOString() });
    assert.deepEqual(await accounts.login.login({ login: 'gone', password: PASSWORD, ip: null, userAgent: null }), { ok: false, reason: 'invalid' });
  });

  test('counters survive reopening the store (a restart)', async () => {
    const { stores, clock } = await accountsFixture();
    const policy = { maxFailures: 3, windowMs: 15 * MINUTE, lockMs: 15 * MINUTE };
    for (let i = 0; i < 3; i++) await stores.store.loginThrottle.recordFailure('account', 'restart', clock.now(), policy);
    await stores.store.close(); // the last connection to the file: the next open is a fresh one
    const reopened = await openSqliteStoreForTest(stores.dir);
    try {
      const t = await reopened.loginThrottle.get('account', 'restart');
      assert.equal(t?.failures, 3);
      assert.equal(t?.lockedUntil, new Date(clock.current.getTime() + 15 * MINUTE).toISOString());
    } finally {
      await reopened.close();
    }
  });
});
