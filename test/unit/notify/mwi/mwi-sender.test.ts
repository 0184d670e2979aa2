import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyNotifyStatus, MwiSender, MwiService, type MwiNotifier } from '../../../../src/notify/mwi/index.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import type { SendNotifyOptions } from '../../../../src/sip/index.js';
import { bodyOf, Harness } from '../../sip/subscription/harness.js';
import { isTrusted, mwiNotification, mwiStore, newMessage, service } from './fixture.js';

class FakeNotifier implements MwiNotifier {
  readonly sent: { uri: string; body: string; options: SendNotifyOptions }[] = [];
  constructor(private readonly answer: (uri: string) => Promise<{ status: number }>) {}
  sendNotify(uri: string, body: string, options: SendNotifyOptions): Promise<{ status: number }> {
    this.sent.push({ uri, body, options });
    return this.answer(uri);
  }
}

const signal = new AbortController().signal;

describe('MwiSender (channel mwi)', () => {
  test('a sip: recipient gets an unsolicited NOTIFY with the counts of now', async () => {
    const store = await mwiStore();
    await newMessage(store);
    const notifier = new FakeNotifier(() => Promise.resolve({ status: 200 }));
    const sender = new MwiSender({ service: service(store), notifier, logger: silentLogger() });
    const r = await sender.send(mwiNotification('sip:phone@192.0.2.50:5070'), signal);
    assert.deepEqual(r, { ok: true, providerId: null, detail: 'NOTIFY 200' });
    assert.equal(notifier.sent.length, 1);
    assert.equal(notifier.sent[0]!.uri, 'sip:phone@192.0.2.50:5070');
    assert.deepEqual(notifier.sent[0]!.options, { event: 'message-summary', fromUser: '100' });
    assert.equal(notifier.sent[0]!.body, 'Messages-Waiting: yes\r\nMessage-Account: sip:100@vm.example.com\r\nVoice-Message: 1/0 (0/0)\r\n');
    assert.equal(sender.channel, 'mwi');
  });

  test('the NOTIFY answer decides: 408/503 retry, 404/481/603 fail, a bad URI fails', async () => {
    const store = await mwiStore();
    const status = { value: 200 };
    const notifier = new FakeNotifier((uri) => (uri.includes('example') ? Promise.reject(new RangeError('host must be an IP address')) : Promise.resolve({ status: status.value })));
    const sender = new MwiSender({ service: service(store), notifier, logger: silentLogger() });
    for (const [s, permanent] of [
      [408, false],
      [503, false],
      [486, false],
      [404, true],
      [481, true],
      [603, true],
      [501, true],
    ] as const) {
      status.value = s;
      const r = await sender.send(mwiNotification('sip:p@192.0.2.50'), signal);
      assert.deepEqual(r, { ok: false, permanent, error: `NOTIFY got ${String(s)}` });
    }
    const bad = await sender.send(mwiNotification('sip:p@phone.example'), signal);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.permanent, true);
    const notSip = await sender.send(mwiNotification('mailto:a@b'), signal);
    assert.equal(!notSip.ok && notSip.permanent, true);
    assert.equal(classifyNotifyStatus(202), 'sent');
  });

  test('"subscribers": every live subscription of the mailbox, and only those', async () => {
    const store = await mwiStore();
    const mwi = service(store);
    const h = new Harness((s) => mwi.onSubscribe(s));
    h.request({ callId: 's1' }, '192.0.2.7');
    h.request({ callId: 's2' }, '192.0.2.8');
    h.request({ callId: 'other', user: '200' }, '198.51.100.1');
    await new Promise((r) => setTimeout(r, 20));
    await h.flush();
    for (const n of h.distinctNotifies()) h.answer(n, 200);
    await h.flush();
    assert.equal(h.distinctNotifies().length, 3);
    await newMessage(store);
    const notifier = new FakeNotifier(() => Promise.resolve({ status: 200 }));
    const sender = new MwiSender({ service: mwi, notifier, logger: silentLogger() });
    const p = sender.send(mwiNotification('subscribers'), signal);
    await new Promise((r) => setTimeout(r, 20));
    await h.flush();
    const fresh = h.distinctNotifies().slice(3);
    assert.equal(fresh.length, 2, 'the t2 subscription is not notified');
    for (const n of fresh) {
      assert.match(bodyOf(n), /^Messages-Waiting: yes\r\n.*\r\nVoice-Message: 1\/0 \(0\/0\)\r\n$/s);
      h.answer(n, 200);
    }
    assert.deepEqual(await p, { ok: true, providerId: null, detail: '2 subscription(s): 200, 200' });
    assert.equal(notifier.sent.length, 0);
  });

  test('the mailbox comes from the payload, else from the notification; a store error retries', async () => {
    const store = await mwiStore();
    const notifier = new FakeNotifier(() => Promise.resolve({ status: 200 }));
    const sender = new MwiSender({ service: service(store), notifier, logger: silentLogger() });
    const n = { ...mwiNotification('subscribers', { tenantId: 't1', id: '100' }, 'not json'), mailboxId: null };
    const r = await sender.send(n, signal);
    assert.equal(!r.ok && r.permanent, true);
    const broken = new MwiService({
      mailboxes: store.mailboxes,
      messages: { lampCounts: () => Promise.reject(new Error('SQLITE_BUSY')) },
      isTrusted,
      accountHost: 'vm',
      logger: silentLogger(),
    });
    const r2 = await new MwiSender({ service: broken, notifier, logger: silentLogger() }).send(mwiNotification('sip:p@192.0.2.1'), signal);
    assert.deepEqual(r2, { ok: false, permanent: false, error: 'could not read the counts: SQLITE_BUSY' });
  });

  test('"subscribers" with no phone subscribed is delivered without reading the counts', async () => {
    const store = await mwiStore();
    let reads = 0;
    const counting = new MwiService({
      mailboxes: store.mailboxes,
      messages: { lampCounts: () => (reads++, Promise.reject(new Error('SQLITE_BUSY'))) },
      isTrusted,
      accountHost: 'vm',
      logger: silentLogger(),
    });
    const notifier = new FakeNotifier(() => Promise.resolve({ status: 200 }));
    const r = await new MwiSender({ service: counting, notifier, logger: silentLogger() }).send(mwiNotification('subscribers'), signal);
    assert.deepEqual(r, { ok: true, providerId: null, detail: '0 subscription(s)' });
    assert.equal(reads, 0, 'the store was not asked');
    assert.equal(notifier.sent.length, 0, 'no unsolicited NOTIFY');
  });
});
