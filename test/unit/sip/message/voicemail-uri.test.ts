/** RFC 4458 target/cause Request-URI parameters, and the sipfrag status of REFER NOTIFYs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sipfragStatus } from '../../../../src/sip/message/sipfrag.js';
import { parseUri } from '../../../../src/sip/message/uri.js';
import { uriCause, voicemailUriParams } from '../../../../src/sip/message/voicemail-uri.js';

function uri(s: string) {
  const u = parseUri(s);
  assert.ok(u.ok, u.ok ? '' : u.error);
  return u.value;
}

test('RFC 4458 example: target with an escaped @ and cause=486', () => {
  const p = voicemailUriParams(uri('sip:voicemail@example.com;target=sip:+15555551002%40example.com;user=phone;cause=486'));
  assert.deepEqual(p, { target: 'sip:+15555551002@example.com', cause: 486 });
});

test('fully escaped target', () => {
  const p = voicemailUriParams(uri('sip:voicemail@vm.example;target=sip%3A%2B1234%40example.com;cause=408'));
  assert.deepEqual(p, { target: 'sip:+1234@example.com', cause: 408 });
});

test('bare number target, no cause', () => {
  assert.deepEqual(voicemailUriParams(uri('sip:vm@10.0.0.1;target=4000')), { target: '4000', cause: null });
});

test('nothing to say: null; bad causes ignored', () => {
  assert.equal(voicemailUriParams(uri('sip:100@10.0.0.1')), null);
  assert.equal(voicemailUriParams(uri('tel:+15555551002')), null);
  assert.equal(uriCause(uri('sip:vm@x;cause=4860')), null);
  assert.equal(uriCause(uri('sip:vm@x;cause=abc')), null);
  assert.equal(uriCause(uri('sip:vm@x;cause=099')), null);
  assert.equal(uriCause(uri('sip:vm@x;cause')), null);
});

test('sipfrag Status-Line', () => {
  assert.equal(sipfragStatus(Buffer.from('SIP/2.0 200 OK\r\n')), 200);
  assert.equal(sipfragStatus(Buffer.from('SIP/2.0 100 Trying')), 100);
  assert.equal(sipfragStatus(Buffer.from('SIP/2.0 603 Declined\r\nContent-Length: 0\r\n\r\n')), 603);
  assert.equal(sipfragStatus(Buffer.from('INVITE sip:x@y SIP/2.0\r\n')), null);
  assert.equal(sipfragStatus(Buffer.from('SIP/2.0 2000 OK')), null);
  assert.equal(sipfragStatus(Buffer.alloc(0)), null);
});
