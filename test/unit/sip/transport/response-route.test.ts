import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVia } from '../../../../src/sip/message/via.js';
import { responseDestination, stampVia } from '../../../../src/sip/transport/response-route.js';
import type { MessageSource } from '../../../../src/sip/transport/types.js';

const src: MessageSource = { transport: 'udp', remoteAddress: '192.0.2.7', remotePort: 40000, localAddress: '0.0.0.0', localPort: 5060, connectionId: null };

function via(text: string) {
  const v = parseVia(text);
  assert.ok(v.ok, text);
  return v.value;
}

test('§18.2.1: received is added when sent-by differs from the source; rport filled in when asked (RFC 3581)', () => {
  const a = stampVia(via('SIP/2.0/UDP pbx.example.com:5080;branch=z9hG4bK1'), src);
  assert.equal(a.params.get('received'), '192.0.2.7');
  assert.equal(a.params.has('rport'), false);
  const b = stampVia(via('SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1;rport'), src);
  assert.equal(b.params.get('rport'), '40000');
  assert.equal(b.params.get('received'), '192.0.2.7', 'RFC 3581 §4: received is always added with rport');
  const c = stampVia(via('SIP/2.0/UDP 192.0.2.7:5080;branch=z9hG4bK1'), src);
  assert.equal(c.params.has('received'), false);
});

test('§18.2.2 strict (forceRport off): received address + sent-by port, default 5060; rport honoured', () => {
  const d1 = responseDestination(stampVia(via('SIP/2.0/UDP pbx.example.com:5080;branch=z9hG4bK1'), src), src, false);
  assert.deepEqual([d1.address, d1.port], ['192.0.2.7', 5080]);
  const d2 = responseDestination(stampVia(via('SIP/2.0/UDP pbx.example.com;branch=z9hG4bK1'), src), src, false);
  assert.deepEqual([d2.address, d2.port], ['192.0.2.7', 5060]);
  const d3 = responseDestination(stampVia(via('SIP/2.0/UDP pbx.example.com:5080;branch=z9hG4bK1;rport'), src), src, false);
  assert.deepEqual([d3.address, d3.port], ['192.0.2.7', 40000]);
});

test('forceRport (the default): always the source address and port; maddr never used', () => {
  const d = responseDestination(stampVia(via('SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK1;maddr=255.255.255.255'), src), src, true);
  assert.deepEqual([d.address, d.port], ['192.0.2.7', 40000]);
  const strict = responseDestination(stampVia(via('SIP/2.0/UDP 10.0.0.1:5080;branch=z9hG4bK1;maddr=255.255.255.255'), src), src, false);
  assert.notEqual(strict.address, '255.255.255.255');
});

test('TCP: the connection the request came on', () => {
  const tcp: MessageSource = { ...src, transport: 'tcp', connectionId: 7 };
  const d = responseDestination(stampVia(via('SIP/2.0/TCP pbx.example.com:5080;branch=z9hG4bK1'), tcp), tcp, false);
  assert.equal(d.connectionId, 7);
  assert.deepEqual([d.address, d.port], ['192.0.2.7', 40000]);
});

test('the response leaves from the socket the request arrived on', () => {
  const d = responseDestination(via('SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1'), src, true);
  assert.deepEqual([d.localAddress, d.localPort], ['0.0.0.0', 5060]);
});
