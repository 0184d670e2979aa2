/**
 * Login, logout, me, cookie flags, CSRF, bearer tokens, session expiry and lock-out, over
 * real HTTP against the app listening on 127.0.0.1:0, with the audit rows each writes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, json, login, PASSWORD, startHarness, type ErrorJson, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const code = async (r: Response): Promise<string> => (await json<ErrorJson>(r)).error.code;

describe('login, me, logout', () => {
  test('login sets an HttpOnly SameSite=Lax session cookie and a readable CSRF cookie', async () => {
    const s = await login(h, 'Alice@ACME.example');
    const session = s.setCookies.find((c) => c.startsWith('vxm_session='));
    const csrf = s.setCookies.find((c) => c.startsWith('vxm_csrf='));
    assert.ok(session && csrf, s.setCookies.join('\n'));
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Lax/);
    assert.match(session, /; Path=\//);
    assert.match(session, /; Max-Age=43200/);
    assert.doesNotMatch(session, /Secure/, 'plain http: not Secure (auto)');
    assert.doesNotMatch(csrf, /HttpOnly/, 'the web app reads it');
    assert.equal(csrf.split(';')[0], `vxm_csrf=${s.csrf}`);
    assert.match(session.split(';')[0] ?? '', /^vxm_session=[A-Za-z0-9_-]{43}$/);
  });

  test('me: the user (no secrets), the CSRF token, when the session ends', async () => {
    const s = await login(h, 'alice@acme.example');
    const r = await call(h, '/api/v1/auth/me', { session: s });
    assert.equal(r.status, 200);
    const me = await json<{ user: Record<string, unknown>; via: string; csrfToken: string; sessionEndsAt: string }>(r);
    assert.deepEqual({ ...me.user, id: '' }, { id: '', login: 'alice@acme.example', name: 'alice@acme.example', role: 'owner', tenantId: 'acme', mailboxIds: ['100'], language: 'en' });
    assert.equal(me.via, 'session');
    assert.equal(me.csrfToken, s.csrf);
    assert.ok(Date.parse(me.sessionEndsAt) > Date.now() + 29 * 60_000);
    assert.ok(!JSON.stringify(me).includes('argon2'), 'no password hash');
  });

  test('wrong password and unknown login: the same 401', async () => {
    const wrong = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: 'bob', password: 'not the password' } });
    const unknown = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: 'nobody-here', password: 'not the password' } });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    const [a, b] = [await json<ErrorJson>(wrong), await json<ErrorJson>(unknown)];
    assert.deepEqual(a, b);
    assert.deepEqual(a, { error: { code: 'VM_API_LOGIN_FAILED', message: 'wrong login or password' } });
    assert.equal(wrong.headers.get('set-cookie'), null);
  });

  test('logout ends the session at once and clears the cookies', async () => {
    const s = await login(h, 'bob');
    const out = await call(h, '/api/v1/auth/logout', { method: 'POST', session: s });
    assert.equal(out.status, 204);
    const cleared = out.headers.getSetCookie();
    assert.ok(cleared.some((c) => /^vxm_session=;/.test(c) && /Expires=Thu, 01 Jan 1970/.test(c)), cleared.join('\n'));
    const me = await call(h, '/api/v1/auth/me', { session: s });
    assert.equal(me.status, 401);
    assert.equal(await code(me), 'VM_API_UNAUTHENTICATED');
    const [entry] = await h.stores.store.audit.list({ action: 'logout' });
    assert.equal(entry?.actorLogin, 'bob');
  });

  test('a session ends after 30 idle minutes (the accounts clock)', async () => {
    const s = await login(h, 'bob');
    h.clock.now = new Date(h.clock.now.getTime() + 31 * 60_000);
    try {
      const r = await call(h, '/api/v1/auth/me', { session: s });
      assert.equal(r.status, 401);
      assert.match((await json<ErrorJson>(r)).error.message, /ended/);
    } finally {
      h.clock.now = new Date();
    }
  });
});

describe('CSRF', () => {
  test('cookie-authenticated changes need X-CSRF-Token; reads do not', async () => {
    const s = await login(h, 'alice@acme.example');
    const url = '/api/v1/messages/a100-1/heard';
    const none = await call(h, url, { method: 'POST', session: s, withCsrf: false });
    assert.equal(none.status, 403);
    assert.equal(await code(none), 'VM_API_CSRF');
    const wrong = await call(h, url, { method: 'POST', session: s, withCsrf: false, headers: { 'x-csrf-token': `${s.csrf.slice(0, -1)}x` } });
    assert.equal(wrong.status, 403);
    const other = await login(h, 'alice@acme.example');
    const crossed = await call(h, url, { method: 'POST', session: s, withCsrf: false, headers: { 'x-csrf-token': other.csrf } });
    assert.equal(crossed.status, 403, "another session's token does not fit");
    assert.equal((await h.stores.store.messages.get('acme', 'a100-1'))?.heard, false, 'nothing changed');
    const logout = await call(h, '/api/v1/auth/logout', { method: 'POST', session: s, withCsrf: false });
    assert.equal(logout.status, 403, 'no forced logout either');
    const ok = await call(h, url, { method: 'POST', session: s });
    assert.equal(ok.status, 200);
    assert.equal((await json<{ heard: boolean }>(ok)).heard, true);
    assert.equal((await call(h, '/api/v1/messages', { session: s, withCsrf: false })).status, 200);
  });
});

describe('bearer tokens', () => {
  test('act as their user without CSRF; revoked or bad tokens get 401, even with a cookie', async () => {
    const admin = await h.stores.store.users.findByLogin('acme-admin');
    assert.ok(admin);
    const { token, record } = await h.accounts.tokens.create(admin, 'crm', 30);
    const me = await json<{ via: string; csrfToken: null; user: { login: string } }>(await call(h, '/api/v1/auth/me', { token }));
    assert.deepEqual([me.via, me.csrfToken, me.user.login], ['token', null, 'acme-admin']);
    const list = await json<{ messages: { id: string }[] }>(await call(h, '/api/v1/messages?limit=200', { token }));
    assert.deepEqual(list.messages.map((m) => m.id).sort(), ['a100-0', 'a100-1', 'a100-2', 'a100-3', 'a100-4', 'a101-0']);
    const heard = await call(h, '/api/v1/messages/a101-0/heard', { method: 'POST', token });
    assert.equal(heard.status, 200, 'no CSRF token needed');
    assert.equal((await h.stores.store.apiTokens.get(record.id))?.lastUsedAt !== null, true);

    const s = await login(h, 'alice@acme.example');
    const bad = await call(h, '/api/v1/messages', { token: 'vxm_' + 'A'.repeat(43), session: s });
    assert.equal(bad.status, 401, 'a bad bearer token is not rescued by a cookie');
    await h.accounts.tokens.revoke(record.id);
    const revoked = await call(h, '/api/v1/messages', { token });
    assert.equal(revoked.status, 401);
    assert.match((await json<ErrorJson>(revoked)).error.message, /unknown, revoked or expired/);
  });
});

describe('lock-out', () => {
  test('5 failures lock the login for 15 minutes (429 + Retry-After), the right password included; all audited', async () => {
    const target = 'beta-admin';
    for (let i = 0; i < 4; i++) {
      const r = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: target, password: `guess number ${String(i)}` } });
      assert.equal(r.status, 401, `failure ${String(i + 1)}`);
    }
    const fifth = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: target, password: 'guess number 5' } });
    assert.equal(fifth.status, 429);
    assert.equal(await code(fifth), 'VM_API_LOCKED_OUT');
    assert.equal(fifth.headers.get('retry-after'), '900');
    const right = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: target, password: PASSWORD } });
    assert.equal(right.status, 429);
    assert.ok(Number(right.headers.get('retry-after')) > 0);
    const failed = await h.stores.store.audit.list({ action: 'login.failed', target });
    assert.equal(failed.length, 5);
    assert.deepEqual([failed[0]?.tenantId, failed[0]?.ip, failed[0]?.detail], ['beta', '127.0.0.1', '{"reason":"wrong password"}']);
    assert.equal((await h.stores.store.audit.list({ action: 'login.locked', target })).length, 1);
    // Another login from the same address is not locked (the address limit is 20).
    assert.equal((await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: 'root', password: PASSWORD } })).status, 200);
  });

  test('successful logins are audited with who, tenant and address', async () => {
    const rows = await h.stores.store.audit.list({ action: 'login' });
    assert.ok(rows.length > 0);
    for (const r of rows) assert.ok(r.actorUserId !== null && r.ip === '127.0.0.1' && r.target === r.actorLogin);
    const alice = rows.find((r) => r.actorLogin === 'alice@acme.example');
    assert.equal(alice?.tenantId, 'acme');
  });
});

describe('behind a TLS proxy', () => {
  test('Secure cookies when the request came over https (auto + trustProxy)', async () => {
    const tls = await startHarness({ trustProxy: true });
    try {
      const r = await call(tls, '/api/v1/auth/login', { method: 'POST', body: { login: 'bob', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.23' } });
      assert.equal(r.status, 200);
      for (const c of r.headers.getSetCookie()) assert.match(c, /; Secure/, c);
      const [entry] = await tls.stores.store.audit.list({ action: 'login' });
      assert.equal(entry?.ip, '198.51.100.23', 'the client address from the trusted proxy');
    } finally {
      await tls.close();
    }
  });
});
