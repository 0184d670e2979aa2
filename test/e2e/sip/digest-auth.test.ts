/**
 * Digest authentication against real peers (RFC 3261 §22, RFC 8760): a test
 * application in front of TestApp answers INVITEs without valid credentials with
 * DigestAuthenticator's 401 challenge, and 403 after a second wrong answer.
 *
 * - SIPp 3.6.1 `[authentication]` (MD5): 401 → INVITE with credentials → 200 → BYE.
 *   SIPp 3.6.1 reads only the first WWW-Authenticate and knows only MD5, so these
 *   runs offer MD5 alone; the default challenge (SHA-256 first) is checked on what
 *   SIPp receives, and SHA-256 is exercised by a raw UDP client computing it here.
 * - Wrong password: 401, 401, 403.
 * - Raw UDP with SHA-256, and a stale nonce answered 401 stale=true then accepted.
 * Needs `sipp` (Debian sip-tester).
 * Run: npx tsx --test test/e2e/sip/digest-auth.test.ts
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ManualClock } from '../../../src/shared/clock.js';
import {
  DigestAuthenticator,
  digestResponse,
  type DigestAlgorithm,
  type DigestAuthenticatorOptions,
  type IncomingCall,
  type SipApplication,
  type SipStack,
} from '../../../src/sip/index.js';
import { killChildren } from '../../support/child-processes.js';
import { rawRequest, sdpOffer } from '../../support/raw-request.js';
import { assertSippOk, received, runSipp, sippFixture, type SippResult } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { TestApp } from '../../support/test-app.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';
import { waitFor } from '../../support/wait.js';
import { drained, SHORT_TIMERS } from './sipp-suite.js';

const REALM = 'voxmail.test';
const PASSWORD = 's3cret-100';

/** TestApp behind digest authentication: 401 to challenge, 403 at the second wrong answer of a Call-ID. */
class DigestApp implements SipApplication {
  readonly inner = new TestApp({ users: ['100'] });
  readonly auth: DigestAuthenticator;
  /** verify() outcomes in order: `ok:<user>`, `missing`, `stale`, `invalid`. */
  readonly verdicts: string[] = [];
  private readonly failures = new Map<string, number>();

  constructor(options: Partial<DigestAuthenticatorOptions> = {}) {
    this.auth = new DigestAuthenticator({ realm: REALM, lookup: (u) => (u === '100' ? { password: PASSWORD } : null), ...options });
  }

  onInvite(call: IncomingCall): void {
    const v = this.auth.verify(call.request);
    this.verdicts.push(v.ok ? `ok:${v.username}` : v.reason);
    if (v.ok) {
      this.inner.onInvite(call);
      return;
    }
    if (v.reason === 'invalid') {
      const n = (this.failures.get(call.callId) ?? 0) + 1;
      this.failures.set(call.callId, n);
      if (n >= 2) {
        call.reject(403);
        return;
      }
    }
    call.reject(401, { headers: this.auth.challenge(v.reason === 'stale') });
  }
}

