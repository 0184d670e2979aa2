/**
 * Message-waiting indication over real sockets, against a real SQLite store:
 *
 * - SIPp as a phone (test/fixtures/sipp/mwi-subscribe.xml, over UDP and TCP) SUBSCRIBEs
 *   to message-summary for mailbox 100: the first NOTIFY says 0/0; after a deposit (store deposits.begin +
 *   finish) and the MWI sender, `yes` and 1/0; after setHeard, `no` and 0/1; a refresh
 *   re-arms the subscription with a NOTIFY; unsubscribing ends it with
 *   `terminated;reason=timeout`. SIPp checks every NOTIFY; we check what it received.
 * - SIPp as a phone that never subscribes (mwi-uas.xml) gets an unsolicited NOTIFY.
 * - The counts after a restart come from the store: a new store handle and stack, and a
 *   raw SUBSCRIBE sees the message deposited before.
 * - Unknown mailbox and untrusted source: byte-for-byte the same 403 (but for what
 *   echoes the request); another event package: 489 with Allow-Events; a stack without
 *   a subscription handler: 405 as before.
 * Needs `sipp` (Debian sip-tester). Run: npx tsx --test --test-concurrency=1 test/e2e/notify/mwi.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { MwiSender, MwiService, MWI_SUBSCRIBERS } from '../../../src/notify/mwi/index.js';
import { notFoundApplication, type MessageSource, type SipStack } from '../../../src/sip/index.js';
import { FsAudioStore, openSqliteStore } from '../../../src/store/index.js';
import type { Notification } from '../../../src/voicemail/model.js';
import type { MwiPayload } from '../../../src/voicemail/notifications/payload.js';
import type { VoicemailStore } from '../../../src/voicemail/ports.js';
import { killChildren } from '../../support/child-processes.js';
import { freeUdpTcpPort } from '../../support/ports.js';
import { rawRequest } from '../../support/raw-request.js';
import { assertSippOk, received, regexpChecks, runSipp, sippFixture } from '../../support/sipp.js';
import { portOf, startStack } from '../../support/stack.js';
import { UdpClient, statusOf } from '../../support/udp-client.js';
import { waitFor } from '../../support/wait.js';

const logger = pino({ level: process.env['LOG'] ?? 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'voxmail-mwi-e2e-'));
const dbFile = join(dir, 'voxmail.db');
const audio = new FsAudioStore(join(dir, 'audio'));
/** Sources (by UDP port) the test wants refused as untrusted; everything else on loopback is t1's. */
const untrustedPorts = new Set<number>();
const isTrusted = (s: MessageSource): string | null => (untrustedPorts.has(s.remotePort) ? null : 't1');
const signal = new AbortController().signal;

let store: VoicemailStore;
let stack: SipStack | null = null;
let client: UdpClient | null = null;
let seq = 0;

/** Leave a message in t1/100 the way a deposit does: pending row, audio, message row. */
async function depositMessage(): Promise<string> {
  const id = `msg-${String(++seq)}`;
  const receivedAt = new Date().toISOString();
  const base = { id, tenantId: 't1', mailboxId: '100', callerNumber: '+74951234567', callerName: 'Ivan', calledNumber: '100', reason: 'no-answer' as const, receivedAt, callId: `call-${id}` };
  await store.deposits.begin({ ...base, minMessageMs: 1000 });
  const audioKey = `messages/t1/100/${id}.wav`;
  const wav = Buffer.alloc(44 + 16000);
  await audio.put(audioKey, wav);
  await store.deposits.finish(id, { ...base, durationMs: 1000, recovered: false, audioKey, sizeBytes: wav.length });
  return id;
}

async function emptyMailbox(): Promise<void> {
  for (const m of await store.messages.list({ tenantId: 't1', mailboxId: '100' })) await store.messages.remove('t1', m.id);
}

