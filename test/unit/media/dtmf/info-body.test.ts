import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_INFO_DURATION_MS, MAX_DTMF_INFO_BODY_BYTES, parseDtmfInfo } from '../../../../src/media/dtmf/info-body.js';

const relay = (body: string): ReturnType<typeof parseDtmfInfo> => parseDtmfInfo('application/dtmf-relay', Buffer.from(body, 'latin1'));

test('application/dtmf-relay: Signal and Duration, as Cisco/Asterisk phones send them', () => {
  assert.deepEqual(relay('Signal=5\r\nDuration=160\r\n'), { ok: true, value: { digit: '5', durationMs: 160 } });
  assert.deepEqual(relay('Signal=*\r\nDuration=250\r\n'), { ok: true, value: { digit: '*', durationMs: 250 } });
  assert.deepEqual(relay('Signal=#\r\nDuration=100'), { ok: true, value: { digit: '#', durationMs: 100 } });
  for (const d of 'ABCD') {
    assert.deepEqual(relay(`Signal=${d}\r\n`), { ok: true, value: { digit: d, durationMs: DEFAULT_INFO_DURATION_MS } });
    assert.deepEqual(relay(`Signal=${d.toLowerCase()}\r\n`), relay(`Signal=${d}\r\n`));
  }
  assert.deepEqual(relay('Signal=d\n'), { ok: true, value: { digit: 'D', durationMs: DEFAULT_INFO_DURATION_MS } });
});

test('dtmf-relay tolerance: key case, spaces, LF or CR line ends, unknown keys, order', () => {
  assert.deepEqual(relay('signal= 7 \nduration = 120\n'), { ok: true, value: { digit: '7', durationMs: 120 } });
  assert.deepEqual(relay('SIGNAL=0\rDURATION=90\r'), { ok: true, value: { digit: '0', durationMs: 90 } });
  assert.deepEqual(relay('Duration=300\r\nVolume=10\r\nSignal=9\r\n'), { ok: true, value: { digit: '9', durationMs: 300 } });
  assert.deepEqual(relay('Signal=3\r\nDuration=abc\r\n'), { ok: true, value: { digit: '3', durationMs: DEFAULT_INFO_DURATION_MS } });
  assert.deepEqual(relay('Signal=3\r\nDuration=99999999\r\n'), { ok: true, value: { digit: '3', durationMs: 60_000 } });
  assert.deepEqual(relay('Signal=1\r\nSignal=2\r\n'), { ok: true, value: { digit: '1', durationMs: DEFAULT_INFO_DURATION_MS } });
});

test('dtmf-relay numeric codes 10/11 (some PBXs) mean * and #; 12–15 mean A–D', () => {
  assert.deepEqual(relay('Signal=10\r\n'), relay('Signal=*\r\n'));
  const ten = relay('Signal=10\r\nDuration=160\r\n');
  const eleven = relay('Signal=11\r\nDuration=160\r\n');
  assert.ok(ten.ok && eleven.ok);
  assert.equal(ten.value.digit, '*');
  assert.equal(eleven.value.digit, '#');
  const fifteen = relay('Signal=15');
  assert.ok(fifteen.ok);
  assert.equal(fifteen.value.digit, 'D');
});

test('dtmf-relay errors: no Signal, bad Signal, oversized body', () => {
  for (const body of ['', 'Duration=160\r\n', 'Signal=\r\n', 'Signal=16\r\n', 'Signal=E\r\n', 'Signal=55\r\n', 'Signal=5 6\r\n', 'garbage']) {
    assert.equal(relay(body).ok, false, JSON.stringify(body));
  }
  const big = relay(`Signal=5\r\n${'x'.repeat(MAX_DTMF_INFO_BODY_BYTES)}`);
  assert.equal(big.ok, false);
});

test('application/dtmf: the body is the digit; content type parameters and case are ignored', () => {
  assert.deepEqual(parseDtmfInfo('application/dtmf', Buffer.from('5')), { ok: true, value: { digit: '5', durationMs: DEFAULT_INFO_DURATION_MS } });
  assert.deepEqual(parseDtmfInfo('Application/DTMF; charset=us-ascii', Buffer.from('#\r\n')), { ok: true, value: { digit: '#', durationMs: DEFAULT_INFO_DURATION_MS } });
  assert.deepEqual(parseDtmfInfo(' application/dtmf-relay ;x=y', Buffer.from('Signal=4')), { ok: true, value: { digit: '4', durationMs: DEFAULT_INFO_DURATION_MS } });
  assert.equal(parseDtmfInfo('application/dtmf', Buffer.from('12')).ok, true, 'code 12 = A');
  assert.equal(parseDtmfInfo('application/dtmf', Buffer.from('')).ok, false);
  assert.equal(parseDtmfInfo('application/dtmf', Buffer.from('55')).ok, false);
  assert.equal(parseDtmfInfo('text/plain', Buffer.from('5')).ok, false);
  assert.equal(parseDtmfInfo('application/sdp', Buffer.from('Signal=5')).ok, false);
});

test('several INFOs within 2 ms are several digits: no de-duplication across INFOs', () => {
  // Each INFO is its own transaction; parsing is stateless, so "55" stays "55".
  const bodies = ['Signal=5\r\nDuration=100\r\n', 'Signal=5\r\nDuration=100\r\n', 'Signal=1\r\nDuration=100\r\n'];
  const got = bodies.map((b) => relay(b)).map((r) => (r.ok ? r.value.digit : '?'));
  assert.equal(got.join(''), '551');
});

test('parseDtmfInfo never throws on arbitrary bytes and content types', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 2000 }), (ct, bytes) => {
      const r1 = parseDtmfInfo(ct, Buffer.from(bytes));
      const r2 = parseDtmfInfo('application/dtmf-relay', Buffer.from(bytes));
      const r3 = parseDtmfInfo('application/dtmf', Buffer.from(bytes));
      for (const r of [r1, r2, r3]) assert.equal(typeof r.ok, 'boolean');
    }),
  );
});