describe('digest authentication against SIPp and a raw UDP client', () => {
  let stack: SipStack | null = null;
  let app: DigestApp | null = null;

  const start = async (options: Partial<DigestAuthenticatorOptions> = {}): Promise<{ stack: SipStack; app: DigestApp }> => {
    app = new DigestApp(options);
    await app.inner.start();
    stack = await startStack(app, { timers: SHORT_TIMERS });
    return { stack, app };
  };
  afterEach(async () => {
    await killChildren();
    await stack?.close();
    app?.inner.close();
    stack = null;
    app = null;
  });

  const sipp = (s: SipStack, scenario: string, password: string, extra: { durationMs?: number; edits?: [string, string][] } = {}): Promise<SippResult> =>
    runSipp({
      scenario: sippFixture(scenario),
      target: { host: '127.0.0.1', port: portOf(s) },
      service: '100',
      ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
      edits: [['AUTH_USER', '100'], ['AUTH_PASSWORD', password], ...(extra.edits ?? [])],
      // SIPp's digest uri is remote_ip:remote_port by default; a real UA uses the Request-URI.
      args: ['-auth_uri', `100@127.0.0.1:${String(portOf(s))}`],
    });

  test('the default challenge a real peer receives: SHA-256 first, then MD5, qop="auth"', async () => {
    const p = await start();
    // SIPp's unknown-user scenario expecting our 401 instead of a 404.
    const r = await runSipp({
      scenario: sippFixture('uac-unknown-user'),
      target: { host: '127.0.0.1', port: portOf(p.stack) },
      service: '100',
      edits: [['<recv response="404">', '<recv response="401">']],
    });
    assertSippOk(r);
    const res = received(r, /^SIP\/2\.0 401 /)[0];
    assert.ok(res, r.summary());
    const challenges = res.header('WWW-Authenticate');
    assert.equal(challenges.length, 2, r.summary());
    assert.match(challenges[0]!, /^Digest realm="voxmail\.test", nonce="[A-Za-z0-9_-]+", algorithm=SHA-256, qop="auth"$/);
    assert.match(challenges[1]!, /^Digest realm="voxmail\.test", nonce="[A-Za-z0-9_-]+", algorithm=MD5, qop="auth"$/);
    assert.deepEqual(p.app.verdicts, ['missing']);
    await drained(p.stack, { timeoutMs: 3000 });
  });

  test('SIPp [authentication] (MD5): 401, INVITE with credentials, 200, BYE', async () => {
    const p = await start({ algorithms: ['MD5'] });
    const r = await sipp(p.stack, 'uac-digest', PASSWORD, { durationMs: 200 });
    assertSippOk(r);
    assert.deepEqual(p.app.verdicts, ['missing', 'ok:100'], r.summary());
    const sent = r.messages.filter((m) => m.direction === 'sent' && m.startLine.startsWith('INVITE '));
    assert.equal(sent.length, 2, r.summary());
    assert.match(sent[1]!.header('Authorization')[0] ?? '', /^Digest username="100",.*algorithm=MD5/);
    await waitFor(() => p.app.inner.ended().length === 1, 5000, () => JSON.stringify([...p.app.inner.calls.values()]));
    assert.deepEqual(p.app.inner.ended()[0]!.events, ['invite', 'answered', 'ack', 'bye', 'terminated:remote-bye']);
    await drained(p.stack);
  });

  test('SIPp with a wrong password: 401, 401 again, then 403', async () => {
    const p = await start({ algorithms: ['MD5'] });
    const r = await sipp(p.stack, 'uac-digest-wrong', 'not-the-password');
    assertSippOk(r);
    assert.deepEqual(p.app.verdicts, ['missing', 'invalid', 'invalid'], r.summary());
    assert.deepEqual(
      received(r, /^SIP\/2\.0 [1-6]\d\d /)
        .map((m) => Number(m.startLine.slice(8, 11)))
        .filter((s) => s >= 200),
      [401, 401, 403],
      r.summary(),
    );
    assert.equal(p.app.inner.calls.size, 0, 'no INVITE got through to the application');
    await drained(p.stack, { timeoutMs: 3000 });
  });

  describe('raw UDP client computing SHA-256', () => {
    let c: UdpClient | null = null;
    afterEach(() => {
      c?.close();
      c = null;
    });

    /** Send an INVITE (with `authorization` if given) and return its final response text. */
    const invite = async (client: UdpClient, port: number, cseq: number, authorization?: string): Promise<string> => {
      client.received.length = 0;
      client.send(
        rawRequest({
          method: 'INVITE',
          host: '127.0.0.1',
          port,
          clientPort: client.port,
          callId: 'digest-raw-1',
          branch: `z9hG4bK-digest-${String(cseq)}`,
          cseq,
          body: sdpOffer(40000),
          ...(authorization ? { extra: `Authorization: ${authorization}\r\n` } : {}),
        }),
        port,
      );
      const res = await client.waitFor((m) => (statusOf(m) ?? 0) >= 200 && m.includes(`CSeq: ${String(cseq)} INVITE`), 3000);
      assert.ok(res, `no final response to INVITE ${String(cseq)}`);
      const text = res.toString('latin1');
      // ACK the final response (for a non-2xx it belongs to the INVITE transaction).
      const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(text)?.[1] ?? '';
      const status = statusOf(res) ?? 0;
      client.send(
        rawRequest({
          method: 'ACK',
          host: '127.0.0.1',
          port,
          clientPort: client.port,
          callId: 'digest-raw-1',
          branch: status >= 300 ? `z9hG4bK-digest-${String(cseq)}` : `z9hG4bK-digest-${String(cseq)}-ack`,
          cseq,
          toTag,
        }),
        port,
      );
      return text;
    };

    const challengeOf = (res: string, algorithm: DigestAlgorithm): { nonce: string; stale: boolean } => {
      const line = res.split('\r\n').find((l) => l.startsWith('WWW-Authenticate: ') && l.includes(`algorithm=${algorithm},`));
      assert.ok(line, `no ${algorithm} challenge in\n${res}`);
      return { nonce: /nonce="([^"]+)"/.exec(line)![1]!, stale: /stale=true/.test(line) };
    };

    const authorization = (port: number, nonce: string, nc = '00000001'): string => {
      const uri = `sip:100@127.0.0.1:${String(port)}`;
      const response = digestResponse({
        algorithm: 'SHA-256',
        username: '100',
        realm: REALM,
        password: PASSWORD,
        method: 'INVITE',
        uri,
        nonce,
        nc,
        cnonce: 'raw-cnonce-1',
        qop: 'auth',
      });
      return `Digest username="100", realm="${REALM}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=SHA-256, cnonce="raw-cnonce-1", qop=auth, nc=${nc}`;
    };

    test('SHA-256 credentials are accepted; the call is answered and ends with BYE', async () => {
      const p = await start();
      const port = portOf(p.stack);
      c = await UdpClient.open();
      const first = await invite(c, port, 1);
      assert.match(first, /^SIP\/2\.0 401 /);
      const { nonce } = challengeOf(first, 'SHA-256');
      const ok = await invite(c, port, 2, authorization(port, nonce));
      assert.match(ok, /^SIP\/2\.0 200 /);
      assert.deepEqual(p.app.verdicts, ['missing', 'ok:100']);
      const toTag = /\r\nTo: [^\r\n]*;tag=([^\r\n;]+)/.exec(ok)![1]!;
      c.received.length = 0;
      c.send(rawRequest({ method: 'BYE', host: '127.0.0.1', port, clientPort: c.port, callId: 'digest-raw-1', branch: 'z9hG4bK-digest-bye', cseq: 3, toTag }), port);
      assert.ok(await c.waitFor((m) => statusOf(m) === 200 && m.includes('CSeq: 3 BYE'), 2000));
      await drained(p.stack);
    });

    test('a replayed INVITE (same nonce and nc) is refused with stale=true', async () => {
      const p = await start();
      const port = portOf(p.stack);
      c = await UdpClient.open();
      const { nonce } = challengeOf(await invite(c, port, 1), 'SHA-256');
      const creds = authorization(port, nonce);
      assert.match(await invite(c, port, 2, creds), /^SIP\/2\.0 200 /);
      const replay = await invite(c, port, 3, creds);
      assert.match(replay, /^SIP\/2\.0 401 /);
      assert.equal(challengeOf(replay, 'SHA-256').stale, true);
      assert.deepEqual(p.app.verdicts, ['missing', 'ok:100', 'stale']);
    });

    test('an expired nonce: 401 with stale=true, then the new nonce is accepted', async () => {
      const clock = new ManualClock();
      clock.advance(10_000);
      const p = await start({ clock, nonceTtlMs: 30_000 });
      const port = portOf(p.stack);
      c = await UdpClient.open();
      const { nonce } = challengeOf(await invite(c, port, 1), 'SHA-256');
      clock.advance(30_001);
      const stale = await invite(c, port, 2, authorization(port, nonce));
      assert.match(stale, /^SIP\/2\.0 401 /);
      const fresh = challengeOf(stale, 'SHA-256');
      assert.equal(fresh.stale, true);
      assert.match(await invite(c, port, 3, authorization(port, fresh.nonce)), /^SIP\/2\.0 200 /);
      assert.deepEqual(p.app.verdicts, ['missing', 'stale', 'ok:100']);
    });
  });
});
