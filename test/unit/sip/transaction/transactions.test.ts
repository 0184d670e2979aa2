import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../../src/shared/clock.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { createResponse } from '../../../../src/sip/message/build.js';
import { SipHeaders } from '../../../../src/sip/message/headers.js';
import { parseMessage } from '../../../../src/sip/message/parser.js';
import type { SipRequest, SipResponse } from '../../../../src/sip/message/types.js';
import { DEFAULT_SIP_LIMITS } from '../../../../src/sip/options.js';
import { transactionTimers } from '../../../../src/sip/transaction/timers.js';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.js';
import type { Destination } from '../../../../src/sip/transport/types.js';

const T1 = 500;
const T2 = 4000;
const T4 = 5000;

function setup() {
  const clock = new ManualClock();
  const sent: { at: number; data: string; dest: Destination }[] = [];
  const layer = new TransactionLayer({
    transport: { send: (d, dest) => sent.push({ at: clock.now(), data: d.toString('latin1'), dest }) },
    clock,
    timers: transactionTimers({ t1: T1, t2: T2, t4: T4 }),
    log: silentLogger(),
    maxTransactions: 100,
  });
  return { clock, sent, layer };
}

function req(method: string, branch = 'z9hG4bK-abc', cseqMethod = method): SipRequest {
  const text =
    `${method} sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=${branch}\r\n` +
    `From: <sip:a@127.0.0.1>;tag=f1\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 ${cseqMethod}\r\nContent-Length: 0\r\n\r\n`;
  const r = parseMessage(Buffer.from(text), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

function res(status: number, method: string, branch: string): SipResponse {
  const text =
    `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}\r\n` +
    `From: <sip:a@127.0.0.1>;tag=f1\r\nTo: <sip:100@127.0.0.1>;tag=t9\r\nCall-ID: c1\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`;
  const r = parseMessage(Buffer.from(text), { limits: DEFAULT_SIP_LIMITS, datagram: true });
  assert.ok(r.ok && r.value.kind === 'response');
  return r.value;
}

const udp: Destination = { transport: 'udp', address: '127.0.0.1', port: 5061 };
const tcp: Destination = { transport: 'tcp', address: '127.0.0.1', port: 5061 };

describe('INVITE server transaction (RFC 3261 §17.2.1)', () => {
  test('non-2xx final: Timer G retransmits at T1, 2T1, 4T1 … capped at T2; Timer H gives up at 64×T1', () => {
    const { clock, sent, layer } = setup();
    const invite = req('INVITE');
    const m = layer.matchRequest(invite, invite.via[0]!, udp);
    assert.equal(m.kind, 'new');
    if (m.kind !== 'new') return;
    let timedOut = false;
    m.tx.onTimeout = () => (timedOut = true);
    m.tx.respond(createResponse(invite, invite.via[0]!, 486, { toTag: 'x' }), 486);
    clock.advance(64 * T1 + 1);
    const times = sent.map((s) => s.at);
    assert.deepEqual(times.slice(0, 6), [0, 500, 1500, 3500, 7500, 11500]);
    for (let i = 4; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, T2);
    assert.ok(timedOut);
    assert.equal(m.tx.state, 'terminated');
    assert.equal(layer.serverCount, 0);
  });

  test('INVITE retransmission re-sends the last response; ACK stops Timer G and Timer I ends it', () => {
    const { clock, sent, layer } = setup();
    const invite = req('INVITE');
    const m = layer.matchRequest(invite, invite.via[0]!, udp);
    if (m.kind !== 'new') assert.fail();
    m.tx.respond(createResponse(invite, invite.via[0]!, 180, { toTag: 'x' }), 180);
    assert.equal(layer.matchRequest(invite, invite.via[0]!, udp).kind, 'absorbed');
    assert.equal(sent.length, 2);
    assert.match(sent[1]!.data, /^SIP\/2.0 180/);
    m.tx.respond(createResponse(invite, invite.via[0]!, 404, { toTag: 'x' }), 404);
    assert.equal(layer.matchRequest(req('ACK', 'z9hG4bK-abc', 'ACK'), invite.via[0]!, udp).kind, 'absorbed');
    assert.equal(m.tx.state, 'confirmed');
    const n = sent.length;
    clock.advance(T4 - 1);
    assert.equal(m.tx.state, 'confirmed');
    assert.equal(sent.length, n, 'no retransmission after ACK');
    clock.advance(1);
    assert.equal(m.tx.state, 'terminated');
  });

  test('2xx: Accepted state absorbs INVITE retransmissions until Timer L; the 2xx ACK goes to the core', () => {
    const { clock, sent, layer } = setup();
    const invite = req('INVITE');
    const m = layer.matchRequest(invite, invite.via[0]!, udp);
    if (m.kind !== 'new') assert.fail();
    m.tx.respond(createResponse(invite, invite.via[0]!, 200, { toTag: 'x' }), 200);
    assert.equal(m.tx.state, 'accepted');
    assert.equal(layer.matchRequest(invite, invite.via[0]!, udp).kind, 'absorbed');
    assert.equal(sent.length, 1, 'the transaction itself does not re-send a 2xx');
    assert.equal(layer.matchRequest(req('ACK', 'z9hG4bK-other', 'ACK'), invite.via[0]!, udp).kind, 'ack');
    clock.advance(64 * T1);
    assert.equal(layer.serverCount, 0);
  });
});

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  test('retransmitted request gets the final response again; Timer J = 64×T1 on UDP, 0 on TCP', () => {
    for (const [dest, j] of [[udp, 64 * T1], [tcp, 0]] as const) {
      const { clock, sent, layer } = setup();
      const bye = req('BYE');
      const m = layer.matchRequest(bye, bye.via[0]!, dest);
      if (m.kind !== 'new') assert.fail();
      m.tx.respond(createResponse(bye, bye.via[0]!, 200), 200);
      if (j > 0) {
        assert.equal(layer.matchRequest(bye, bye.via[0]!, dest).kind, 'absorbed');
        assert.equal(sent.length, 2);
        clock.advance(j - 1);
        assert.equal(layer.serverCount, 1);
      }
      clock.advance(1);
      assert.equal(layer.serverCount, 0);
    }
  });

  test('a bare magic-cookie branch falls back to RFC 2543 matching (RFC 4475 §3.2.1)', () => {
    const { layer } = setup();
    const a = req('OPTIONS', 'z9hG4bK');
    const m = layer.matchRequest(a, a.via[0]!, udp);
    assert.equal(m.kind, 'new');
    assert.equal(layer.matchRequest(req('OPTIONS', 'z9hG4bK'), a.via[0]!, udp).kind, 'absorbed');
  });

  test('merged request (same From tag, Call-ID, CSeq, other branch) is detected (§8.2.2.2)', () => {
    const { layer } = setup();
    const a = req('OPTIONS', 'z9hG4bK-one');
    assert.equal(layer.matchRequest(a, a.via[0]!, udp).kind, 'new');
    const b = req('OPTIONS', 'z9hG4bK-two');
    assert.equal(layer.matchRequest(b, b.via[0]!, udp).kind, 'merged');
  });
});