function mwiNotification(recipient: string, event: Notification['event'] = 'message.created'): Notification {
  const payload: MwiPayload = { kind: 'mwi', event, mailbox: { tenantId: 't1', id: '100', name: 'Box 100', language: 'en', timeZone: 'UTC' }, occurredAt: new Date().toISOString() };
  const now = new Date().toISOString();
  return {
    id: `n-${String(++seq)}`,
    tenantId: 't1',
    mailboxId: '100',
    channel: 'mwi',
    event,
    subjectId: 'msg',
    recipient,
    payload: JSON.stringify(payload),
    deliveryKey: `${event}:msg:mwi:${recipient}:${String(seq)}`,
    status: 'pending',
    attempts: 1,
    nextAttemptAt: now,
    giveUpAt: now,
    lastError: null,
    providerId: null,
    createdAt: now,
    updatedAt: now,
  };
}

async function startMwi(): Promise<{ stack: SipStack; mwi: MwiService; sender: MwiSender }> {
  const s = await startStack(notFoundApplication);
  stack = s;
  const mwi = new MwiService({ mailboxes: store.mailboxes, messages: store.messages, isTrusted, accountHost: 'voxmail.test', logger });
  s.setSubscriptionHandler(mwi);
  return { stack: s, mwi, sender: new MwiSender({ service: mwi, notifier: s, logger }) };
}

/** Body of a message SIPp logged (LF line ends; its log adds a blank line). */
const bodyOf = (text: string): string => text.slice(text.indexOf('\n\n') + 2).replace(/\n+$/, '\n');

