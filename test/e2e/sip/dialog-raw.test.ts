import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipStack } from '../../../src/sip/index.js';
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';

/**
 * In-dialog behaviour driven by hand over UDP (RFC 3261 §12, §14; RFC 3264 §8; RFC 3311):
 * re-INVITE for hold and resume, UPDATE, INFO, CSeq ordering, 481 for unknown dialogs.
 */
describe('dialog: re-INVITE, UPDATE, INFO, CSeq order', () => {
  let stack: SipStack;
  const app = new TestApp({ users: ['100'] });
  let c: UdpClient;
  let port: number;
  const callId = 'dialog-raw-1';
  let toTag = '';
  const req = (method: string, cseq: number, branch: string, body?: string, contentType?: string) =>
    rawRequest({ method, host: '127.0.0.1', port, clientPort: c.port, callId, branch, cseq, toTag, ...(body ? { body } : {}), ...(contentType ? { contentType } : {}) });
  const exchange = async (text: string, cseq: number, method: string): Promise<string> => {
    c.received.length = 0;
    c.send(text, port);
    const r = await c.waitFor((m) => (statusOf(m) ?? 0) >= 200 && m.includes(`CSeq: ${cseq} ${method}`), 2000);
    assert.ok(r, `no final response to ${method} ${cseq}`);
    return r.toString('latin1');
  };
  const version = (res: string) => /\r\no=\S+ \S+ (\d+) /.exec(res)?.[1];

  before(async () => {
    await app.start();
    stack = await startStack(app, { timers: { t1: 50, t2: 400, t4: 500 } });
    port = portOf(stack);
    c = await UdpClient.open();
  });
  after(async () => {
    c.close();
    await stack.close();
    app.close();
  });

  let firstVersion: string | undefined;

  test('INVITE → 200 → ACK establishes the dialog', async () => {
    const res = await exchange(req('INVITE', 1, 'z9hG4bK-d1', sdpOffer(40000)), 1, 'INVITE');
    assert.match(res, /^SIP\/2\.0 200 OK/);
    toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(res)![1]!;
    firstVersion = version(res);
    assert.ok(firstVersion);
    c.send(req('ACK', 1, 'z9hG4bK-d1ack'), port);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(app.calls.get(callId)?.events, ['invite', 'answered', 'ack']);
  });

  test('re-INVITE putting us on hold (sendonly) → 200 with recvonly and o= version + 1', async () => {
    const res = await exchange(req('INVITE', 2, 'z9hG4bK-d2', sdpOffer(40000, 'sendonly', 2)), 2, 'INVITE');
    assert.match(res, /^SIP\/2\.0 200 OK/);
    assert.match(res, /\r\na=recvonly\r\n/);
    assert.equal(version(res), String(Number(firstVersion) + 1));
    c.send(req('ACK', 2, 'z9hG4bK-d2ack'), port);
  });

  test('UPDATE resuming (sendrecv) → 200 with sendrecv and version + 2', async () => {
    const res = await exchange(req('UPDATE', 3, 'z9hG4bK-d3', sdpOffer(40000, 'sendrecv', 3)), 3, 'UPDATE');
    assert.match(res, /^SIP\/2\.0 200 OK/);
    assert.match(res, /\r\na=sendrecv\r\n/);
    assert.equal(version(res), String(Number(firstVersion) + 2));
  });

  test('re-INVITE with unchanged media → same SDP, same version (RFC 3264 §8)', async () => {
    const res = await exchange(req('INVITE', 4, 'z9hG4bK-d4', sdpOffer(40000, 'sendrecv', 3)), 4, 'INVITE');
    assert.equal(version(res), String(Number(firstVersion) + 2));
    c.send(req('ACK', 4, 'z9hG4bK-d4ack'), port);
  });

  test('re-INVITE offering only G.729 → 488, the dialog survives', async () => {
    const g729 = sdpOffer(40000).replace('RTP/AVP 0 101', 'RTP/AVP 18');
    const res = await exchange(req('INVITE', 5, 'z9hG4bK-d5', g729), 5, 'INVITE');
    assert.match(res, /^SIP\/2\.0 488 /);
    c.send(req('ACK', 5, 'z9hG4bK-d5'), port);
  });

  test('INFO with DTMF relay → 200, passed up to the application', async () => {
    const res = await exchange(req('INFO', 6, 'z9hG4bK-d6', 'Signal=7\r\nDuration=160\r\n', 'application/dtmf-relay'), 6, 'INFO');
    assert.match(res, /^SIP\/2\.0 200 OK/);
    assert.deepEqual(app.calls.get(callId)?.infoBodies, ['Signal=7\r\nDuration=160\r\n']);
  });

  test('a request with a lower CSeq than the last one → 500 (§12.2.2)', async () => {
    const res = await exchange(req('INFO', 3, 'z9hG4bK-d7', 'Signal=1\r\nDuration=160\r\n', 'application/dtmf-relay'), 3, 'INFO');
    assert.match(res, /^SIP\/2\.0 500 /);
  });

  test('BYE for another To tag → 481; the real BYE → 200 and the call ends', async () => {
    const saved = toTag;
    toTag = 'not-ours';
    assert.match(await exchange(req('BYE', 8, 'z9hG4bK-d8'), 8, 'BYE'), /^SIP\/2\.0 481 /);
    toTag = saved;
    assert.match(await exchange(req('BYE', 9, 'z9hG4bK-d9'), 9, 'BYE'), /^SIP\/2\.0 200 OK/);
    assert.deepEqual(app.calls.get(callId)?.events, ['invite', 'answered', 'ack', 'info', 'bye', 'terminated:remote-bye']);
    await new Promise((r) => setTimeout(r, 3500));
    assert.deepEqual(stack.stats(), { serverTransactions: 0, clientTransactions: 0, dialogs: 0, tcpConnections: 0 });
  });
});
