import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { notFoundApplication, type SipStack } from '../../../src/sip/index.js';
import { portOf, startStack } from '../../support/stack.js';
import { TORTURE_CASES, TORTURE_DIR } from '../../support/torture.js';
import { UdpClient, optionsRequest, statusOf } from '../../support/udp-client.js';

/**
 * Every torture message sent over UDP to a running server: the response the RFC
 * expects (or none), and the server still answers OPTIONS after each one.
 */
describe('torture messages against the running server (UDP)', () => {
  let stack: SipStack;
  let port: number;

  before(async () => {
    stack = await startStack(notFoundApplication, { timers: { t1: 5, t2: 40, t4: 50 } });
    port = portOf(stack);
  });
  after(async () => stack.close());

  for (const tc of TORTURE_CASES) {
    test(`${tc.file} → ${tc.reply.join(' or ')}`, async () => {
      // Several files reuse one branch and sent-by: let the last transaction end first,
      // or this message would (rightly) be absorbed as its retransmission (§17.2.3).
      while (stack.stats().serverTransactions > 0) await new Promise((r) => setTimeout(r, 20));
      const client = await UdpClient.open();
      try {
        client.send(readFileSync(path.join(TORTURE_DIR, tc.file)), port);
        const res = await client.waitFor((m) => statusOf(m) !== null && statusOf(m)! >= 200, tc.reply.includes('none') ? 400 : 2000);
        const got = res ? statusOf(res)! : 'none';
        assert.ok(tc.reply.includes(got), `expected ${tc.reply.join(' or ')}, got ${got}${res ? `: ${res.toString('latin1').split('\r\n')[0]}` : ''}`);
        if (res) {
          // A response copies Call-ID and CSeq from the request (§8.2.6.2).
          const text = res.toString('latin1');
          assert.match(text, /\r\nCSeq: /);
          assert.match(text, /\r\nContent-Length: \d+\r\n/);
        }
        // The server lives on.
        const callId = `alive-${path.basename(tc.file)}`;
        client.send(optionsRequest(port, callId, client.port), port);
        const ok = await client.waitFor((m) => statusOf(m) === 200 && m.includes(callId), 2000);
        assert.ok(ok, 'server stopped answering OPTIONS');
      } finally {
        client.close();
      }
    });
  }

  test('nothing goes to the broadcast address in bcast.dat', async () => {
    // bcast.dat is a stray response: we answer nothing and send nothing anywhere.
    const client = await UdpClient.open();
    client.send(readFileSync(path.join(TORTURE_DIR, 'rfc4475/bcast.dat')), port);
    assert.equal(await client.waitFor(() => true, 300), null);
    client.close();
  });

  test('transactions and dialogs are released after the timers run', async () => {
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(stack.stats(), { serverTransactions: 0, clientTransactions: 0, dialogs: 0, tcpConnections: 0 });
  });
});

describe('framing errors on TCP close the connection (RFC 4475 §3.3.9)', () => {
  let stack: SipStack;
  before(async () => {
    stack = await startStack(notFoundApplication);
  });
  after(async () => stack.close());

  for (const file of ['rfc4475/mcl01.dat', 'rfc4475/ncl.dat']) {
    test(`${file} over TCP → 400, then the connection closes`, async () => {
      const sock = net.connect(portOf(stack, 'tcp'), '127.0.0.1');
      const chunks: Buffer[] = [];
      sock.on('data', (d) => chunks.push(d));
      const closed = new Promise<void>((r) => sock.on('close', () => r()));
      sock.on('error', () => {});
      sock.write(readFileSync(path.join(TORTURE_DIR, file)));
      await closed;
      assert.match(Buffer.concat(chunks).toString('latin1'), /^SIP\/2\.0 400 /);
    });
  }
});