describe('message-waiting indication (RFC 3842)', () => {
  before(async () => {
    store = await openSqliteStore({ file: dbFile });
    await store.tenants.create({ id: 't1', name: 'Tenant 1' });
    await store.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['+74950000100'] });
  });
  afterEach(async () => {
    await killChildren();
    client?.close();
    client = null;
    await stack?.close();
    stack = null;
    untrustedPorts.clear();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['udp', 'tcp'] as const) {
    test(`SIPp subscribes over ${transport}: 0/0, then 1/0 after a deposit, 0/1 after it is heard; refresh; unsubscribe`, async () => {
      await emptyMailbox();
      const { stack: s, mwi, sender } = await startMwi();
      const sipp = runSipp({ scenario: sippFixture('mwi-subscribe'), target: { host: '127.0.0.1', port: portOf(s, transport) }, transport, service: '100', timeoutMs: 40_000 });
      await waitFor(() => mwi.subscriptionsOf('t1', '100').some((x) => x.status === 'active'), 10_000, () => 'the subscription to be active');

      const id = await depositMessage();
      const r1 = await sender.send(mwiNotification(MWI_SUBSCRIBERS), signal);
      assert.deepEqual(r1, { ok: true, providerId: null, detail: '1 subscription(s): 200' });
      await store.messages.setHeard('t1', id, true);
      const r2 = await sender.send(mwiNotification(MWI_SUBSCRIBERS, 'message.heard'), signal);
      assert.deepEqual(r2, { ok: true, providerId: null, detail: '1 subscription(s): 200' });

      const r = await sipp;
      assertSippOk(r);
      const notifies = received(r, /^NOTIFY /);
      const cseqs = [...new Set(notifies.map((n) => n.header('CSeq')[0]))];
      assert.equal(cseqs.length, 5, r.summary());
      const byCseq = cseqs.map((c) => notifies.find((n) => n.header('CSeq')[0] === c)!);
      assert.deepEqual(
        byCseq.map((n) => [n.header('Subscription-State')[0]?.replace(/expires=\d+/, 'expires=N'), bodyOf(n.text)]),
        [
          ['active;expires=N', 'Messages-Waiting: no\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 0/0 (0/0)\n'],
          ['active;expires=N', 'Messages-Waiting: yes\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 1/0 (0/0)\n'],
          ['active;expires=N', 'Messages-Waiting: no\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 0/1 (0/0)\n'],
          ['active;expires=N', 'Messages-Waiting: no\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 0/1 (0/0)\n'],
          ['terminated;reason=timeout', 'Messages-Waiting: no\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 0/1 (0/0)\n'],
        ],
      );
      // In-dialog requests of ours: our tag in From, SIPp's in To, one Call-ID, CSeq going up.
      const sub = r.messages.find((m) => m.direction === 'sent' && m.startLine.startsWith('SUBSCRIBE '));
      assert.ok(sub);
      for (const n of byCseq) {
        assert.match(n.header('To')[0] ?? '', /SIPpTag/);
        assert.match(n.header('From')[0] ?? '', /^<sip:100@127\.0\.0\.1:\d+>;tag=/);
        assert.equal(n.header('Call-ID')[0], sub.header('Call-ID')[0]);
        assert.match(n.header('Contact')[0] ?? '', transport === 'tcp' ? /^<sip:100@127\.0\.0\.1:\d+;transport=tcp>$/ : /^<sip:100@127\.0\.0\.1:\d+>$/);
        assert.equal(n.transport, transport.toUpperCase());
      }
      const nums = cseqs.map((c) => Number(c!.split(' ')[0]));
      assert.deepEqual(nums, nums.map((_, i) => nums[0]! + i));
      await waitFor(() => s.subscriptionCount === 0 && mwi.size === 0, 5000, () => `no subscription left (${String(s.subscriptionCount)})`);
      assert.equal(s.stats().dialogs, 0);
    });
  }

  test('unsolicited NOTIFY to a phone that never subscribes (SIPp UAS)', async () => {
    const { sender } = await startMwi();
    await emptyMailbox();
    await depositMessage();
    const phonePort = await freeUdpTcpPort();
    const uri = `sip:phone@127.0.0.1:${String(phonePort)}`;
    await store.mailboxes.update('t1', '100', { mwiUris: [uri] });
    const sipp = runSipp({
      scenario: sippFixture('mwi-uas'),
      target: { host: '127.0.0.1', port: portOf(stack!) },
      args: ['-p', String(phonePort)],
      edits: regexpChecks('extra-notify-checks', [
        { name: 'account', regexp: 'Message-Account: sip:100@voxmail[.]test' },
        { name: 'from', header: 'From:', regexp: '^ *.sip:100@127[.]0[.]0[.]1.;tag=' },
        { name: 'ruri', regexp: '^NOTIFY sip:phone@127[.]0[.]0[.]1:[0-9]+ SIP/2[.]0' },
      ]),
    });
    // Our NOTIFY is retransmitted (Timer E) until SIPp is up and answers.
    const result = await sender.send(mwiNotification(uri), signal);
    assert.deepEqual(result, { ok: true, providerId: null, detail: 'NOTIFY 200' });
    const r = await sipp;
    assertSippOk(r);
    const [n] = received(r, /^NOTIFY /);
    assert.ok(n, r.summary());
    assert.equal(n.header('To')[0], `<${uri}>`);
    assert.equal(bodyOf(n.text), 'Messages-Waiting: yes\nMessage-Account: sip:100@voxmail.test\nVoice-Message: 1/0 (0/0)\n');
  });

  test('after a restart the counts come from the store', async () => {
    await emptyMailbox();
    await depositMessage();
    await depositMessage();
    // "Restart": a fresh store handle on the same file, a fresh stack and service.
    await store.close();
    store = await openSqliteStore({ file: dbFile });
    const { stack: s } = await startMwi();
    const c = await UdpClient.open();
    client = c;
    const port = portOf(s);
    c.send(rawRequest({ method: 'SUBSCRIBE', host: '127.0.0.1', port, clientPort: c.port, callId: 'restart-1', branch: 'z9hG4bK-restart-1', cseq: 1, extra: 'Event: message-summary\r\nExpires: 60\r\n' }), port);
    const notify = await c.waitFor((m) => m.toString('latin1').startsWith('NOTIFY '), 3000);
    assert.ok(notify, 'no NOTIFY');
    const text = notify.toString('latin1');
    assert.match(text, /\r\n\r\nMessages-Waiting: yes\r\nMessage-Account: sip:100@voxmail\.test\r\nVoice-Message: 2\/0 \(0\/0\)\r\n$/);
    const ok = c.received.find((m) => statusOf(m) === 200);
    assert.ok(ok);
    assert.match(ok.toString('latin1'), /\r\nExpires: 60\r\n/);
  });

  test('unknown mailbox and untrusted source: the same 403; another package: 489; OPTIONS lists SUBSCRIBE', async () => {
    const { stack: s, mwi } = await startMwi();
    const c = await UdpClient.open();
    client = c;
    const port = portOf(s);
    const subscribe = (callId: string, user: string, event = 'message-summary'): string =>
      rawRequest({ method: 'SUBSCRIBE', host: '127.0.0.1', port, clientPort: c.port, callId, branch: `z9hG4bK-${callId}`, cseq: 1, extra: `Event: ${event}\r\n` }).replace(/sip:100@/g, `sip:${user}@`);
    const answer = async (callId: string): Promise<string> => {
      const m = await c.waitFor((x) => (statusOf(x) ?? 0) >= 200 && x.toString('latin1').includes(`Call-ID: ${callId}\r\n`), 3000);
      assert.ok(m, `no final response for ${callId}`);
      return m.toString('latin1');
    };
    c.send(subscribe('unknown-1', '999'), port);
    const unknown = await answer('unknown-1');
    untrustedPorts.add(c.port);
    c.send(subscribe('untrusted-1', '100'), port);
    const untrusted = await answer('untrusted-1');
    assert.match(unknown, /^SIP\/2\.0 403 Forbidden\r\n/);
    const shape = (t: string): string => t.replace(/branch=[^;\r\n]+|tag=[^;\r\n]+|Call-ID: [^\r\n]+|sip:\w+@/g, '');
    assert.equal(shape(untrusted), shape(unknown));
    assert.equal(mwi.size, 0);

    untrustedPorts.clear();
    c.send(subscribe('presence-1', '100', 'presence'), port);
    const bad = await answer('presence-1');
    assert.match(bad, /^SIP\/2\.0 489 Bad Event\r\n/);
    assert.match(bad, /\r\nAllow-Events: message-summary\r\n/);

    c.send(rawRequest({ method: 'OPTIONS', host: '127.0.0.1', port, clientPort: c.port, callId: 'opt-1', branch: 'z9hG4bK-opt-1', cseq: 1 }), port);
    const opt = await answer('opt-1');
    assert.match(opt, /\r\nAllow: [^\r\n]*\bSUBSCRIBE\b/);
    assert.match(opt, /\r\nAllow-Events: message-summary\r\n/);
  });

  test('without a subscription handler SUBSCRIBE still gets 405 and Allow does not list it', async () => {
    const s = await startStack(notFoundApplication);
    stack = s;
    const c = await UdpClient.open();
    client = c;
    const port = portOf(s);
    c.send(rawRequest({ method: 'SUBSCRIBE', host: '127.0.0.1', port, clientPort: c.port, callId: 'nosub-1', branch: 'z9hG4bK-nosub-1', cseq: 1, extra: 'Event: message-summary\r\n' }), port);
    const m = await c.waitFor((x) => (statusOf(x) ?? 0) >= 200, 3000);
    assert.ok(m);
    const text = m.toString('latin1');
    assert.match(text, /^SIP\/2\.0 405 /);
    assert.doesNotMatch(text, /SUBSCRIBE,|, SUBSCRIBE/);
    await assert.rejects(s.sendNotify('sip:phone@example.com', 'x', { event: 'message-summary' }), RangeError);
  });
});
