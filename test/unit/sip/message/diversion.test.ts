/**
 * RFC 5806 Diversion parsing with headers as real PBXs send them, and the order rule:
 * the first entry is the newest diversion, the last one holds the original called number.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { firstDiversion, lastDiversion, parseDiversion } from '../../../../src/sip/message/diversion.js';

test('Asterisk chan_pjsip: one entry with reason, privacy, screen', () => {
  const r = parseDiversion(['<sip:101@192.168.10.5>;reason=no-answer;privacy=off;screen=no']);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value.length, 1);
  const d = r.value[0]!;
  assert.equal(d.nameAddr.uri.kind === 'sip' ? d.nameAddr.uri.user : null, '101');
  assert.equal(d.reason, 'no-answer');
  assert.equal(d.privacy, 'off');
  assert.equal(d.screen, 'no');
  assert.equal(d.counter, null);
});

test('chain in one field: newest first, original called number last (RFC 5806)', () => {
  // 100 forwarded unconditionally to 200, which was busy: the proxy for 200 added its entry on top.
  const r = parseDiversion(['<sip:200@pbx.example.com>;reason=user-busy;counter=1, "Bob" <sip:100@pbx.example.com>;reason=unconditional;counter=1']);
  assert.ok(r.ok);
  const last = lastDiversion(r.value);
  const first = firstDiversion(r.value);
  assert.equal(last?.reason, 'user-busy');
  assert.equal(last?.nameAddr.uri.raw, 'sip:200@pbx.example.com');
  assert.equal(first?.reason, 'unconditional');
  assert.equal(first?.nameAddr.displayName, 'Bob');
  assert.equal(first?.nameAddr.uri.raw, 'sip:100@pbx.example.com');
});

test('chain in several fields keeps field order; quoted values and upper case are normalised', () => {
  const r = parseDiversion([
    '"Sales" <sip:+74951234567@mango.example;user=phone>;reason="No-Answer";counter=2;privacy="full"',
    '<tel:+74957654321>;reason=unconditional',
  ]);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(r.value[0]!.reason, 'no-answer');
  assert.equal(r.value[0]!.counter, 2);
  assert.equal(r.value[0]!.privacy, 'full');
  assert.equal(r.value[1]!.nameAddr.uri.kind, 'absolute');
  assert.equal(r.value[1]!.nameAddr.uri.raw, 'tel:+74957654321');
});

test('Broadsoft/Cisco style: addr-spec params, vendor tokens, numeric reasons kept as written', () => {
  const r = parseDiversion([
    '<sip:2125551000@as.broadsoft.example;user=phone>;reason=deflection;counter=1;screen=yes;privacy=off',
    '<sip:5000@10.1.1.10>;reason=send_to_vm',
    '<sip:6000@10.1.1.10>;reason="486"',
  ]);
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.map((d) => d.reason),
    ['deflection', 'send_to_vm', '486'],
  );
});

test('malformed lists are errors, not partial lists', () => {
  assert.equal(parseDiversion(['<sip:100@pbx>;reason=no-answer, <sip:200@pbx']).ok, false);
  assert.equal(parseDiversion(['<sip:100@pbx>;reason=']).ok, false);
  assert.equal(parseDiversion(['<sip:100@pbx>,']).ok, false);
  assert.equal(parseDiversion(['not a uri']).ok, false);
});

test('bounded: too many entries is an error', () => {
  const many = Array.from({ length: 33 }, (_, i) => `<sip:${String(i)}@pbx>`).join(', ');
  assert.equal(parseDiversion([many]).ok, false);
  assert.equal(parseDiversion([many], 40).ok, true);
  // counter beyond 2 digits is not a counter
  const r = parseDiversion(['<sip:1@pbx>;counter=12345']);
  assert.ok(r.ok);
  assert.equal(r.value[0]!.counter, null);
});

test('no field: an empty list', () => {
  const r = parseDiversion([]);
  assert.ok(r.ok);
  assert.equal(lastDiversion(r.value), null);
  assert.equal(firstDiversion(r.value), null);
});

test('never throws on garbage', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 4 }), (fields) => {
      parseDiversion(fields);
    }),
    { numRuns: 2000 },
  );
});
