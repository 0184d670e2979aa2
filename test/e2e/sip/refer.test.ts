/**
 * REFER from the callee after answering (RFC 3515), and the NOTIFYs that report on it.
 *
 * - SIPp as the caller (test/fixtures/sipp/uac-refer.xml): INVITE/200/ACK, our REFER,
 *   202, its NOTIFY with a `SIP/2.0 200 OK` sipfrag, our 200, then our BYE — the test
 *   application hangs up when the NOTIFY reports success, as a transferor does.
 * - A raw UDP caller for the other answers: REFER declined (603), never answered (408
 *   after Timer F), NOTIFY before any REFER (481), for another event package (489),
 *   provisional and final sipfrags, refer() misuse.
 * Needs `sipp` (Debian sip-tester). Run: npx tsx --test test/e2e/sip/refer.test.ts
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { IncomingCall, ReferNotify, SipApplication, SipStack } from '../../../src/sip/index.js';
import { killChildren } from '../../support/child-processes.js';
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { assertSippOk, received, regexpChecks, runSipp, sippFixture } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';
import { waitFor } from '../../support/wait.js';
import { drained, SHORT_TIMERS } from './sipp-suite.js';

const TARGET = 'sip:operator@127.0.0.1:5999';

/** TestApp that transfers every answered call to TARGET (or not, with `refer: false`). */
class ReferApp implements SipApplication {
  readonly inner = new TestApp({ users: ['100'] });
  readonly calls: IncomingCall[] = [];
  readonly referResults: Promise<{ status: number }>[] = [];
  readonly notifies: { status: number; detail: ReferNotify }[] = [];

  constructor(private readonly options: { refer: boolean; hangupOnSuccess: boolean }) {}

  onInvite(call: IncomingCall): void {
    this.calls.push(call);
    this.inner.onInvite(call);
    call.on('notify', (status, detail) => {
      this.notifies.push({ status, detail });
      if (this.options.hangupOnSuccess && status >= 200 && status < 300) call.hangup();
    });
    if (this.options.refer) call.on('ack', () => this.referResults.push(call.refer(TARGET, { referredBy: '"Voicemail" <sip:100@127.0.0.1>' })));
  }
}

