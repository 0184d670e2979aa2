import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig, parseRtpPorts } from '../../../src/config/index.js';

describe('--rtp-ports A-B', () => {
  const goodCases: [string, number, number][] = [
    ['20000-29999', 20000, 29999],
    ['1024-1025', 1024, 1025],
    ['65534-65535', 65534, 65535],
    [' 30000 - 30100 ', 30000, 30100],
    ['40000-40002', 40000, 40002],
  ];
  for (const [raw, portMin, portMax] of goodCases) {
    test(`accepts ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(parseRtpPorts(raw), { ok: true, value: { portMin, portMax } });
    });
  }

  const badCases = [
    '',
    '20000',
    '20000-',
    '-29999',
    '20001-29999', // odd start: RTP wants the even port
    '29999-20000', // reversed
    '20000-20000', // empty
    '1022-2000', // below 1024
    '60000-65536', // above 65535
    '0-65535',
    '20000:29999',
    '20000..29999',
    'a-b',
    '20000-29999-30000',
    '+20000-29999',
    '2e4-29999',
    '0x4e20-29999',
    '200000-299999',
  ];
  for (const raw of badCases) {
    test(`refuses ${JSON.stringify(raw)}`, () => {
      assert.deepEqual(parseRtpPorts(raw), { ok: false, error: 'must be "A-B" with even A < B in 1024–65535' });
    });
  }

  test('property: accepted exactly when A even, A < B, both in 1024–65535', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 70000 }), fc.integer({ min: 0, max: 70000 }), (a, b) => {
        const r = parseRtpPorts(`${String(a)}-${String(b)}`);
        const valid = a % 2 === 0 && a < b && a >= 1024 && b <= 65535;
        assert.equal(r.ok, valid);
        if (r.ok) assert.deepEqual(r.value, { portMin: a, portMax: b });
      }),
    );
  });

  test('what the parser accepts, the schema accepts (flag and env agree)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 512, max: 32767 }), fc.integer({ min: 1, max: 40000 }), (half, span) => {
        const a = half * 2;
        const b = Math.min(a + span, 65535);
        const raw = `${String(a)}-${String(b)}`;
        const fromFlag = loadConfig({ cwd: '/', argvFlags: { rtpPorts: raw } });
        const fromEnv = loadConfig({ cwd: '/', env: { VOXMAIL_RTP_PORTS: raw } });
        assert.equal(fromFlag.ok, parseRtpPorts(raw).ok);
        assert.equal(fromEnv.ok, fromFlag.ok);
        if (fromFlag.ok) assert.deepEqual(fromFlag.value.rtp, { portMin: a, portMax: b, sockets: 'auto', readIntervalMs: 100 });
      }),
      { numRuns: 200 },
    );
  });
});
