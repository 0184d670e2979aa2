import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOptions } from '@node-rs/argon2';
import { hashPin, PIN_RULE, validatePin, verifyPin } from '../../../src/voicemail/pin.js';

describe('validatePin', () => {
  test('accepts 4 to 12 ASCII digits', () => {
    for (const pin of ['0000', '1234', '00001234', '123456789012']) assert.deepEqual(validatePin(pin), { ok: true, value: pin });
  });

  test('refuses anything else, saying what is allowed and never echoing the PIN', () => {
    for (const pin of ['', '123', '1234567890123', '12a4', ' 1234', '1234 ', '12-34', '١٢٣٤', '+1234', '12.4']) {
      const r = validatePin(pin);
      assert.equal(r.ok, false, JSON.stringify(pin));
      if (!r.ok) {
        assert.equal(r.error, PIN_RULE);
        assert.match(r.error, /4–12 digits/);
      }
    }
  });
});

describe('hashPin / verifyPin', () => {
  test('argon2id with the OWASP parameters (m=19456 KiB, t=2, p=1) and a fresh salt each time', async () => {
    const a = await hashPin('1234');
    const b = await hashPin('1234');
    assert.match(a, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.notEqual(a, b, 'salted');
    assert.ok(!a.includes('1234'), 'the PIN does not appear in the hash');
    const o = parseOptions(a);
    assert.equal(o.memoryCost, 19_456);
    assert.equal(o.timeCost, 2);
    assert.equal(o.parallelism, 1);
    assert.ok(o.saltLen >= 16);
  });

  test('verifies the right PIN and refuses wrong ones', async () => {
    const h = await hashPin('0042');
    assert.equal(await verifyPin(h, '0042'), true);
    for (const wrong of ['0043', '42', '00420', '0042 ', '']) assert.equal(await verifyPin(h, wrong), false, JSON.stringify(wrong));
  });

  test('a malformed or foreign hash is a mismatch, not an exception', async () => {
    for (const h of ['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$broken', '$2b$10$abcdefghijklmnopqrstuv']) {
      assert.equal(await verifyPin(h, '1234'), false, h);
    }
  });

  test('hashPin refuses an invalid PIN (callers validate first) without putting it in the error', async () => {
    await assert.rejects(hashPin('12ab'), (e: Error) => e instanceof RangeError && !e.message.includes('12ab'));
  });
});