describe('REFER after answering', () => {
  let stack: SipStack | null = null;
  let app: ReferApp | null = null;
  let client: UdpClient | null = null;

  const start = async (options: { refer: boolean; hangupOnSuccess: boolean }): Promise<{ stack: SipStack; app: ReferApp }> => {
    app = new ReferApp(options);
    await app.inner.start();
    stack = await startStack(app, { timers: SHORT_TIMERS });
    return { stack, app };
  };
  afterEach(async () => {
    await killChildren();
    client?.close();
    client = null;
    await stack?.close();
    app?.inner.close();
    stack = null;
    app = null;
  });

  test('SIPp: REFER → 202, NOTIFY (sipfrag 200) → 200, then our BYE', async () => {
    const p = await start({ refer: true, hangupOnSuccess: true });
    const r = await runSipp({
      scenario: sippFixture('uac-refer'),
      target: { host: '127.0.0.1', port: portOf(p.stack) },
      service: '100',
      edits: regexpChecks('extra-refer-checks', [
        // (no <, >, " in SIPp regexps: XML; '.' stands for them)
        { name: 'referredby', header: 'Referred-By:', regexp: '^ *.Voicemail. .sip:100@127[.]0[.]0[.]1.$' },
        { name: 'refertarget', header: 'Refer-To:', regexp: '^ *.sip:operator@127[.]0[.]0[.]1:5999.$' },
      ]),
    });
    assertSippOk(r);
    assert.equal(p.app.referResults.length, 1);
    assert.deepEqual(await p.app.referResults[0], { status: 202 });
    assert.equal(p.app.notifies.length, 1, r.summary());
    const n = p.app.notifies[0]!;
    assert.equal(n.status, 200);
    assert.equal(n.detail.subscriptionState, 'terminated');
    assert.equal(n.detail.id, null);

    // The REFER is an in-dialog request of ours: our tag in From, theirs in To, a Contact.
    const refer = received(r, /^REFER /)[0];
    assert.ok(refer, r.summary());
    assert.match(refer.startLine, /^REFER sip:sipp@127\.0\.0\.1:\d+;transport=UDP SIP\/2\.0$/);
    assert.match(refer.header('From')[0] ?? '', new RegExp(`;tag=${p.app.calls[0]!.localTag}$`));
    assert.match(refer.header('To')[0] ?? '', /SIPpTag/);
    assert.match(refer.header('Contact')[0] ?? '', /^<sip:100@127\.0\.0\.1:\d+>$/);
    assert.match(refer.header('CSeq')[0] ?? '', /^\d+ REFER$/);

    await waitFor(() => p.app.inner.ended().length === 1, 5000, () => JSON.stringify([...p.app.inner.calls.values()]));
    assert.deepEqual(p.app.inner.ended()[0]!.events, ['invite', 'answered', 'ack', 'terminated:local-bye']);
    await drained(p.stack);
  });

  describe('raw UDP caller', () => {
    const callId = 'refer-raw-1';
    let port = 0;
    let toTag = '';
    const req = (c: UdpClient, method: string, cseq: number, extra = '', body?: string, contentType?: string): string =>
      rawRequest({ method, host: '127.0.0.1', port, clientPort: c.port, callId, branch: `z9hG4bK-refer-${method}-${String(cseq)}`, cseq, toTag, extra, ...(body !== undefined ? { body, contentType } : {}) });

    /** INVITE → 200 → ACK; returns the established call. */
    const establish = async (p: { stack: SipStack; app: ReferApp }): Promise<{ c: UdpClient; call: IncomingCall }> => {
      port = portOf(p.stack);
      const c = await UdpClient.open();
      client = c;
      toTag = '';
      c.send(req(c, 'INVITE', 1, '', sdpOffer(40000)), port);
      const ok = await c.waitFor((m) => statusOf(m) === 200 && m.includes('CSeq: 1 INVITE'), 2000);
      assert.ok(ok, 'no 200 to the INVITE');
      toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok.toString('latin1'))![1]!;
      c.send(req(c, 'ACK', 1), port);
      const call = p.app.calls[0]!;
      await waitFor(() => call.state === 'confirmed', 2000, () => `the call to be confirmed (${call.state})`);
      return { c, call };
    };

    /** Wait for our REFER and answer it with `status`. */
    const answerRefer = async (c: UdpClient, status: number, reason: string): Promise<string> => {
      const m = await c.waitFor((x) => x.toString('latin1').startsWith('REFER '), 2000);
      assert.ok(m, 'no REFER came');
      const text = m.toString('latin1');
      const copy = (name: string): string => text.split('\r\n').filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`)).join('\r\n');
      c.send(`SIP/2.0 ${String(status)} ${reason}\r\n${copy('Via')}\r\n${copy('From')}\r\n${copy('To')}\r\n${copy('Call-ID')}\r\n${copy('CSeq')}\r\nContent-Length: 0\r\n\r\n`, port);
      return text;
    };

    const notify = async (c: UdpClient, cseq: number, event: string, sipfrag: string, state = 'active;expires=60', branchTag = ''): Promise<number> => {
      c.received.length = 0;
      const text = req(c, 'NOTIFY', cseq, `Event: ${event}\r\nSubscription-State: ${state}\r\n`, sipfrag, 'message/sipfrag;version=2.0');
      c.send(text.replace(`z9hG4bK-refer-NOTIFY-${String(cseq)}`, `z9hG4bK-refer-NOTIFY-${String(cseq)}${branchTag}`), port);
      const res = await c.waitFor((m) => (statusOf(m) ?? 0) >= 200 && m.includes(`CSeq: ${String(cseq)} NOTIFY`), 2000);
      assert.ok(res, `no response to NOTIFY ${String(cseq)}`);
      return statusOf(res)!;
    };

    test('NOTIFY before any REFER: 481; REFER declined: 603', async () => {
      const p = await start({ refer: false, hangupOnSuccess: false });
      const { c, call } = await establish(p);
      assert.equal(await notify(c, 2, 'refer', 'SIP/2.0 200 OK\r\n'), 481);
      const result = call.refer('<sip:operator@127.0.0.1:5999;user=phone>');
      const referText = await answerRefer(c, 603, 'Declined');
      assert.deepEqual(await result, { status: 603 });
      assert.match(referText, /\r\nRefer-To: <sip:operator@127\.0\.0\.1:5999;user=phone>\r\n/);
      assert.doesNotMatch(referText, /\r\nReferred-By:/);
      assert.equal(call.state, 'confirmed', 'a declined transfer leaves the call up');
    });

    test('NOTIFY for another event package: 489; sipfrag 100 then 200 surface as notify events', async () => {
      const p = await start({ refer: false, hangupOnSuccess: false });
      const { c, call } = await establish(p);
      const result = call.refer(TARGET);
      await answerRefer(c, 202, 'Accepted');
      assert.deepEqual(await result, { status: 202 });
      assert.equal(await notify(c, 2, 'presence', 'SIP/2.0 200 OK\r\n'), 489);
      assert.equal(await notify(c, 3, 'refer', 'SIP/2.0 100 Trying\r\n'), 200);
      assert.equal(await notify(c, 4, 'refer;id=93', 'SIP/2.0 200 OK\r\n', 'terminated;reason=noresource'), 200);
      assert.equal(await notify(c, 5, 'refer', 'not a status line'), 200, 'answered, but not surfaced');
      assert.deepEqual(
        p.app.notifies.map((n) => [n.status, n.detail.id, n.detail.subscriptionState]),
        [
          [100, null, 'active'],
          [200, 93, 'terminated'],
        ],
      );
      // NOTIFY CSeq ordering is the dialog's: an old one (a new transaction) is 500.
      assert.equal(await notify(c, 4, 'refer', 'SIP/2.0 200 OK\r\n', 'active', '-again'), 500);
    });

    test('REFER never answered: 408 after Timer F', async () => {
      const p = await start({ refer: false, hangupOnSuccess: false });
      const { c, call } = await establish(p);
      const t0 = Date.now();
      const result = await Promise.all([call.refer(TARGET), c.waitFor((x) => x.toString('latin1').startsWith('REFER '), 2000)]);
      assert.deepEqual(result[0], { status: 408 });
      assert.ok(Date.now() - t0 >= 64 * SHORT_TIMERS.t1 - 100, 'Timer F is 64×T1');
      // Retransmitted over UDP meanwhile (Timer E).
      assert.ok(c.received.filter((m) => m.toString('latin1').startsWith('REFER ')).length > 1);
    });

    test('refer() misuse: bad target rejects; an ended call resolves 481', async () => {
      const p = await start({ refer: false, hangupOnSuccess: false });
      const { c, call } = await establish(p);
      await assert.rejects(call.refer('not a uri'), RangeError);
      await assert.rejects(call.refer('sip:a@b\r\nX-Injected: 1'), RangeError);
      await assert.rejects(call.refer(TARGET, { referredBy: '<broken' }), RangeError);
      c.send(req(c, 'BYE', 2), port);
      await waitFor(() => call.state === 'terminated', 2000, () => call.state);
      assert.deepEqual(await call.refer(TARGET), { status: 481 });
    });
  });
});
