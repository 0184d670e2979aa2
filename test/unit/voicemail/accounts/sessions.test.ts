import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from '../../../../src/voicemail/accounts/index.js';
import { sha256Hex } from '../../../../src/voicemail/accounts/secrets.js';
import { accountsFixture } from './fixture.js';

const MINUTE = 60_000;

describe('sessions (injected clock)', () => {
  test('idle timeout: 30 minutes without a request end the session', async () => {
    const { accounts, clock, user, stores } = await accountsFixture();
    const u = await user('idle');
    const { sessionId, session } = await accounts.sessions.create(u, '192.0.2.1', 'test-agent');
    assert.equal(session.idHash, sha256Hex(sessionId), 'only the hash is stored');
    assert.equal(await stores.store.sessions.get(sessionId), null, 'the id itself is not a key');
    clock.advance(SESSION_IDLE_MS - MINUTE);
    assert.ok(await accounts.sessions.resolve(sessionId), 'used after 29 minutes: still live (and touched)');
    clock.advance(SESSION_IDLE_MS - MINUTE);
    assert.ok(await accounts.sessions.resolve(sessionId), 'the idle timer restarted at the last request');
    clock.advance(SESSION_IDLE_MS);
    assert.equal(await accounts.sessions.resolve(sessionId), null, '30 minutes idle: ended');
  });

  test('absolute timeout: 12 hours after login, however busy', async () => {
    const { accounts, clock, user } = await accountsFixture();
    const { sessionId, session } = await accounts.sessions.create(await user('busy'), null, null);
    assert.equal(Date.parse(session.expiresAt) - clock.current.getTime(), SESSION_ABSOLUTE_MS);
    for (let t = 0; t < SESSION_ABSOLUTE_MS - 20 * MINUTE; t += 20 * MINUTE) {
      clock.advance(20 * MINUTE);
      assert.ok(await accounts.sessions.resolve(sessionId), `live at +${String(t / MINUTE + 20)} min`);
    }
    clock.advance(20 * MINUTE);
    assert.equal(await accounts.sessions.resolve(sessionId), null);
    assert.equal(await accounts.sessions.purgeEnded(), 1, 'an ended session is deleted by the next purge');
    assert.equal(await accounts.sessions.purgeEnded(), 0);
  });

  test('lastSeenAt is written at most once a minute', async () => {
    const { accounts, clock, user, stores } = await accountsFixture();
    const { sessionId, session } = await accounts.sessions.create(await user('touch'), null, null);
    clock.advance(30_000);
    await accounts.sessions.resolve(sessionId);
    assert.equal((await stores.store.sessions.get(session.idHash))?.lastSeenAt, session.createdAt);
    clock.advance(30_000);
    const r = await accounts.sessions.resolve(sessionId);
    assert.equal((await stores.store.sessions.get(session.idHash))?.lastSeenAt, clock.current.toISOString());
    assert.equal(r?.session.lastSeenAt, clock.current.toISOString());
    assert.equal(accounts.sessions.endsAt(r.session).getTime(), clock.current.getTime() + SESSION_IDLE_MS);
  });

  test('revoked, removed or disabled: the session stops at once', async () => {
    const { accounts, user, stores, clock } = await accountsFixture();
    const u = await user('revoked');
    const a = await accounts.sessions.create(u, null, null);
    const b = await accounts.sessions.create(u, null, null);
    await accounts.sessions.revoke(a.session.idHash);
    assert.equal(await accounts.sessions.resolve(a.sessionId), null);
    assert.ok(await accounts.sessions.resolve(b.sessionId));
    await stores.store.users.update(u.id, { disabledAt: clock.current.toISOString() });
    assert.equal(await accounts.sessions.resolve(b.sessionId), null, 'disabled user');
    await stores.store.users.update(u.id, { disabledAt: null });
    assert.ok(await accounts.sessions.resolve(b.sessionId));
    await accounts.users.remove(u, { kind: 'cli' });
    assert.equal(await accounts.sessions.resolve(b.sessionId), null, 'removed user');
    assert.equal(await stores.store.sessions.get(b.session.idHash), null, 'sessions cascade with the user');
    for (const junk of ['', 'x', 'a'.repeat(43) + '!', b.session.idHash]) assert.equal(await accounts.sessions.resolve(junk), null);
  });
});

describe('API tokens (injected clock)', () => {
  test('resolve by the token; expiry, revocation and last use', async () => {
    const { accounts, clock, user, stores } = await accountsFixture();
    const u = await user('integrator', 'tenant-admin');
    const { token, record } = await accounts.tokens.create(u, 'crm', 30);
    assert.equal(record.tokenHash, sha256Hex(token));
    assert.equal(record.expiresAt, new Date(clock.current.getTime() + 30 * 86_400_000).toISOString());
    assert.equal(record.lastUsedAt, null);
    const resolved = await accounts.tokens.resolve(token);
    assert.equal(resolved?.user.id, u.id);
    assert.equal((await stores.store.apiTokens.get(record.id))?.lastUsedAt, clock.current.toISOString());
    clock.advance(30 * 86_400_000);
    assert.equal(await accounts.tokens.resolve(token), null, 'expired');

    const forever = await accounts.tokens.create(u, 'forever', null);
    clock.advance(3650 * 86_400_000);
    assert.ok(await accounts.tokens.resolve(forever.token));
    const revoked = await accounts.tokens.revoke(forever.record.id);
    assert.equal(revoked.revokedAt, clock.current.toISOString());
    assert.equal(await accounts.tokens.resolve(forever.token), null, 'revoked');
    assert.equal(await accounts.tokens.resolve(`${forever.token.slice(0, -1)}A`), null);
    await assert.rejects(accounts.tokens.create(u, 'bad', 0), RangeError);
  });
});
