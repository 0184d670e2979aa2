import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../../../src/shared/clock.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { parseNotifyTarget, sendOutOfDialogNotify } from '../../../../src/sip/subscription/out-of-dialog-notify.js';
import { transactionTimers } from '../../../../src/sip/transaction/timers.js';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.js';
import type { BoundAddress, Destination } from '../../../../src/sip/transport/types.js';
import { bodyOf, header, parse } from './harness.js';
import type { SipResponse } from '../../../../src/sip/message/types.js';

function host(bound: BoundAddress[] = [{ transport: 'udp', host: '127.0.0.1', port: 5060 }]) {
  const clock = new ManualClock();
  const sent: { text: string; dest: Destination }[] = [];
  const timers = transactionTimers({ t1: 500, t2: 4000, t4: 5000 });
  const layer = new TransactionLayer({ transport: { send: (d, dest) => sent.push({ text: d.toString('latin1'), dest }) }, clock, timers, log: silentLogger(), maxTransactions: 100 });
  return {
    clock,
    sent,
    layer,
    host: {
      clock,
      timers,
      userAgent: 'UT',
      boundAddresses: bound,
      sendRequest: (r: Parameters<TransactionLayer['sendRequest']>[0], d: Destination, h: Parameters<TransactionLayer['sendRequest']>[2]) => void layer.sendRequest(r, d, h),
      localContactAddress: (f: { transport: 'udp' | 'tcp'; localAddress: string; localPort: number }) => ({ transport: f.transport, host: f.localAddress, port: f.localPort }),
    },
  };
}

describe('unsolicited NOTIFY (out of dialog)', () => {
  test('targets: sip: with an IP literal, default port 5060, UDP unless transport=tcp', () => {
    assert.deepEqual(parseNotifyTarget('sip:phone@192.0.2.5'), { ok: true, value: { requestUri: 'sip:phone@192.0.2.5', transport: 'udp', address: '192.0.2.5', port: 5060 } });
    const v6 = parseNotifyTarget('sip:phone@[2001:db8::5]:5070;transport=TCP');
    assert.ok(v6.ok);
    assert.deepEqual([v6.value.address, v6.value.port, v6.value.transport], ['2001:db8::5', 5070, 'tcp']);
    for (const bad of ['sip:phone@phone.example', 'sips:phone@192.0.2.5', 'tel:+100', 'sip:p@192.0.2.5?Subject=x', 'sip:p@192.0.2.5;transport=sctp', 'nonsense']) {
      assert.equal(parseNotifyTarget(bad).ok, false, bad);
    }
  });

  test('the request on the wire; resolves with the final status', async () => {
    const h = host();
    const p = sendOutOfDialogNotify(h.host, 'sip:phone@192.0.2.5:5070', 'Messages-Waiting: yes\r\n', { event: 'message-summary', fromUser: '100' });
    const [first] = h.sent;
    assert.ok(first);
    assert.deepEqual([first.dest.address, first.dest.port, first.dest.transport, first.dest.localPort], ['192.0.2.5', 5070, 'udp', 5060]);
    const n = first.text;
    assert.match(n, /^NOTIFY sip:phone@192\.0\.2\.5:5070 SIP\/2\.0\r\n/);
    assert.match(header(n, 'Via')!, /^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK[^;]+;rport$/);
    assert.match(header(n, 'From')!, /^<sip:100@127\.0\.0\.1>;tag=\S+$/);
    assert.equal(header(n, 'To'), '<sip:phone@192.0.2.5:5070>');
    assert.equal(header(n, 'CSeq'), '1 NOTIFY');
    assert.equal(header(n, 'Event'), 'message-summary');
    assert.equal(header(n, 'Subscription-State'), 'active');
    assert.equal(header(n, 'Content-Type'), 'application/simple-message-summary');
    assert.equal(header(n, 'Contact'), '<sip:100@127.0.0.1:5060>');
    assert.equal(bodyOf(n), 'Messages-Waiting: yes\r\n');
    const copy = (name: string): string => n.split('\r\n').filter((l) => l.startsWith(`${name}:`)).join('\r\n');
    const res = parse(`SIP/2.0 200 OK\r\n${copy('Via')}\r\n${copy('From')}\r\n${copy('To')};tag=ph\r\n${copy('Call-ID')}\r\n${copy('CSeq')}\r\nContent-Length: 0\r\n\r\n`);
    assert.ok(h.layer.matchResponse(res as SipResponse));
    assert.deepEqual(await p, { status: 200 });
  });

  test('no answer: retransmitted, then 408 at Timer F', async () => {
    const h = host();
    const p = sendOutOfDialogNotify(h.host, 'sip:phone@192.0.2.5', 'x', { event: 'message-summary' });
    h.clock.advance(64 * 500);
    assert.deepEqual(await p, { status: 408 });
    assert.ok(h.sent.length > 5);
    assert.match(header(h.sent[0]!.text, 'From')!, /^<sip:voxmail@/);
  });

  test('refused before sending: DNS name, no socket of that family, unknown package, header injection', async () => {
    const h = host();
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@phone.example', 'x', { event: 'message-summary' }), RangeError);
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@[::1]', 'x', { event: 'message-summary' }), /not listening/);
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@192.0.2.5;transport=tcp', 'x', { event: 'message-summary' }), /not listening/);
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@192.0.2.5', 'x', { event: 'presence' }), /no content type/);
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@192.0.2.5', 'x', { event: 'message-summary', fromUser: 'a\r\nX: 1' }), RangeError);
    await assert.rejects(sendOutOfDialogNotify(h.host, 'sip:p@192.0.2.5', 'x', { event: 'message-summary', subscriptionState: 'active\r\nX: 1' }), RangeError);
    assert.equal(h.sent.length, 0);
  });
});
