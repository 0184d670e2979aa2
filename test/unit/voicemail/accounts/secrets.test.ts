import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, validatePassword, verifyPassword } from '../../../../src/voicemail/accounts/index.js';
import { csrfTokenFor, isApiTokenShape, isSessionIdShape, newApiToken, newSessionId, safeEqual, sha256Hex } from '../../../../src/voicemail/accounts/secrets.js';

describe('passwords', () => {
  test('at least 10 and at most 256 characters, counted as code points', () => {
    assert.equal(validatePassword('123456789').ok, false);
    assert.equal(validatePassword('1234567890').ok, true);
    assert.equal(validatePassword('пароль-ок!').ok, true, '10 Cyrillic/ASCII code points');
    assert.equal(validatePassword('🔑'.repeat(9)).ok, false, '9 emoji are 18 UTF-16 units but 9 characters');
    assert.equal(validatePassword('x'.repeat(257)).ok, false);
    const refused = validatePassword('secret');
    assert.ok(!refused.ok && !refused.error.includes('secret'), 'the rule, never the value');
  });

  test('argon2id hash with a fresh salt; verify accepts only the password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b, 'salted');
    assert.ok(!a.includes('correct horse'));
    assert.equal(await verifyPassword(a, 'correct horse battery'), true);
    assert.equal(await verifyPassword(a, 'correct horse batterY'), false);
    assert.equal(await verifyPassword('not a hash', 'correct horse battery'), false, 'a bad hash is a mismatch, not an exception');
    await assert.rejects(hashPassword('short'), RangeError);
  });
});

describe('secrets', () => {
  test('session ids and API tokens carry 256 random bits; only their SHA-256 is stored', () => {
    const id = newSessionId();
    assert.ok(isSessionIdShape(id));
    assert.equal(Buffer.from(id, 'base64url').length, 32);
    assert.notEqual(newSessionId(), id);
    const t = newApiToken();
    assert.match(t.token, /^vxm_[A-Za-z0-9_-]{43}$/);
    assert.ok(isApiTokenShape(t.token));
    assert.equal(t.hash, sha256Hex(t.token));
    assert.match(t.hash, /^[0-9a-f]{64}$/);
    assert.equal(t.prefix, t.token.slice(0, 12));
    assert.ok(!isApiTokenShape(`${t.token}x`) && !isApiTokenShape(t.token.replace('vxm_', 'abc_')));
  });

  test('the CSRF token is bound to the session and is not the stored hash', () => {
    const id = newSessionId();
    assert.equal(csrfTokenFor(id), csrfTokenFor(id));
    assert.notEqual(csrfTokenFor(id), csrfTokenFor(newSessionId()));
    assert.notEqual(Buffer.from(csrfTokenFor(id), 'base64url').toString('hex'), sha256Hex(id));
    assert.ok(safeEqual('abc', 'abc') && !safeEqual('abc', 'abd') && !safeEqual('abc', 'abcd'));
  });
});
