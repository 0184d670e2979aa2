import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { IncomingCall, SipApplication, SipStack } from '../../../src/sip/index.js';
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';
import { waitFor } from '../../support/wait.js';

/**
 * Under load the datagrams read together are handled in-dialog first and new INVITEs after
 * them (SipStack.startNewCall): an ACK — which starts a caller's greeting — does not wait
 * behind a burst of new calls. Driven over real UDP from this process, so that everything
 * sent before the test yields is read by the server in one event-loop turn.
 */
describe('SIP stack: new calls after the in-dialog work read with them', () => {
  let stack: SipStack;
  let c: UdpClient;
  let port: number;
  const inner = new TestApp({ users: ['100'] });
  /** What the application saw, in order, across calls. */
  const order: string[] = [];
  const app: SipApplication = {
    onInvite(call: IncomingCall) {
      order.push(`invite ${call.callId}`);
      call.on('ack', () => order.push(`ack ${call.callId}`));
      inner.onInvite(call);
    },
  };
  const req = (method: string, callId: string, cseq: number, branch: string, toTag?: string, body?: string): string =>
    rawRequest({ method, host: '127.0.0.1', port, clientPort: c.port, callId, branch, cseq, ...(toTag ? { toTag } : {}), ...(body ? { body } : {}) });

  before(async () => {
    await inner.start();
    stack = await startStack(app, { timers: { t1: 50, t2: 400, t4: 500 } });
    port = portOf(stack);
    c = await UdpClient.open();
  });
  after(async () => {
    c.close();
    await stack.close();
    inner.close();
  });

  test('an ACK read together with three new INVITEs reaches its call before any of them reaches the application', async () => {
    c.send(req('INVITE', 'first', 1, 'z9hG4bK-f1', undefined, sdpOffer(40000)), port);
    const ok = await c.waitFor((m) => statusOf(m) === 200 && m.includes('Call-ID: first'), 2000);
    assert.ok(ok, 'the first call was answered');
    const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))![1]!;
    // No await in between: one read of the server's socket takes all four.
    for (const n of [1, 2, 3]) c.send(req('INVITE', `new-${String(n)}`, 1, `z9hG4bK-n${String(n)}`, undefined, sdpOffer(40000 + 2 * n)), port);
    c.send(req('ACK', 'first', 1, 'z9hG4bK-f1ack', toTag), port);
    await waitFor(() => order.length === 5, 3000, () => order.join(', '));
    assert.deepEqual(order, ['invite first', 'ack first', 'invite new-1', 'invite new-2', 'invite new-3'], 'the ACK first, then the new calls in the order they came');
    for (const n of [1, 2, 3]) {
      const answered = await c.waitFor((m) => statusOf(m) === 200 && m.includes(`Call-ID: new-${String(n)}`), 2000);
      assert.ok(answered, `new-${String(n)} answered`);
    }
  });

  test('beyond maxWaitingNewCalls waiting, a new INVITE gets 503 with Retry-After at once; those within it are answered', async () => {
    const small = await startStack(app, { limits: { maxWaitingNewCalls: 2 } });
    try {
      const p = portOf(small);
      const seen = order.length;
      for (const n of [1, 2, 3, 4]) c.send(rawRequest({ method: 'INVITE', host: '127.0.0.1', port: p, clientPort: c.port, callId: `cap-${String(n)}`, branch: `z9hG4bK-cap${String(n)}`, cseq: 1, body: sdpOffer(40040 + 2 * n) }), p);
      for (const n of [1, 2]) assert.ok(await c.waitFor((m) => statusOf(m) === 200 && m.includes(`Call-ID: cap-${String(n)}`), 2000), `cap-${String(n)} answered`);
      for (const n of [3, 4]) {
        const busy = await c.waitFor((m) => statusOf(m) === 503 && m.includes(`Call-ID: cap-${String(n)}`), 2000);
        assert.ok(busy, `cap-${String(n)} refused`);
        assert.match(busy.toString('latin1'), /\r\nRetry-After: 5\r\n/, 'with Retry-After');
      }
      assert.deepEqual(order.slice(seen).filter((e) => e.startsWith('invite')), ['invite cap-1', 'invite cap-2'], 'only those within the bound reached the application');
    } finally {
      await small.close();
    }
  });

  test('a new INVITE cancelled before its turn never reaches the application: 487 to the INVITE, 200 to the CANCEL', async () => {
    const before = order.length;
    const invite = req('INVITE', 'cancelled', 1, 'z9hG4bK-c1', undefined, sdpOffer(40020));
    c.send(invite, port);
    c.send(req('CANCEL', 'cancelled', 1, 'z9hG4bK-c1'), port);
    const r487 = await c.waitFor((m) => statusOf(m) === 487 && m.includes('Call-ID: cancelled'), 2000);
    assert.ok(r487, 'the INVITE got 487 Request Terminated');
    assert.ok(
      c.received.some((m) => statusOf(m) === 200 && m.includes('CSeq: 1 CANCEL')),
      'the CANCEL got 200',
    );
    // Give a stray start every chance to happen before looking.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(order.length, before, `the application saw nothing of it (${order.slice(before).join(', ')})`);
    assert.ok(!c.received.some((m) => statusOf(m) === 200 && m.includes('Call-ID: cancelled') && m.includes('CSeq: 1 INVITE')), 'no 200 to the cancelled INVITE');
  });
});
