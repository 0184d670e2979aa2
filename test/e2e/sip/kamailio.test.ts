/**
 * Real peers: SIPp -> Kamailio 5.6 (stateful proxy, record_route/loose_route, from
 * ../shared/testdata/kamailio/kam.cfg) -> our stack, over UDP and over TCP end to end.
 *
 * Proves that our 2xx copies Record-Route (SIPp checks it and builds its route set from
 * it; without it the in-dialog requests would reach Kamailio with no Route and get its
 * 404), that in-dialog requests through the proxy are answered, and that our own BYE
 * follows the route set through the proxy (SIPp sees Kamailio's Via on top of ours).
 * Needs `sipp` (sip-tester) and `kamailio`.
 * Run: npx tsx --test test/e2e/sip/kamailio.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SipStack } from '../../../src/sip/index.js';
import { killChildren } from '../../support/child-processes.js';
import { Kamailio } from '../../support/kamailio.js';
import { assertSippOk, received, regexpChecks, runSipp, sippFixture, type SippMessage, type SippOptions, type SippResult } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp, type TestAppOptions } from '../../support/test-app.js';
import { drained, ended, SHORT_TIMERS } from './sipp-suite.js';

describe('SIPp through Kamailio to the stack', () => {
  let stack: SipStack | null = null;
  let kamailio: Kamailio | null = null;
  let app: TestApp | null = null;

  before(async () => {
    const s = await startStack({ onInvite: (c) => c.reject(503) }, { timers: SHORT_TIMERS });
    stack = s;
    kamailio = await Kamailio.start({ upstream: { host: '127.0.0.1', port: portOf(s, 'udp') }, upstreamTransport: 'same' });
  });

  after(async () => {
    app?.close();
    await kamailio?.stop();
    await stack?.close();
    await killChildren();
  });

  /** A fresh TestApp behind the shared stack for one test. */
  async function useApp(options: TestAppOptions): Promise<TestApp> {
    app?.close();
    app = new TestApp(options);
    await app.start();
    stack!.setApplication(app);
    return app;
  }

  function viaProxy(transport: 'udp' | 'tcp', o: Omit<SippOptions, 'target' | 'transport'>): Promise<SippResult> {
    return runSipp({ ...o, target: { host: '127.0.0.1', port: kamailio!.port }, transport });
  }

  /** SIPp fails the call unless the 2xx carries the proxy's Record-Route (loose routing). */
  function recordRouteChecks(): [string, string][] {
    return regexpChecks('extra-200-checks', [{ name: 'rr', header: 'Record-Route:', regexp: `sip:127\\.0\\.0\\.1:${String(kamailio!.port)}[^,]*;lr` }]);
  }

  function where(r: SippResult): string {
    return `${r.summary()}\nkamailio log:\n${kamailio!.log.slice(-3000)}`;
  }

  /** Our 200 to the INVITE (as SIPp received it) copied the proxy's Record-Route; SIPp's in-dialog requests carried Route. */
  function assertRouteSet(r: SippResult, inDialog: string[]): void {
    const ok = received(r, /^SIP\/2\.0 200/).find((m) => /^1 INVITE$/.test(m.header('CSeq')[0] ?? ''));
    assert.ok(ok, where(r));
    const rr = ok.header('Record-Route').join(',');
    assert.match(rr, new RegExp(`sip:127\\.0\\.0\\.1:${String(kamailio!.port)}`), `no Record-Route of the proxy in our 200\n${where(r)}`);
    for (const method of inDialog) {
      // In-dialog requests only (To has our tag): the initial INVITE has no route set yet.
      const sent = r.messages.filter((m: SippMessage) => m.direction === 'sent' && m.startLine.startsWith(`${method} `) && /;tag=/.test(m.header('To')[0] ?? ''));
      assert.ok(sent.length > 0, `SIPp sent no ${method}\n${where(r)}`);
      for (const m of sent) assert.match(m.header('Route').join(','), new RegExp(`127\\.0\\.0\\.1:${String(kamailio!.port)}`), `${method} had no Route to the proxy`);
    }
  }

  for (const transport of ['udp', 'tcp'] as const) {
    describe(`over ${transport.toUpperCase()}`, () => {
      test('basic call: Record-Route copied into our 2xx, ACK and BYE routed through the proxy', async () => {
        const a = await useApp({ users: ['100'] });
        const r = await viaProxy(transport, { scenario: sippFixture('uac-basic'), service: '100', durationMs: 300, edits: recordRouteChecks() });
        assertSippOk(r);
        assertRouteSet(r, ['ACK', 'BYE']);
        const call = await ended(a);
        assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye'], where(r));
        // The 200 to SIPp's BYE came back through the proxy: it was answered, by us.
        const byeOk = received(r, /^SIP\/2\.0 200/).find((m) => /^2 BYE$/.test(m.header('CSeq')[0] ?? ''));
        assert.ok(byeOk, where(r));
        assert.equal(byeOk.header('Server')[0], 'Voxmail-test');
        await drained(stack!, { tcp: false });
      });

      test('re-INVITE, UPDATE and INFO follow the route set', async () => {
        const a = await useApp({ users: ['100'] });
        const r = await viaProxy(transport, { scenario: sippFixture('uac-reinvite'), service: '100', edits: recordRouteChecks() });
        assertSippOk(r);
        assertRouteSet(r, ['ACK', 'INVITE', 'UPDATE', 'INFO', 'BYE']);
        const call = await ended(a);
        assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'info', 'bye', 'terminated:remote-bye'], where(r));
        assert.match(call.infoBodies[0] ?? '', /^Signal=7/);
        await drained(stack!, { tcp: false });
      });

      test('CANCEL through the proxy: 487 relayed back, call cancelled', async () => {
        const a = await useApp({ users: ['100'], ringMs: 10_000 });
        const r = await viaProxy(transport, { scenario: sippFixture('uac-cancel'), service: '100' });
        assertSippOk(r);
        const call = await ended(a);
        assert.deepEqual(call.events, ['invite', 'cancel', 'terminated:cancelled'], where(r));
        // The 487 is ours (relayed by the proxy), not one the proxy made up.
        const res487 = received(r, /^SIP\/2\.0 487/)[0];
        assert.ok(res487, where(r));
        assert.equal(res487.header('Server')[0], 'Voxmail-test');
        await drained(stack!, { tcp: false });
      });

      test('our BYE follows the route set through the proxy', async () => {
        const a = await useApp({ users: ['100'], hangupAfterMs: 300 });
        const k = String(kamailio!.port);
        const edits = [
          ...recordRouteChecks(),
          ...regexpChecks('extra-bye-checks', [{ name: 'proxyvia', header: 'Via:', regexp: `SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${k};branch=` }]),
        ];
        const r = await viaProxy(transport, { scenario: sippFixture('uac-wait-bye'), service: '100', edits });
        assertSippOk(r);
        const call = await ended(a);
        assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'terminated:local-bye'], where(r));
        const bye = received(r, /^BYE /)[0];
        assert.ok(bye, where(r));
        // Top Via: the proxy; below it: us. A BYE sent straight to SIPp would have only ours.
        const vias = bye.header('Via').flatMap((v) => v.split(/,\s*(?=SIP\/2\.0\/)/));
        assert.equal(vias.length, 2, `BYE Vias: ${JSON.stringify(vias)}`);
        assert.match(vias[0]!, new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${k};`));
        assert.match(vias[1]!, new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:${String(portOf(stack!, transport))};`));
        // The proxy consumed its own Route entry: none is left for SIPp.
        assert.deepEqual(bye.header('Route'), []);
        await drained(stack!, { tcp: false });
      });
    });
  }
});
