import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messageAccount, readMailboxCounts } from '../../../../src/notify/mwi/index.js';
import { silentLogger } from '../../../../src/shared/logger.js';
import { MwiService } from '../../../../src/notify/mwi/index.js';
import { bodyOf, Harness, header, statusOf } from '../../sip/subscription/harness.js';
import { isTrusted, mwiStore, newMessage, service } from './fixture.js';

describe('MWI counts, always from the store', () => {
  test('new = inbox unheard; old = inbox heard + saved; trash not counted', async () => {
    const store = await mwiStore();
    assert.deepEqual(await readMailboxCounts(store.messages, 't1', '100'), { new: 0, old: 0, urgentNew: 0, urgentOld: 0 });
    const [a, b, c, d] = [await newMessage(store), await newMessage(store), await newMessage(store), await newMessage(store)];
    await newMessage(store, '200', 't2');
    assert.deepEqual(await readMailboxCounts(store.messages, 't1', '100'), { new: 4, old: 0, urgentNew: 0, urgentOld: 0 });
    await store.messages.setHeard('t1', a, true);
    await store.messages.move('t1', b, 'saved'); // saved, still unheard: old
    await store.messages.move('t1', c, 'trash');
    assert.deepEqual(await readMailboxCounts(store.messages, 't1', '100'), { new: 1, old: 2, urgentNew: 0, urgentOld: 0 });
    await store.messages.remove('t1', d);
    assert.deepEqual(await readMailboxCounts(store.messages, 't1', '100'), { new: 0, old: 2, urgentNew: 0, urgentOld: 0 });
  });

  test('Message-Account escapes the mailbox id', () => {
    assert.equal(messageAccount('100', 'vm.example.com'), 'sip:100@vm.example.com');
    assert.equal(messageAccount('a b@c', '[::1]'), 'sip:a%20b%40c@[::1]');
  });

  test('the account host must be a host; bare IPv6 is bracketed', () => {
    const base = { mailboxes: { get: () => Promise.resolve(null), findByNumber: () => Promise.resolve(null) }, messages: { lampCounts: () => Promise.resolve({ unheard: 0, kept: 0 }) }, isTrusted, logger: silentLogger() };
    assert.throws(() => new MwiService({ ...base, accountHost: 'a b' }), RangeError);
    assert.doesNotThrow(() => new MwiService({ ...base, accountHost: '::1' }));
  });
});

describe('MwiService as the SubscriptionApplication', () => {
  test('a trusted SUBSCRIBE for a mailbox id or number is accepted with the counts', async () => {
    const store = await mwiStore();
    await newMessage(store);
    const mwi = service(store);
    const h = new Harness((s) => mwi.onSubscribe(s));
    h.request({ callId: 'by-id' }, '192.0.2.7');
    h.request({ callId: 'by-number', user: '+74950000100' }, '192.0.2.8');
    await h.flush();
    await new Promise((r) => setTimeout(r, 20));
    await h.flush();
    const bodies = h.distinctNotifies().map(bodyOf);
    assert.deepEqual(bodies, [1, 2].map(() => 'Messages-Waiting: yes\r\nMessage-Account: sip:100@vm.example.com\r\nVoice-Message: 1/0 (0/0)\r\n'));
    assert.equal(mwi.subscriptionsOf('t1', '100').length, 2);
    assert.equal(mwi.size, 2);
    // Ended subscriptions are forgotten.
    for (const n of h.distinctNotifies()) h.answer(n, 481);
    await h.flush();
    assert.equal(mwi.size, 0);
  });

  test('untrusted source, unknown mailbox, another tenant\'s mailbox: the same 403', async () => {
    const store = await mwiStore();
    const mwi = service(store);
    const h = new Harness((s) => mwi.onSubscribe(s));
    const untrusted = h.request({ callId: 'u' }, '203.0.113.5');
    h.request({ callId: 'x', user: '999' }, '192.0.2.7');
    h.request({ callId: 'y', user: '200' }, '192.0.2.7');
    await new Promise((r) => setTimeout(r, 20));
    const responses = h.sent.filter((s) => s.text.startsWith('SIP/2.0')).map((s) => s.text);
    assert.equal(responses.length, 3);
    assert.equal(statusOf(untrusted), 403);
    // Identical but for what echoes the request: Via, Call-ID, tags, From/To users.
    const shape = (t: string): string[] => t.split('\r\n').map((l) => l.replace(/branch=[^;]+|tag=[^;\s>]+|Call-ID: \S+|sip:\w+@|UDP [\d.]+:/g, ''));
    assert.deepEqual(shape(responses[1]!), shape(responses[0]!));
    assert.deepEqual(shape(responses[2]!), shape(responses[0]!));
    assert.equal(header(responses[1]!, 'Server'), 'UT');
    assert.equal(mwi.size, 0);
  });

  test('a store error answers 500 with Retry-After', async () => {
    const mwi = new MwiService({
      mailboxes: { get: () => Promise.reject(new Error('locked')), findByNumber: () => Promise.resolve(null) },
      messages: { lampCounts: () => Promise.resolve({ unheard: 0, kept: 0 }) },
      isTrusted,
      accountHost: 'vm',
      logger: silentLogger(),
    });
    const h = new Harness((s) => mwi.onSubscribe(s));
    h.request({}, '192.0.2.7');
    await new Promise((r) => setTimeout(r, 10));
    const res = h.sent[0]!.text;
    assert.equal(statusOf(res), 500);
    assert.equal(header(res, 'Retry-After'), '60');
  });
});
