/**
 * The SIPp scenarios of test/fixtures/sipp (and the shared vm_uac_g711.xml) against a
 * fresh SIP stack + TestApp per test, over one transport. sipp-udp.test.ts and
 * sipp-tcp.test.ts call this with 'udp' and 'tcp'.
 *
 * Each test asserts both sides: SIPp's verdict (exit code 0, one successful call, its
 * regexp checks) and what our side saw (TestApp events, SDP, stats back to zero once
 * Timers J/L/I have run, which short timers make quick).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { SipStack } from '../../../src/sip/index.js';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk, DTMF_1_PCAP, received, requireFile, runSipp, SHARED_SIPP, sippFixture, writeUlawTone, type SippOptions, type SippResult } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp, type CallRecord, type TestAppOptions } from '../../support/test-app.js';
import { waitFor } from '../../support/wait.js';

/** Short RFC 3261 timers: 64×T1 = 3.2 s, so Timers J, L, H and B end quickly. */
export const SHORT_TIMERS = { t1: 50, t2: 400, t4: 500 } as const;
/** Longest any transaction may outlive its call with SHORT_TIMERS, plus slack for a busy machine. */
export const DRAIN_MS = 64 * SHORT_TIMERS.t1 + 3000;

export interface Peer {
  readonly stack: SipStack;
  readonly app: TestApp;
}

/** Start a stack with short timers and a TestApp; `stopPeer` in the test's finally/afterEach. */
export async function startPeer(options: TestAppOptions): Promise<Peer> {
  const app = new TestApp(options);
  await app.start();
  try {
    const stack = await startStack(app, { timers: SHORT_TIMERS });
    return { stack, app };
  } catch (e) {
    app.close();
    throw e;
  }
}

export async function stopPeer(p: Peer | null): Promise<void> {
  if (!p) return;
  await p.stack.close();
  p.app.close();
}

/** The one call the TestApp saw (fails if it saw none or several). */
export function onlyCall(app: TestApp, r?: SippResult): CallRecord {
  const calls = [...app.calls.values()];
  assert.equal(calls.length, 1, `TestApp saw ${String(calls.length)} calls: ${JSON.stringify(calls)}${r ? `\n${r.summary()}` : ''}`);
  return calls[0]!;
}

/** Wait until the call has ended and return it. */
export async function ended(app: TestApp, timeoutMs = 5000): Promise<CallRecord> {
  await waitFor(
    () => app.ended().length > 0,
    timeoutMs,
    () => `the call to end; calls: ${JSON.stringify([...app.calls.values()])}`,
  );
  return onlyCall(app);
}

/**
 * Wait until the stack holds no dialog, no transaction and (unless `tcp` is false: a
 * proxy keeps its connection to us open) no TCP connection.
 */
export async function drained(stack: SipStack, { timeoutMs = DRAIN_MS, tcp = true }: { timeoutMs?: number; tcp?: boolean } = {}): Promise<void> {
  await waitFor(
    () => {
      const s = stack.stats();
      return s.dialogs === 0 && s.serverTransactions === 0 && s.clientTransactions === 0 && (!tcp || s.tcpConnections === 0);
    },
    timeoutMs,
    () => `stack stats to return to zero; now ${JSON.stringify(stack.stats())}`,
  );
}

/** The first sent copy of each method carried the same Via branch (one INVITE transaction: CANCEL, ACK to non-2xx). */
export function assertSameTransaction(r: SippResult, methods: string[]): void {
  const branches = methods.map((method) => {
    const m = r.messages.find((x) => x.direction === 'sent' && x.startLine.startsWith(`${method} `));
    assert.ok(m, `SIPp sent no ${method}\n${r.summary()}`);
    return /;branch=([^;,\s]+)/.exec(m.header('Via')[0] ?? '')?.[1];
  });
  assert.ok(branches[0], r.summary());
  for (const b of branches) assert.equal(b, branches[0], `branches ${JSON.stringify(branches)} of ${methods.join('/')}\n${r.summary()}`);
}

