/**
 * The signature is a public contract: integrators implement the verification in other
 * languages from docs/webhooks.md, so the exact bytes are pinned by vectors computed
 * outside this code base (Python's hmac), and verification is checked to refuse
 * everything a forger or a replayer could try.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { computeSignature, signatureHeader, verifyWebhookSignature } from '../../../../src/notify/webhook/index.js';

const T = 1_700_000_000;

describe('webhook signature', () => {
  test('v1 = hex HMAC-SHA256(secret, "<t>.<raw body>"), matching independent vectors', () => {
    // python3: hmac.new(b'whsec_test', b'1700000000.{"id":"x","n":1}', hashlib.sha256).hexdigest()
    assert.equal(computeSignature('whsec_test', T, '{"id":"x","n":1}'), '42be91d6f9e139d751642ffda984e1a59e2bf5152e40d8f8fdf4147d2d740242');
    // UTF-8 secret and body, as bytes or as a string.
    const cyr = '4c7f03a29941bf2614da85e9e1123237db3f75766d117703f4450eb995315527';
    assert.equal(computeSignature('секрет', T, '{"name":"Иван"}'), cyr);
    assert.equal(computeSignature('секрет', T, Buffer.from('{"name":"Иван"}', 'utf8')), cyr);
  });

  test('header format: t=<unix seconds>,v1=<64 hex>', () => {
    const h = signatureHeader('whsec_test', '{"id":"x","n":1}', T);
    assert.equal(h, 't=1700000000,v1=42be91d6f9e139d751642ffda984e1a59e2bf5152e40d8f8fdf4147d2d740242');
    assert.match(signatureHeader('k', '', 0), /^t=0,v1=[0-9a-f]{64}$/);
  });

  test('verifies what it signed, within the tolerance either way', () => {
    const body = '{"id":"x","n":1}';
    const h = signatureHeader('whsec_test', body, T);
    assert.equal(verifyWebhookSignature('whsec_test', h, body, T), true);
    assert.equal(verifyWebhookSignature('whsec_test', h, Buffer.from(body), T + 300), true, '5 minutes old: still accepted');
    assert.equal(verifyWebhookSignature('whsec_test', h, body, T - 300), true, 'clock skew: 5 minutes ahead accepted');
    assert.equal(verifyWebhookSignature('whsec_test', h, body, T + 3600, 7200), true, 'custom tolerance');
  });

  test('refuses old or future timestamps, tampered bodies, forged timestamps, other secrets', () => {
    const body = '{"id":"x","n":1}';
    const h = signatureHeader('whsec_test', body, T);
    assert.equal(verifyWebhookSignature('whsec_test', h, body, T + 301), false, 'older than 5 minutes: a replay');
    assert.equal(verifyWebhookSignature('whsec_test', h, body, T - 301), false, 'more than 5 minutes in the future');
    assert.equal(verifyWebhookSignature('whsec_test', h, '{"id":"x","n":2}', T), false, 'body changed');
    assert.equal(verifyWebhookSignature('whsec_test', h, `${body} `, T), false, 'one byte added');
    assert.equal(verifyWebhookSignature('whsec_tesT', h, body, T), false, 'other secret');
    const v1 = h.slice(h.indexOf('v1='));
    assert.equal(verifyWebhookSignature('whsec_test', `t=${String(T + 200)},${v1}`, body, T + 200), false, 'replay with a fresh t');
  });

  test('refuses malformed headers without throwing', () => {
    const body = '{}';
    const good = signatureHeader('s', body, T);
    const sig = good.slice(good.indexOf('v1=') + 3);
    const bad: (string | null | undefined)[] = [
      null,
      undefined,
      '',
      `v1=${sig}`,
      `t=${String(T)}`,
      `t=${String(T)},v1=${sig.toUpperCase()}`,
      `t=${String(T)},v1=${sig.slice(1)}`,
      `t=${String(T)},v1=${sig}00`,
      `t=${String(T)}.5,v1=${sig}`,
      `t=-${String(T)},v1=${sig}`,
      `t=${String(T)},t=${String(T)},v1=${sig}`,
      `t=abc,v1=${sig}`,
      `t=${String(T)},v0=${sig}`,
      'garbage',
    ];
    for (const h of bad) assert.equal(verifyWebhookSignature('s', h, body, T), false, String(h));
    assert.equal(verifyWebhookSignature('', signatureHeader('', body, T), body, T), false, 'an empty secret verifies nothing');
    assert.equal(verifyWebhookSignature('s', good, body, Number.NaN), false);
  });

  test('accepts any of several v1 (secret rotation), spaces, and unknown schemes', () => {
    const body = '{"a":1}';
    const oldSig = computeSignature('old', T, body);
    const newSig = computeSignature('new', T, body);
    const h = `t=${String(T)}, v1=${oldSig}, v1=${newSig}, v9=zzz`;
    assert.equal(verifyWebhookSignature('new', h, body, T), true);
    assert.equal(verifyWebhookSignature('old', h, body, T), true);
    assert.equal(verifyWebhookSignature('other', h, body, T), false);
  });

  test('property: a signature verifies its body and no other', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 2 ** 32 }), fc.nat(), (secret, body, t, flip) => {
        const h = signatureHeader(secret, body, t);
        assert.equal(verifyWebhookSignature(secret, h, body, t), true);
        if (body.length > 0) {
          const tampered = Uint8Array.from(body);
          const i = flip % tampered.length;
          tampered[i] = (tampered[i]! + 1) % 256;
          assert.equal(verifyWebhookSignature(secret, h, tampered, t), false);
        }
      }),
    );
  });
});
