/**
 * Who may leave messages. With trust networks that do not include loopback (only
 * 10.0.0.0/8), an INVITE from SIPp on 127.0.0.1 gets the same 403 whether the mailbox
 * exists or not — nobody can probe which mailboxes exist. With the default trust
 * (loopback), a mailbox that does not exist gets 404.
 * Needs sipp. Run: npx tsx --test --test-concurrency=1 test/e2e/voicemail/admission.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { assertSippOk, received, type SippMessage } from '../../support/sipp.js';
import { callServer, TENANT, VoxmailServer } from '../../support/voxmail.js';

const EXPECT_403: [string, string][] = [['response="404"', 'response="403"']];

/** A response with what differs from call to call (Via, From, To tag, Call-ID, CSeq) left out. */
function canonical(m: SippMessage): string {
  const perCall = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length']);
  const lines = m.text.split('\n\n')[0]!.split('\n');
  const headers = lines
    .slice(1)
    .map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()] as const)
    .map(([name, value]) => (perCall.has(name) ? name : `${name}: ${value}`))
    .sort();
  return [lines[0], ...headers, `body: ${String(m.text.split('\n\n').slice(1).join('\n\n').trim().length)} bytes`].join('\n');
}

describe('admission', () => {
  let untrusting: VoxmailServer;
  let trusting: VoxmailServer;

  before(async () => {
    untrusting = await VoxmailServer.start({ trust: { networks: [{ cidr: '10.0.0.0/8', tenant: TENANT }] } });
    await untrusting.mailbox('501', { numbers: ['+74951230501'] });
    trusting = await VoxmailServer.start();
    await trusting.mailbox('501', { numbers: ['+74951230501'] });
  });

  after(async () => {
    await untrusting?.close();
    await trusting?.close();
    await killChildren();
  });

  test('an untrusted source gets the same 403 for an existing and a non-existent mailbox', async () => {
    const [existing, missing] = await Promise.all([
      callServer(untrusting, { scenario: 'uac-unknown-user', service: '501', edits: EXPECT_403 }),
      callServer(untrusting, { scenario: 'uac-unknown-user', service: '999', edits: EXPECT_403 }),
    ]);
    assertSippOk(existing.sipp);
    assertSippOk(missing.sipp);
    const a = received(existing.sipp, /^SIP\/2\.0 [2-6]\d\d/);
    const b = received(missing.sipp, /^SIP\/2\.0 [2-6]\d\d/);
    assert.equal(a.length, 1, existing.sipp.summary());
    assert.equal(b.length, 1, missing.sipp.summary());
    assert.match(a[0]!.startLine, /^SIP\/2\.0 403 /);
    assert.equal(canonical(a[0]!), canonical(b[0]!), 'the two refusals differ');
    assert.deepEqual(await untrusting.messages('501'), []);
    assert.deepEqual(await untrusting.missedCalls('501'), [], 'a refused INVITE is not a missed call');
  });

  test('the same INVITE routed by a Diversion to an existing number is refused the same way', async () => {
    const r = await callServer(untrusting, { scenario: 'uac-unknown-user', service: 'voicemail', edits: [...EXPECT_403, ['CSeq: 1 INVITE', 'CSeq: 1 INVITE\n      Diversion: <sip:+74951230501@pbx.example>;reason=user-busy']] });
    assertSippOk(r.sipp);
    assert.match(received(r.sipp, /^SIP\/2\.0 [2-6]\d\d/)[0]!.startLine, /^SIP\/2\.0 403 /);
  });

  test('a trusted source calling a mailbox that does not exist gets 404', async () => {
    const r = await callServer(trusting, { scenario: 'uac-unknown-user', service: '999' });
    assertSippOk(r.sipp);
    const final = received(r.sipp, /^SIP\/2\.0 [2-6]\d\d/);
    assert.equal(final.length, 1, r.sipp.summary());
    assert.match(final[0]!.startLine, /^SIP\/2\.0 404 /);
  });
});
