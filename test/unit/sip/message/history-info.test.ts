/**
 * RFC 7044 History-Info: entries, index/rc/mp, cause in the targeted-to URI, escaped
 * Reason and Privacy, and which entry the call was diverted from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { divertedFrom, parseHistoryInfo } from '../../../../src/sip/message/history-info.js';

test('RFC 7044 style: contact tried (rc), then voicemail (mp) with cause', () => {
  const r = parseHistoryInfo([
    '<sip:bob@example.com>;index=1,' +
      ' <sip:bob@192.0.2.5?Reason=SIP%3Bcause%3D408%3Btext%3D%22Request%20Timeout%22>;index=1.1;rc=1,' +
      ' <sip:voicemail@example.com;target=sip:bob%40example.com;cause=408>;index=1.2;mp=1',
  ]);
  assert.ok(r.ok, r.ok ? '' : r.error);
  const [a, b, c] = r.value;
  assert.equal(a!.index, '1');
  assert.equal(b!.rc, '1');
  assert.deepEqual(b!.reason, { protocol: 'SIP', cause: 408, text: 'Request Timeout' });
  assert.equal(c!.mp, '1');
  assert.equal(c!.cause, 408);
  assert.equal(divertedFrom(r.value), a);
});

test('cause inside the URI, as in <sip:bob@example.com;cause=486>;index=1.2', () => {
  const r = parseHistoryInfo(['<sip:alice@example.com>;index=1', '<sip:bob@example.com;cause=486>;index=1.2']);
  assert.ok(r.ok);
  assert.equal(r.value[1]!.cause, 486);
  assert.equal(r.value[1]!.index, '1.2');
  // No mp: the parent index (1) is where it came from.
  assert.equal(divertedFrom(r.value)?.nameAddr.uri.raw, 'sip:alice@example.com');
});

test('chain of diversions: mp points at the last diverting user, rc entries are walked up', () => {
  const r = parseHistoryInfo([
    '<sip:+74951234567@mango.example;user=phone>;index=1',
    '<sip:101@mango.example>;index=1.1;mp=1',
    '<sip:101@10.0.0.7:5060?Reason=SIP%3Bcause%3D486>;index=1.1.1;rc=1.1',
    '<sip:voicemail@vm.example;cause=486>;index=1.1.2;mp=1.1.1',
  ]);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.equal(divertedFrom(r.value)?.nameAddr.uri.raw, 'sip:101@mango.example');
});

test('Privacy=history escaped in an entry; Q.850 Reason', () => {
  const r = parseHistoryInfo(['<sip:bob@example.com?Privacy=history&Reason=Q.850%3Bcause%3D17>;index=1']);
  assert.ok(r.ok);
  assert.equal(r.value[0]!.privacy, true);
  assert.deepEqual(r.value[0]!.reason, { protocol: 'Q.850', cause: 17, text: null });
});

test('Cisco CUCM (RFC 4244 era): no rc/mp; without index the previous entry', () => {
  const r = parseHistoryInfo(['<sip:1001@10.1.1.10>', '<sip:8000@10.1.1.20?Reason=SIP%3Bcause%3D302>']);
  assert.ok(r.ok);
  assert.equal(r.value[0]!.index, null);
  assert.equal(divertedFrom(r.value)?.nameAddr.uri.raw, 'sip:1001@10.1.1.10');
});

test('broken chains give null, not a wrong entry; loops end', () => {
  const one = parseHistoryInfo(['<sip:a@x>;index=1']);
  assert.ok(one.ok);
  assert.equal(divertedFrom(one.value), null);
  const dangling = parseHistoryInfo(['<sip:a@x>;index=1', '<sip:b@x>;index=1.2;mp=7']);
  assert.ok(dangling.ok);
  assert.equal(divertedFrom(dangling.value), null);
  const loop = parseHistoryInfo(['<sip:a@x>;index=1.1;rc=1.2', '<sip:b@x>;index=1.2;rc=1.1', '<sip:c@x>;index=1.3;mp=1.1']);
  assert.ok(loop.ok);
  assert.equal(divertedFrom(loop.value), null);
});

test('bad index values are errors', () => {
  for (const bad of ['<sip:a@x>;index=', '<sip:a@x>;index=1..2', '<sip:a@x>;index=a', '<sip:a@x>;index=1;mp=x', '<sip:a@x>;index']) {
    assert.equal(parseHistoryInfo([bad]).ok, false, bad);
  }
  assert.equal(parseHistoryInfo([`<sip:a@x>;index=${'1.'.repeat(40)}1`]).ok, false, 'over-long index');
});

test('never throws on garbage', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { maxLength: 4 }), (fields) => {
      const r = parseHistoryInfo(fields);
      if (r.ok) divertedFrom(r.value);
    }),
    { numRuns: 2000 },
  );
});
