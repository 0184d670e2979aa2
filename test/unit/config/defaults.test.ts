import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_CONFIG, loadConfig } from '../../../src/config/index.js';
import { DEFAULT_SIP_LIMITS, DEFAULT_SIP_TIMERS } from '../../../src/sip/options.js';

// config may not import sip, so it repeats the stack's defaults; this keeps them equal.
test('config defaults for sip.limits equal DEFAULT_SIP_LIMITS', () => {
  assert.deepEqual({ ...DEFAULT_CONFIG.sip.limits }, { ...DEFAULT_SIP_LIMITS });
});

test('config defaults for sip.timers equal DEFAULT_SIP_TIMERS', () => {
  assert.deepEqual({ ...DEFAULT_CONFIG.sip.timers }, { ...DEFAULT_SIP_TIMERS });
});

test('DEFAULT_CONFIG is deeply frozen', () => {
  assert.ok(Object.isFrozen(DEFAULT_CONFIG));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.sip.limits));
  assert.ok(Object.isFrozen(DEFAULT_CONFIG.sip.hosts));
});

test('property: a port string is accepted exactly when it is a decimal integer 0–65535', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer({ min: -10, max: 70000 }).map(String), fc.string({ maxLength: 8 })), (raw) => {
      const r = loadConfig({ cwd: '/', argvFlags: { sipPort: raw } });
      const n = Number(raw.trim());
      const valid = /^\s*[0-9]+\s*$/.test(raw) && n <= 65535;
      assert.equal(r.ok, valid, `${JSON.stringify(raw)}: ${r.ok ? 'accepted' : r.error.message}`);
      if (!r.ok) assert.match(r.error.message, /^sip\.port: /);
    }),
  );
});
