/** normalizeNumber (RFC 3966 visual separators, tel:, phone-context) and greetingReasonFor. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DIVERSION_REASONS } from '../../../../src/voicemail/model.js';
import { greetingReasonFor, normalizeNumber } from '../../../../src/voicemail/routing/index.js';

test('visual separators go, a leading + stays', () => {
  assert.equal(normalizeNumber('+7 (495) 123-45-67'), '+74951234567');
  assert.equal(normalizeNumber('+1.212.555.0100'), '+12125550100');
  assert.equal(normalizeNumber('  100 '), '100');
  assert.equal(normalizeNumber('*97'), '*97');
  assert.equal(normalizeNumber('8 800 555-35-35'), '88005553535');
});

test('tel: and sip: URIs, escapes, user parameters', () => {
  assert.equal(normalizeNumber('tel:+1-201-555-0123'), '+12015550123');
  assert.equal(normalizeNumber('tel:7042;phone-context=example.com'), '7042');
  assert.equal(normalizeNumber('tel:863-1234;phone-context=+1-914-555'), '+19145558631234', 'RFC 3966 §5.1.5 example');
  assert.equal(normalizeNumber('sip:+15555551002@example.com;user=phone'), '+15555551002');
  assert.equal(normalizeNumber('sip%3A%2B1234%40example.com'), '+1234');
  assert.equal(normalizeNumber('%2B7%20495%201234567'), '+74951234567');
  assert.equal(normalizeNumber('+12125551212;npdi;rn=+12125550000'), '+12125551212');
});

test('not numbers: empty string', () => {
  for (const s of ['', 'alice', 'voicemail', '+', '+7-abc', '++7', '+12*3', 'sip:example.com', '1'.repeat(40), 'x'.repeat(1000)]) {
    assert.equal(normalizeNumber(s), '', s);
  }
});

test('greetingReasonFor covers every reason', () => {
  const expected: Record<string, string> = {
    busy: 'busy',
    'no-answer': 'no-answer',
    unavailable: 'unavailable',
    'do-not-disturb': 'unavailable',
    unconditional: 'unconditional',
    'time-of-day': 'unconditional',
    deflection: 'default',
    unknown: 'default',
  };
  for (const r of DIVERSION_REASONS) assert.equal(greetingReasonFor(r), expected[r], r);
});
