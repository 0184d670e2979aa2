import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { IncomingCall, SipStack } from '../../../src/sip/index.js';
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';

/** Timers that bound a call's life, and the glare rule of RFC 3261 §14.2. */
describe('call limits', () => {
  const stacks: SipStack[] = [];
  const clients: UdpClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of stacks) await s.close();
  });

  async function setup(app: { onInvite(call: IncomingCall): void }, opts: Parameters<typeof startStack>[1]) {
    const stack = await startStack(app, opts);
    stacks.push(stack);
    const c = await UdpClient.open();
    clients.push(c);
    const port = portOf(stack);
    const send = (method: string, cseq: number, branch: string, callId: string, toTag?: string, body?: string) =>
      c.send(rawRequest({ method, host: '127.0.0.1', port, clientPort: c.port, callId, branch, cseq, ...(toTag ? { toTag } : {}), ...(body ? { body } : {}) }), port);
    return { stack, c, send };
  }

  test('an application that never answers: 480 after the answer timeout', async () => {
    const ended: string[] = [];
    const { c, send } = await setup({ onInvite: (call) => call.on('terminated', (r) => ended.push(r)) }, { answerTimeoutMs: 300 });
    send('INVITE', 1, 'z9hG4bK-l1', 'limits-1', undefined, sdpOffer(40000));
    const res = await c.waitFor((m) => statusOf(m) === 480, 2000);
    assert.ok(res, 'no 480');
    assert.deepEqual(ended, ['no-answer']);
  });

  test('a call that outlives maxCallDurationMs is hung up with BYE', async () => {
    const app = new TestApp({ users: ['100'] });
    await app.start();
    const { c, send } = await setup(app, { maxCallDurationMs: 400 });
    send('INVITE', 1, 'z9hG4bK-l2', 'limits-2', undefined, sdpOffer(40000));
    const ok = await c.waitFor((m) => statusOf(m) === 200, 2000);
    assert.ok(ok);
    const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))![1]!;
    send('ACK', 1, 'z9hG4bK-l2a', 'limits-2', toTag);
    const bye = await c.waitFor((m) => m.toString('latin1').startsWith('BYE '), 3000);
    app.close();
    assert.ok(bye, 'no BYE from the server');
    const text = bye.toString('latin1');
    assert.match(text, /\r\nCall-ID: limits-2\r\n/);
    assert.match(text, new RegExp(`\\r\\nFrom: <sip:100@127.0.0.1>;tag=${toTag}\\r\\n`), 'From is our side of the dialog');
    // Their From, byte for byte (a UTF-8 display name included), is our To.
    assert.ok(bye.includes(Buffer.from('\r\nTo: "Тест" <sip:caller@127.0.0.1>;tag=caller-limits-2\r\n', 'utf8')), 'To is their From, byte-exact');
    assert.match(text, /^BYE sip:caller@127.0.0.1:\d+ SIP\/2.0\r\n/, 'BYE goes to the remote target (Contact)');
    assert.deepEqual(app.calls.get('limits-2')?.events.at(-1), 'terminated:max-duration');
  });

  test('re-INVITE while our 2xx is still unacknowledged → 491 Request Pending (§14.2)', async () => {
    const app = new TestApp({ users: ['100'] });
    await app.start();
    const { c, send } = await setup(app, { timers: { t1: 200, t2: 1600, t4: 2000 } });
    send('INVITE', 1, 'z9hG4bK-l3', 'limits-3', undefined, sdpOffer(40000));
    const ok = await c.waitFor((m) => statusOf(m) === 200, 2000);
    assert.ok(ok);
    const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))![1]!;
    send('INVITE', 2, 'z9hG4bK-l3b', 'limits-3', toTag, sdpOffer(40000, 'sendonly', 2));
    const pending = await c.waitFor((m) => statusOf(m) === 491, 2000);
    app.close();
    assert.ok(pending, 'no 491');
    assert.match(pending.toString('latin1'), /\r\nCSeq: 2 INVITE\r\n/);
  });

  test('shutdown: an INVITE still ringing gets 503 with Retry-After', async () => {
    const { stack, c, send } = await setup({ onInvite: (call) => call.progress(180) }, {});
    send('INVITE', 1, 'z9hG4bK-l4', 'limits-4', undefined, sdpOffer(40000));
    assert.ok(await c.waitFor((m) => statusOf(m) === 180, 2000), 'no 180');
    await stack.close();
    const res = await c.waitFor((m) => statusOf(m) === 503, 2000);
    assert.ok(res, 'no 503 on shutdown');
    assert.match(res.toString('latin1'), /\r\nRetry-After: 30\r\n/);
  });
});
