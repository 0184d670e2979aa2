/**
 * Loss on UDP: SIPp -> LossyRelay -> our stack, with the relay dropping the first copy
 * of chosen messages in either direction. Calls must still complete, recovered by the
 * retransmissions of RFC 3261: SIPp's (Timer A/E style `retrans=`), our 2xx
 * retransmission until the ACK (§13.3.1.4), our Timer G for non-2xx finals (§17.2.1),
 * our non-INVITE transaction re-sending its response (§17.2.2). And when every ACK is
 * lost, we must give up after 64×T1 and send BYE (§13.3.1.4).
 * Short timers (T1 = 50 ms). Needs `sipp` (sip-tester).
 * Run: npx tsx --test test/e2e/sip/lossy.test.ts
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { LossyRelay, type DropRule } from '../../support/lossy-relay.js';
import { assertSippOk, runSipp, sippFixture, sippRow, type SippResult } from '../../support/sipp.js';
import { portOf } from '../../support/stack.js';
import type { CallRecord, TestAppOptions } from '../../support/test-app.js';
import { drained, ended, SHORT_TIMERS, startPeer, stopPeer, type Peer } from './sipp-suite.js';

const T1 = SHORT_TIMERS.t1;
const BASIC_EVENTS = ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye'];

interface LossyRun {
  readonly r: SippResult;
  readonly relay: LossyRelay;
  readonly call: CallRecord;
  readonly peer: Peer;
  /** SIPp's report, the relay's log and the call's events, for assertion messages. */
  readonly why: string;
}

/** One call through a relay that applies `rules`; the stack is drained before it returns. */
async function lossyCall(rules: DropRule[], o: { scenario?: string; service?: string; app?: TestAppOptions } = {}): Promise<LossyRun> {
  const peer = await startPeer(o.app ?? { users: ['100'] });
  const relay = await LossyRelay.start({ server: { host: '127.0.0.1', port: portOf(peer.stack, 'udp') }, rules });
  try {
    const r = await runSipp({
      scenario: sippFixture(o.scenario ?? 'uac-basic'),
      target: { host: '127.0.0.1', port: relay.port },
      transport: 'udp',
      service: o.service ?? '100',
      durationMs: 300,
    });
    const whyNow = (call?: CallRecord): string => `${r.summary()}\nrelay:\n${relay.describe()}\ncall: ${JSON.stringify(call ?? [...peer.app.calls.values()])}`;
    assertSippOk(r);
    const call = await ended(peer.app).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${whyNow()}`);
    });
    const why = whyNow(call);
    await drained(peer.stack).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${why}`);
    });
    // The relay did drop what the test is about (else the test proves nothing).
    for (const rule of rules) {
      assert.ok(
        relay.dropped().some((d) => d.direction === rule.direction && d.message === rule.message && (rule.cseq === undefined || d.cseq.endsWith(` ${rule.cseq}`))),
        `the relay never dropped ${rule.message} ${rule.direction}\n${why}`,
      );
    }
    return { r, relay, call, peer, why };
  } finally {
    await relay.close();
    await stopPeer(peer);
  }
}

/** Gaps between consecutive copies of one message, ms. */
function gaps(events: { at: number }[]): number[] {
  return events.slice(1).map((e, i) => e.at - events[i]!.at);
}