export function defineSippSuite(transport: 'udp' | 'tcp'): void {
  describe(`SIPp against the stack over ${transport.toUpperCase()}`, () => {
    let peer: Peer | null = null;
    let tmp = '';

    before(() => {
      tmp = mkdtempSync(join(tmpdir(), `voxmail-sipp-${transport}-`));
    });
    afterEach(async () => {
      await killChildren();
      await stopPeer(peer);
      peer = null;
    });
    after(async () => {
      await killChildren();
      rmSync(tmp, { recursive: true, force: true });
    });

    const sipp = (p: Peer, o: Omit<SippOptions, 'target' | 'transport'>): Promise<SippResult> =>
      runSipp({ ...o, target: { host: '127.0.0.1', port: portOf(p.stack, transport) }, transport });

    test('OPTIONS is answered 200 with Allow', async () => {
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario: sippFixture('options'), service: '100' });
      assertSippOk(r);
      assert.equal(peer.app.calls.size, 0, 'OPTIONS must not reach the application');
      await drained(peer.stack);
    });

    test('basic call: INVITE/200/ACK, caller hangs up with BYE', async () => {
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario: sippFixture('uac-basic'), service: '100', durationMs: 300 });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye'], r.summary());
      assert.equal(call.hadOffer, true);
      assert.equal(call.user, '100');
      // The one 200 to the INVITE: our Contact points back at the stack on this transport.
      const ok = received(r, /^SIP\/2\.0 200/).find((m) => /INVITE/.test(m.header('CSeq')[0] ?? ''));
      assert.ok(ok, r.summary());
      const contact = ok.header('Contact')[0] ?? '';
      assert.match(contact, new RegExp(`^<sip:100@127\\.0\\.0\\.1:${String(portOf(peer.stack, transport))}${transport === 'tcp' ? ';transport=tcp' : ''}>$`));
      await drained(peer.stack);
    });

    test('CANCEL while ringing: 200 for the CANCEL, 487 for the INVITE, ACK', async () => {
      peer = await startPeer({ users: ['100'], ringMs: 10_000 });
      const r = await sipp(peer, { scenario: sippFixture('uac-cancel'), service: '100' });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'cancel', 'terminated:cancelled'], r.summary());
      assert.equal(received(r, /^SIP\/2\.0 487/).length >= 1, true, r.summary());
      assert.equal(received(r, /^SIP\/2\.0 200/).filter((m) => /^1 CANCEL$/.test(m.header('CSeq')[0] ?? '')).length >= 1, true, r.summary());
      assertSameTransaction(r, ['INVITE', 'CANCEL', 'ACK']);
      await drained(peer.stack);
    });

    test('INVITE without SDP: offer in our 200, answer in the ACK', async () => {
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario: sippFixture('uac-no-sdp'), service: '100', durationMs: 300 });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye'], r.summary());
      assert.equal(call.hadOffer, false);
      assert.notEqual(call.answerInAck, null, 'the SDP answer in the ACK must reach the application');
      // It is SIPp's answer: its media port and PCMU.
      const m = call.answerInAck!.media[0];
      assert.ok(m);
      assert.equal(m.port, r.ports.media);
      assert.deepEqual(m.formats, ['0']);
      await drained(peer.stack);
    });

    test('re-INVITE, UPDATE and INFO inside the dialog, then BYE', async () => {
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario: sippFixture('uac-reinvite'), service: '100' });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'info', 'bye', 'terminated:remote-bye'], r.summary());
      assert.equal(call.infoBodies.length, 1);
      assert.match(call.infoBodies[0]!, /^Signal=7\r?\nDuration=160/);
      // The 200s to the re-INVITE and to the UPDATE both carry an SDP answer.
      for (const method of ['INVITE', 'UPDATE']) {
        const res = received(r, /^SIP\/2\.0 200/).filter((x) => new RegExp(`^\\d+ ${method}$`).test(x.header('CSeq')[0] ?? ''));
        const last = res[res.length - 1];
        assert.ok(last, `no 200 for ${method}\n${r.summary()}`);
        assert.equal(last.header('Content-Type')[0], 'application/sdp');
      }
      await drained(peer.stack);
    });

    test('INVITE to a user that is not configured: 404, ACK', async () => {
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario: sippFixture('uac-unknown-user'), service: '999' });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'terminated:rejected'], r.summary());
      assert.equal(call.user, '999');
      assertSameTransaction(r, ['INVITE', 'ACK']);
      // Our INVITE transaction matched the ACK (Completed -> Confirmed) and ended after
      // Timer I (T4 = 500 ms on UDP, 0 on TCP); an unmatched ACK would keep it for
      // Timer H (64×T1 = 3.2 s) while Timer G re-sent the 404.
      await drained(peer.stack, { timeoutMs: 2000 });
    });

    test('shared vm_uac_g711.xml: G.711 audio, RFC 4733 DTMF and INFO DTMF reach the callee', async () => {
      const scenario = requireFile(join(SHARED_SIPP, 'vm_uac_g711.xml'), 'the shared SIPp scenarios, ../shared/testdata/sipp');
      const pcap = requireFile(DTMF_1_PCAP, 'shipped by the sip-tester package');
      const audio = join(tmp, 'tone.ulaw');
      writeUlawTone(audio, 1);
      peer = await startPeer({ users: ['100'] });
      const r = await sipp(peer, { scenario, service: '100', durationMs: 800, keys: { audio: `${audio},-1,0`, dtmf: pcap } });
      assertSippOk(r);
      const call = await ended(peer.app);
      assert.deepEqual(call.events, ['invite', 'answered', 'ack', 'info', 'bye', 'terminated:remote-bye'], r.summary());
      assert.equal(call.infoBodies.length, 1);
      assert.match(call.infoBodies[0]!, /^Signal=5\r?\n/);
      // ~2.8 s of 20 ms packets (≈140) were streamed at our media port; allow for start-up.
      assert.ok(peer.app.rtpPackets >= 80, `only ${String(peer.app.rtpPackets)} RTP packets arrived`);
      await drained(peer.stack);
    });
  });
}
