/**
 * The message-waiting lamp from end to end (RFC 3842): a phone — SIPp running
 * test/fixtures/sipp/mwi-subscribe.xml from 127.0.0.1, a trusted network of tenant acme —
 * SUBSCRIBEs to message-summary for mailbox 100 of the real server (startVoxmail in this
 * process). Then:
 *
 * 1. at once: NOTIFY `Messages-Waiting: no`, `Voice-Message: 0/0`;
 * 2. another SIPp caller leaves a message in mailbox 100: NOTIFY `yes`, `1/0`, sent by
 *    the outbox worker after the deposit;
 * 3. `voxmail messages heard ID` (CLI, child process, same data directory): the running
 *    server notices the queued change and sends NOTIFY `no`, `0/1`;
 * then the phone refreshes (0/1 again) and unsubscribes (terminated). SIPp checks every
 * NOTIFY as it comes (an unexpected or out-of-order one fails the run); we check the
 * bodies it received, in order.
 *
 * Needs sipp, espeak-ng, sox.
 * Run: npx tsx --test --test-concurrency=1 test/e2e/notify/pipeline-mwi.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { killChildren } from '../../support/child-processes.js';
import { deposit, describeOutbox, eventually, notificationsAbout, NotifyServer, QUICK_MAILBOX, voxmailCliOk } from '../../support/notify-harness.js';
import { assertSippOk, received, runSipp, sippFixture } from '../../support/sipp.js';
import { removeAudio, speechWithHum, TENANT, type CallerAudio } from '../../support/voxmail.js';

let server: NotifyServer;
let hum: CallerAudio;

before(async () => {
  hum = speechWithHum('Hello, this message should light your lamp.');
  server = await NotifyServer.start();
  await server.mailbox('100', { ...QUICK_MAILBOX, name: 'Lamp', numbers: ['+74950000100'] });
});

after(async () => {
  await server?.close();
  await killChildren();
  removeAudio(hum);
});

/** Body of a message SIPp logged (LF line ends; its log adds a blank line). */
const bodyOf = (text: string): string => text.slice(text.indexOf('\n\n') + 2).replace(/\n+$/, '\n');

test('a subscribed phone sees 0/0, then 1/0 after a SIPp deposit, then 0/1 after `voxmail messages heard`', async () => {
  const phone = runSipp({ scenario: sippFixture('mwi-subscribe'), target: server.target, service: '100', timeoutMs: 40_000 });

  // The caller starts at once; the scenario's first check (0/0) proves the subscription came first.
  const { callId } = await deposit(server, '100', { audio: hum });
  const m = await server.messageOf('100', callId);
  const lamp = async (event: string): Promise<boolean> => {
    const list = await notificationsAbout(server.stores, m.id);
    return list.some((x) => x.n.channel === 'mwi' && x.n.event === event && x.n.status === 'sent');
  };
  await eventually(() => lamp('message.created'), 8000, () => 'the lamp NOTIFY for the new message sent').catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\n${describeOutbox(await notificationsAbout(server.stores, m.id))}`);
  });
  const created = (await notificationsAbout(server.stores, m.id)).find((x) => x.n.channel === 'mwi' && x.n.event === 'message.created')!;
  assert.equal(created.attempts.at(-1)?.detail, '1 subscription(s): 200', describeOutbox([created]));

  await voxmailCliOk(server.dataDir, ['messages', 'heard', m.id, '--tenant', TENANT]);
  await eventually(() => lamp('message.heard'), 8000, () => 'the lamp NOTIFY for the heard message sent');

  const r = await phone;
  assertSippOk(r);
  const notifies = received(r, /^NOTIFY /);
  const cseqs = [...new Set(notifies.map((n) => n.header('CSeq')[0]))];
  const first = cseqs.map((c) => notifies.find((n) => n.header('CSeq')[0] === c)!);
  const account = `Message-Account: sip:100@${server.target.host}\n`;
  assert.deepEqual(
    first.map((n) => [n.header('Subscription-State')[0]?.replace(/expires=\d+/, 'expires=N'), bodyOf(n.text)]),
    [
      ['active;expires=N', `Messages-Waiting: no\n${account}Voice-Message: 0/0 (0/0)\n`],
      ['active;expires=N', `Messages-Waiting: yes\n${account}Voice-Message: 1/0 (0/0)\n`],
      ['active;expires=N', `Messages-Waiting: no\n${account}Voice-Message: 0/1 (0/0)\n`],
      ['active;expires=N', `Messages-Waiting: no\n${account}Voice-Message: 0/1 (0/0)\n`],
      ['terminated;reason=timeout', `Messages-Waiting: no\n${account}Voice-Message: 0/1 (0/0)\n`],
    ],
    r.summary(),
  );
  for (const n of first) assert.equal(n.header('Event')[0], 'message-summary');
});