describe('calls survive lost UDP messages', { concurrency: 3 }, () => {
  after(killChildren);

  test('first INVITE lost: SIPp retransmits it', async () => {
    const { r, relay, call, why } = await lossyCall([{ direction: 'to-server', message: 'INVITE', cseq: 'INVITE' }]);
    assert.deepEqual(call.events, BASIC_EVENTS, why);
    assert.ok(sippRow(r, 'INVITE').retrans >= 1, why);
    assert.equal(relay.seen('to-server', 'INVITE').filter((e) => e.action === 'forwarded').length >= 1, true, why);
  });

  test('first 200 OK to the INVITE lost: we retransmit the 2xx after T1', async () => {
    const { relay, call, why } = await lossyCall([{ direction: 'to-client', message: '200', cseq: 'INVITE' }]);
    assert.deepEqual(call.events, BASIC_EVENTS, why);
    const oks = relay.seen('to-client', '200', 'INVITE');
    assert.ok(oks.length >= 2, why);
    // The copy came from our timer (about T1 later), not as an answer to an INVITE
    // retransmission (an accepted INVITE transaction absorbs those silently).
    assert.ok(gaps(oks)[0]! >= T1 * 0.8, `2xx retransmitted too early: ${JSON.stringify(gaps(oks))}\n${why}`);
  });

  test('first ACK lost: our 2xx retransmission makes SIPp ACK again', async () => {
    const { relay, call, why } = await lossyCall([{ direction: 'to-server', message: 'ACK', cseq: 'ACK' }]);
    assert.deepEqual(call.events, BASIC_EVENTS, why);
    assert.ok(relay.seen('to-client', '200', 'INVITE').length >= 2, why);
    assert.ok(relay.seen('to-server', 'ACK').length >= 2, why);
  });

  test('first BYE lost: SIPp retransmits it, the call ends once', async () => {
    const { r, call, why } = await lossyCall([{ direction: 'to-server', message: 'BYE', cseq: 'BYE' }]);
    assert.deepEqual(call.events, BASIC_EVENTS, why);
    assert.ok(sippRow(r, 'BYE').retrans >= 1, why);
  });

  test('first 200 OK to the BYE lost: the BYE retransmission gets it again from our transaction', async () => {
    const { relay, call, why } = await lossyCall([{ direction: 'to-client', message: '200', cseq: 'BYE' }]);
    // One 'bye' event: the retransmitted BYE was absorbed by the transaction.
    assert.deepEqual(call.events, BASIC_EVENTS, why);
    assert.ok(relay.seen('to-server', 'BYE').length >= 2, why);
    assert.ok(relay.seen('to-client', '200', 'BYE').length >= 2, why);
  });

  test('first copy of every message lost at once (INVITE, 100, 200, ACK, BYE, 200)', async () => {
    const rules: DropRule[] = [
      { direction: 'to-server', message: 'INVITE', cseq: 'INVITE' },
      { direction: 'to-client', message: '100', cseq: 'INVITE' },
      { direction: 'to-client', message: '200', cseq: 'INVITE' },
      { direction: 'to-server', message: 'ACK', cseq: 'ACK' },
      { direction: 'to-server', message: 'BYE', cseq: 'BYE' },
      { direction: 'to-client', message: '200', cseq: 'BYE' },
    ];
    const { call, why } = await lossyCall(rules);
    assert.deepEqual(call.events, BASIC_EVENTS, why);
  });

  test('404 and the ACK for it lost: Timer G re-sends the 404 until ACKed', async () => {
    const { relay, call, why } = await lossyCall(
      [
        { direction: 'to-client', message: '404', cseq: 'INVITE' },
        { direction: 'to-server', message: 'ACK', cseq: 'ACK' },
      ],
      { scenario: 'uac-unknown-user', service: '999' },
    );
    assert.deepEqual(call.events, ['invite', 'terminated:rejected'], why);
    const finals = relay.seen('to-client', '404');
    // Dropped, re-sent (ACK dropped), re-sent again (ACKed): Timer G at T1, then 2×T1.
    assert.ok(finals.length >= 3, why);
    const g = gaps(finals);
    assert.ok(g[0]! >= T1 * 0.8 && g[1]! >= 2 * T1 * 0.8, `Timer G intervals ${JSON.stringify(g)}\n${why}`);
  });

  test('CANCEL lost, then the 487 lost: SIPp re-sends the CANCEL, Timer G the 487', async () => {
    const { relay, call, why } = await lossyCall(
      [
        { direction: 'to-server', message: 'CANCEL', cseq: 'CANCEL' },
        { direction: 'to-client', message: '487', cseq: 'INVITE' },
      ],
      { scenario: 'uac-cancel', app: { users: ['100'], ringMs: 10_000 } },
    );
    assert.deepEqual(call.events, ['invite', 'cancel', 'terminated:cancelled'], why);
    assert.ok(relay.seen('to-client', '487').length >= 2, why);
    assert.ok(relay.seen('to-client', '200', 'CANCEL').length >= 1, why);
  });

  test('every ACK lost: we re-send the 2xx for 64×T1, then give up and send BYE', async () => {
    const { relay, call, why } = await lossyCall([{ direction: 'to-server', message: 'ACK', cseq: 'ACK', times: Infinity }], { scenario: 'uac-wait-bye' });
    assert.deepEqual(call.events, ['invite', 'answered', 'terminated:ack-timeout'], why);
    const oks = relay.seen('to-client', '200', 'INVITE');
    // T1, 2T1, 4T1, then every T2 until 64×T1: about 10 copies in all with these timers.
    assert.ok(oks.length >= 7, `only ${String(oks.length)} copies of our 2xx\n${why}`);
    const g = gaps(oks);
    assert.ok(Math.max(...g) <= SHORT_TIMERS.t2 * 1.5 + 100, `retransmit interval above T2: ${JSON.stringify(g)}\n${why}`);
    const bye = relay.seen('to-client', 'BYE')[0];
    assert.ok(bye, `we sent no BYE\n${why}`);
    const waited = bye.at - oks[0]!.at;
    assert.ok(waited >= 64 * T1 - 100 && waited <= 64 * T1 + 1500, `BYE ${String(waited)} ms after the first 2xx, expected ~${String(64 * T1)}\n${why}`);
    // SIPp's 200 to our BYE made it back through the relay.
    assert.ok(relay.seen('to-server', '200', 'BYE').length >= 1, why);
  });
});