function clientRequest(method: string, branch: string) {
  const h = new SipHeaders()
    .append('Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${branch}`)
    .append('From', '<sip:vm@127.0.0.1>;tag=f1')
    .append('To', '<sip:100@127.0.0.1>')
    .append('Call-ID', 'c1')
    .append('CSeq', `1 ${method}`)
    .append('Max-Forwards', '70');
  return { method, requestUri: 'sip:100@127.0.0.1:5061', headers: h, body: Buffer.alloc(0), branch };
}

describe('client transactions (RFC 3261 §17.1)', () => {
  test('non-INVITE: Timer E at T1, 2T1, 4T1, then T2; Timer F times out at 64×T1', () => {
    const { clock, sent, layer } = setup();
    let timeout = 0;
    layer.sendRequest(clientRequest('BYE', 'z9hG4bK-c1'), udp, { onResponse: () => {}, onTimeout: () => timeout++ });
    clock.advance(64 * T1);
    const times = sent.map((s) => s.at);
    assert.deepEqual(times.slice(0, 5), [0, 500, 1500, 3500, 7500]);
    for (let i = 5; i < times.length; i++) assert.equal(times[i]! - times[i - 1]!, T2);
    assert.equal(timeout, 1);
    assert.equal(layer.clientCount, 0);
  });

  test('non-INVITE: a final response stops retransmission; Timer K = T4 on UDP', () => {
    const { clock, sent, layer } = setup();
    const responses: number[] = [];
    layer.sendRequest(clientRequest('BYE', 'z9hG4bK-c2'), udp, { onResponse: (r) => responses.push(r.status), onTimeout: () => assert.fail() });
    clock.advance(600);
    assert.ok(layer.matchResponse(res(200, 'BYE', 'z9hG4bK-c2')));
    const n = sent.length;
    clock.advance(T4);
    assert.equal(sent.length, n);
    assert.deepEqual(responses, [200]);
    assert.equal(layer.clientCount, 0);
  });

  test('INVITE: Timer A doubles without cap; a 486 is ACKed on the same branch and re-ACKed on retransmission', () => {
    const { clock, sent, layer } = setup();
    layer.sendRequest(clientRequest('INVITE', 'z9hG4bK-c3'), udp, { onResponse: () => {}, onTimeout: () => assert.fail() });
    clock.advance(7500);
    assert.deepEqual(sent.map((s) => s.at), [0, 500, 1500, 3500, 7500]);
    assert.ok(layer.matchResponse(res(486, 'INVITE', 'z9hG4bK-c3')));
    const ack = sent.at(-1)!.data;
    assert.match(ack, /^ACK sip:100@127.0.0.1:5061 SIP\/2.0\r\n/);
    assert.match(ack, /branch=z9hG4bK-c3/);
    assert.match(ack, /CSeq: 1 ACK/);
    assert.match(ack, /To: <sip:100@127.0.0.1>;tag=t9/);
    layer.matchResponse(res(486, 'INVITE', 'z9hG4bK-c3'));
    assert.equal(sent.at(-1)!.data, ack);
    clock.advance(64 * T1);
    assert.equal(layer.clientCount, 0);
  });

  test('INVITE: Timer B gives up after 64×T1 without any response', () => {
    const { clock, layer } = setup();
    let timeout = 0;
    layer.sendRequest(clientRequest('INVITE', 'z9hG4bK-c4'), udp, { onResponse: () => {}, onTimeout: () => timeout++ });
    clock.advance(64 * T1);
    assert.equal(timeout, 1);
  });
});
