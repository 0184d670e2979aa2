import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toSipStackOptions } from '../../../src/compose/sip-options.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/shared/logger.js';

test('config maps onto SipStackOptions: one listen entry per host, every sip setting carried', () => {
  const r = loadConfig({ cwd: '/', argvFlags: { sipHost: '127.0.0.1,::1', sipPort: '0' } });
  assert.ok(r.ok);
  const logger = silentLogger();
  const o = toSipStackOptions(r.value, logger, 'Voxmail/test');
  assert.deepEqual(o.listen, [
    { host: '127.0.0.1', port: 0 },
    { host: '::1', port: 0 },
  ]);
  assert.deepEqual(o.transports, ['udp', 'tcp']);
  assert.deepEqual(o.timers, r.value.sip.timers);
  assert.deepEqual(o.limits, r.value.sip.limits);
  assert.equal(o.forceRport, true);
  assert.equal(o.userAgent, 'Voxmail/test');
  assert.equal(o.logger, logger);
});
