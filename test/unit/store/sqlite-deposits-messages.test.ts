import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VoicemailStore } from '../../../src/voicemail/ports.js';
import { deposit, depositFor, messageFor, missedFor, openTestStore, tempDir, TestTime } from './store-fixture.js';

const dir = await tempDir('store-messages');

async function storeWithMailboxes(time = new TestTime()): Promise<VoicemailStore> {
  const { store } = await openTestStore(dir, time);
  await store.tenants.create({ id: 't1' });
  await store.tenants.create({ id: 't2' });
  await store.mailboxes.create({ tenantId: 't1', id: '100' });
  await store.mailboxes.create({ tenantId: 't1', id: '101' });
  await store.mailboxes.create({ tenantId: 't2', id: '100' });
  return store;
}

describe('SQLite deposits', () => {
  test('begin → pending; finish → message in, pending out', async () => {
    const store = await storeWithMailboxes();
    const d = depositFor('t1', '100', 'dep-1');
    await store.deposits.begin(d);
    assert.deepEqual(await store.deposits.pending(), [d]);
    assert.equal(await store.messages.get('t1', 'dep-1'), null);

    const message = await store.deposits.finish('dep-1', messageFor(d));
    assert.deepEqual(message, {
      ...messageFor(d),
      heard: false,
      folder: 'inbox',
      folderChangedAt: '2026-03-01T12:00:00.000Z',
      origin: 'call',
      forwardedBy: null,
      commentMs: 0,
      transcript: null,
      restoreFolder: null,
    });
    assert.deepEqual(await store.messages.get('t1', 'dep-1'), message);
    assert.deepEqual(await store.deposits.pending(), []);
  });

  test('finish is all or nothing', async () => {
    const store = await storeWithMailboxes();
    const d = depositFor('t1', '100', 'dep-2');
    await store.deposits.begin(d);
    // Invalid message: refused before the transaction; the deposit stays pending.
    await assert.rejects(store.deposits.finish('dep-2', messageFor(d, { durationMs: -1 })), { code: 'VM_STORE_INVALID', message: /^durationMs: / });
    await assert.rejects(store.deposits.finish('dep-2', messageFor(d, { id: 'other' })), { code: 'VM_STORE_INVALID', message: /^id: must be the deposit id/ });
    await assert.rejects(store.deposits.finish('dep-2', messageFor(d, { mailboxId: '101' })), { code: 'VM_STORE_INVALID', message: /^mailboxId: / });
    assert.deepEqual((await store.deposits.pending()).map((p) => p.id), ['dep-2']);
    assert.deepEqual(await store.messages.list({ tenantId: 't1' }), []);
    // A second finish (or a finish of an unknown deposit) finds nothing pending.
    await store.deposits.finish('dep-2', messageFor(d));
    await assert.rejects(store.deposits.finish('dep-2', messageFor(d)), { code: 'VM_STORE_NOT_FOUND', message: /dep-2/ });
    assert.equal((await store.messages.list({ tenantId: 't1' })).length, 1);
  });

  test('begin refuses an unknown mailbox, a reused id and bad fields', async () => {
    const store = await storeWithMailboxes();
    await assert.rejects(store.deposits.begin(depositFor('t1', '999', 'dep-3')), { code: 'VM_STORE_NOT_FOUND', message: /999/ });
    await assert.rejects(store.deposits.begin(depositFor('t3', '100', 'dep-3')), { code: 'VM_STORE_NOT_FOUND' });
    await store.deposits.begin(depositFor('t1', '100', 'dep-3'));
    await assert.rejects(store.deposits.begin(depositFor('t1', '100', 'dep-3')), { code: 'VM_STORE_INVALID', message: /^id: must be a new deposit id/ });
    await store.deposits.finish('dep-3', messageFor(depositFor('t1', '100', 'dep-3')));
    await assert.rejects(store.deposits.begin(depositFor('t1', '100', 'dep-3')), { code: 'VM_STORE_INVALID' });
    await assert.rejects(store.deposits.begin({ ...depositFor('t1', '100', 'dep-4'), receivedAt: 'yesterday' }), {
      code: 'VM_STORE_INVALID',
      message: /^receivedAt: must be an ISO 8601 time/,
    });
    await assert.rejects(store.deposits.begin({ ...depositFor('t1', '100', 'dep-4'), reason: 'bored' as never }), {
      code: 'VM_STORE_INVALID',
      message: /^reason: must be one of busy/,
    });
    assert.deepEqual(await store.deposits.pending(), []);
  });

  test('times are stored in canonical UTC form', async () => {
    const store = await storeWithMailboxes();
    const d = depositFor('t1', '100', 'dep-tz', '2026-03-01T15:00:00+03:00');
    await store.deposits.begin(d);
    assert.equal((await store.deposits.pending())[0]?.receivedAt, '2026-03-01T12:00:00.000Z');
    const m = await store.deposits.finish('dep-tz', messageFor(d));
    assert.equal(m.receivedAt, '2026-03-01T12:00:00.000Z');
  });

  test('abandon: missed call in with a new id, pending out', async () => {
    const store = await storeWithMailboxes();
    await store.deposits.begin(depositFor('t1', '100', 'dep-5'));
    const missed = await store.deposits.abandon('dep-5', missedFor('t1', '100'));
    assert.match(missed.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(missed, { id: missed.id, ...missedFor('t1', '100') });
    assert.deepEqual(await store.deposits.pending(), []);
    assert.deepEqual(await store.missedCalls.list({ tenantId: 't1' }), [missed]);
    assert.equal(await store.messages.get('t1', 'dep-5'), null);

    // Without a deposit (hung up before the beep), and twice for one call: two records.
    const second = await store.deposits.abandon(null, { ...missedFor('t1', '100', '2026-03-01T11:30:00.000Z'), cause: 'hangup-before-beep' });
    assert.notEqual(second.id, missed.id);
    await assert.rejects(store.deposits.abandon(null, missedFor('t1', '999')), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.deposits.abandon(null, { ...missedFor('t1', '100'), cause: 'aliens' as never }), {
      code: 'VM_STORE_INVALID',
      message: /^cause: /,
    });
  });

  test('abandon of another tenant leaves the pending deposit alone', async () => {
    const store = await storeWithMailboxes();
    await store.deposits.begin(depositFor('t1', '100', 'dep-6'));
    await store.deposits.abandon('dep-6', missedFor('t2', '100'));
    assert.deepEqual((await store.deposits.pending()).map((p) => p.id), ['dep-6']);
  });
});

describe('SQLite missed calls', () => {
  test('newest first, filtered by tenant and mailbox, limited', async () => {
    const store = await storeWithMailboxes();
    const at = (h: number): string => `2026-03-01T${String(h).padStart(2, '0')}:00:00.000Z`;
    await store.deposits.abandon(null, missedFor('t1', '100', at(8)));
    await store.deposits.abandon(null, missedFor('t1', '101', at(9)));
    await store.deposits.abandon(null, missedFor('t1', '100', at(10)));
    await store.deposits.abandon(null, missedFor('t2', '100', at(11)));
    assert.deepEqual((await store.missedCalls.list({ tenantId: 't1' })).map((c) => c.at), [at(10), at(9), at(8)]);
    assert.deepEqual((await store.missedCalls.list({ tenantId: 't1', mailboxId: '100' })).map((c) => c.at), [at(10), at(8)]);
    assert.deepEqual((await store.missedCalls.list({ tenantId: 't2' })).map((c) => c.at), [at(11)]);
    assert.deepEqual((await store.missedCalls.list({})).map((c) => c.at), [at(11), at(10), at(9), at(8)]);
    assert.deepEqual((await store.missedCalls.list({ limit: 2 })).map((c) => c.at), [at(11), at(10)]);
    await assert.rejects(store.missedCalls.list({ limit: 0 }), { code: 'VM_STORE_INVALID', message: /^limit: / });
  });
});

describe('SQLite messages', () => {
  test('list: newest first, every filter, limits', async () => {
    const store = await storeWithMailboxes();
    const at = (day: number): string => `2026-02-${String(day).padStart(2, '0')}T10:00:00.000Z`;
    for (const [id, tenant, mailbox, day] of [
      ['m1', 't1', '100', 1],
      ['m2', 't1', '100', 2],
      ['m3', 't1', '101', 3],
      ['m4', 't1', '100', 4],
      ['m5', 't2', '100', 5],
    ] as const) {
      await deposit(store, depositFor(tenant, mailbox, id, at(day)));
    }
    await store.messages.setHeard('t1', 'm2', true);
    await store.messages.move('t1', 'm4', 'saved');
    const ids = async (f: Parameters<VoicemailStore['messages']['list']>[0]): Promise<string[]> =>
      (await store.messages.list(f)).map((m) => m.id);
    assert.deepEqual(await ids({}), ['m5', 'm4', 'm3', 'm2', 'm1']);
    assert.deepEqual(await ids({ tenantId: 't1' }), ['m4', 'm3', 'm2', 'm1']);
    assert.deepEqual(await ids({ tenantId: 't1', mailboxId: '100' }), ['m4', 'm2', 'm1']);
    assert.deepEqual(await ids({ tenantId: 't1', folder: 'inbox' }), ['m3', 'm2', 'm1']);
    assert.deepEqual(await ids({ tenantId: 't1', folder: 'saved' }), ['m4']);
    assert.deepEqual(await ids({ tenantId: 't1', heard: true }), ['m2']);
    assert.deepEqual(await ids({ tenantId: 't1', heard: false }), ['m4', 'm3', 'm1']);
    assert.deepEqual(await ids({ from: at(2), to: at(4) }), ['m3', 'm2'], 'from inclusive, to exclusive');
    assert.deepEqual(await ids({ from: '2026-02-02T13:00:00+03:00' }), ['m5', 'm4', 'm3', 'm2'], 'bounds with an offset');
    assert.deepEqual(await ids({ limit: 2 }), ['m5', 'm4']);
    assert.equal((await store.messages.list({ limit: 5000 })).length, 5, 'a limit above 1000 is cut, not refused');
    await assert.rejects(store.messages.list({ limit: -1 }), { code: 'VM_STORE_INVALID' });
    await assert.rejects(store.messages.list({ from: 'last week' }), { code: 'VM_STORE_INVALID', message: /^from: / });
    await assert.rejects(store.messages.list({ folder: 'spam' as never }), { code: 'VM_STORE_INVALID', message: /^folder: / });
  });

  test('the default limit is 100', async () => {
    const store = await storeWithMailboxes();
    for (let i = 0; i < 105; i++) await deposit(store, depositFor('t1', '100', `n${String(i)}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString()));
    const page = await store.messages.list({ tenantId: 't1' });
    assert.equal(page.length, 100);
    assert.equal(page[0]?.id, 'n104');
  });

  test('setHeard, move (folderChangedAt), countForQuota, remove', async () => {
    const time = new TestTime();
    const store = await storeWithMailboxes(time);
    await deposit(store, depositFor('t1', '100', 'a'));
    await deposit(store, depositFor('t1', '100', 'b'));
    await deposit(store, depositFor('t1', '100', 'c'));
    assert.equal(await store.messages.countForQuota('t1', '100'), 3);

    const heard = await store.messages.setHeard('t1', 'a', true);
    assert.equal(heard.heard, true);
    assert.equal((await store.messages.get('t1', 'a'))?.heard, true);
    assert.equal((await store.messages.setHeard('t1', 'a', false)).heard, false);

    time.advanceDays(1);
    const saved = await store.messages.move('t1', 'a', 'saved');
    assert.equal(saved.folder, 'saved');
    assert.equal(saved.folderChangedAt, '2026-03-02T12:00:00.000Z');
    time.advanceDays(1);
    const again = await store.messages.move('t1', 'a', 'saved');
    assert.equal(again.folderChangedAt, '2026-03-02T12:00:00.000Z', 'a move to the same folder does not restart retention');
    await store.messages.move('t1', 'b', 'trash');
    assert.equal(await store.messages.countForQuota('t1', '100'), 2, 'trash does not count');
    // a: saved (unheard, but saved is never "new"); b: trash; c: inbox, unheard.
    assert.deepEqual(await store.messages.lampCounts('t1', '100'), { unheard: 1, kept: 2 });
    await store.messages.setHeard('t1', 'c', true);
    assert.deepEqual(await store.messages.lampCounts('t1', '100'), { unheard: 0, kept: 2 });
    await store.messages.setHeard('t1', 'c', false);
    assert.deepEqual(await store.messages.get('t1', 'b'), { ...(await store.messages.get('t1', 'b'))!, folder: 'trash', folderChangedAt: '2026-03-03T12:00:00.000Z' });

    assert.deepEqual(await store.messages.remove('t1', 'c'), { audioKey: 'messages/t1/100/c.wav' });
    assert.equal(await store.messages.get('t1', 'c'), null);
    assert.equal(await store.messages.countForQuota('t1', '100'), 1);
    await assert.rejects(store.messages.remove('t1', 'c'), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.messages.setHeard('t1', 'zzz', true), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.messages.move('t1', 'zzz', 'inbox'), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.messages.move('t1', 'a', 'bin' as never), { code: 'VM_STORE_INVALID' });
  });

  test("another tenant's message id is invisible", async () => {
    const store = await storeWithMailboxes();
    await deposit(store, depositFor('t1', '100', 'secret'));
    assert.equal(await store.messages.get('t2', 'secret'), null);
    await assert.rejects(store.messages.setHeard('t2', 'secret', true), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.messages.move('t2', 'secret', 'trash'), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.messages.remove('t2', 'secret'), { code: 'VM_STORE_NOT_FOUND' });
    assert.equal(await store.messages.countForQuota('t2', '100'), 0);
    assert.deepEqual(await store.messages.lampCounts('t2', '100'), { unheard: 0, kept: 0 });
    assert.deepEqual(await store.messages.list({ tenantId: 't2' }), []);
    const m = await store.messages.get('t1', 'secret');
    assert.equal(m?.heard, false);
    assert.equal(m?.folder, 'inbox');
  });

  test('expired: inbox by receivedAt, trash by folderChangedAt (retentionDays), saved by folderChangedAt (savedRetentionDays)', async () => {
    const time = new TestTime(new Date('2026-01-01T00:00:00.000Z'));
    const store = await storeWithMailboxes(time);
    await store.mailboxes.update('t1', '101', { retentionDays: 2, savedRetentionDays: 5 });
    const day = (n: number): string => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();
    // t1/100: retention 14 / saved 90 (defaults).
    await deposit(store, depositFor('t1', '100', 'inbox-old', day(0)));
    await deposit(store, depositFor('t1', '100', 'inbox-new', day(10)));
    await deposit(store, depositFor('t1', '100', 'saved-old-but-saved-late', day(0)));
    await deposit(store, depositFor('t1', '100', 'trash-recent', day(0)));
    await deposit(store, depositFor('t1', '100', 'trash-old', day(0)));
    await deposit(store, depositFor('t1', '100', 'saved-very-old', day(0)));
    // t1/101: retention 2 / saved 5.
    await deposit(store, depositFor('t1', '101', 'short-inbox', day(11)));
    await deposit(store, depositFor('t1', '101', 'short-saved', day(0)));

    await store.messages.move('t1', 'trash-old', 'trash'); // at day 0
    await store.messages.move('t1', 'saved-very-old', 'saved'); // at day 0
    await store.messages.move('t1', 'short-saved', 'saved'); // at day 0
    time.set(day(10));
    await store.messages.move('t1', 'saved-old-but-saved-late', 'saved'); // at day 10
    await store.messages.move('t1', 'trash-recent', 'trash'); // at day 10

    const expiredAt = async (n: number, limit = 100): Promise<string[]> =>
      (await store.messages.expired(new Date(day(n)), limit)).map((m) => m.id).sort();
    assert.deepEqual(await expiredAt(5), [], 'day 5: nothing older than its retention');
    assert.deepEqual(await expiredAt(5.001), ['short-saved'], 'saved 5 days ago with savedRetentionDays 5');
    assert.deepEqual(await expiredAt(14), ['short-inbox', 'short-saved'], 'exactly 14 days old is kept');
    assert.deepEqual(await expiredAt(14.001), ['inbox-old', 'short-inbox', 'short-saved', 'trash-old']);
    assert.deepEqual(await expiredAt(24.001), ['inbox-new', 'inbox-old', 'short-inbox', 'short-saved', 'trash-old', 'trash-recent']);
    assert.deepEqual(await expiredAt(90.001), [
      'inbox-new',
      'inbox-old',
      'saved-very-old',
      'short-inbox',
      'short-saved',
      'trash-old',
      'trash-recent',
    ]);
    assert.deepEqual(await expiredAt(100.001), [
      'inbox-new',
      'inbox-old',
      'saved-old-but-saved-late',
      'saved-very-old',
      'short-inbox',
      'short-saved',
      'trash-old',
      'trash-recent',
    ]);
    const oldestTwo = await store.messages.expired(new Date(day(100.001)), 2);
    assert.equal(oldestTwo.length, 2);
    assert.ok(oldestTwo.every((m) => m.receivedAt === day(0)), 'oldest first');
    await assert.rejects(store.messages.expired(new Date(day(1)), 0), { code: 'VM_STORE_INVALID' });
  });

  test('removing a mailbox removes everything of it in one go and returns its audio keys', async () => {
    const store = await storeWithMailboxes();
    await store.mailboxes.update('t1', '100', {
      numbers: ['100'],
      greetings: { busy: { mode: 'leave-message', audioKey: 'greetings/t1/100/busy.wav' } },
      warningAudioKey: 'greetings/t1/100/warning.wav',
    });
    await deposit(store, depositFor('t1', '100', 'x1'));
    await deposit(store, depositFor('t1', '100', 'x2'));
    await deposit(store, depositFor('t1', '101', 'keep'));
    await deposit(store, depositFor('t2', '100', 'other-tenant'));
    await store.deposits.begin(depositFor('t1', '100', 'in-progress'));
    await store.deposits.abandon(null, missedFor('t1', '100'));
    await store.deposits.abandon(null, missedFor('t1', '101'));

    const { audioKeys } = await store.mailboxes.remove('t1', '100');
    assert.deepEqual(audioKeys.sort(), [
      'greetings/t1/100/busy.wav',
      'greetings/t1/100/warning.wav',
      'messages/t1/100/x1.wav',
      'messages/t1/100/x2.wav',
    ]);
    assert.equal(await store.mailboxes.get('t1', '100'), null);
    assert.equal(await store.mailboxes.findByNumber('t1', '100'), null);
    assert.deepEqual((await store.messages.list({})).map((m) => m.id).sort(), ['keep', 'other-tenant']);
    assert.deepEqual((await store.missedCalls.list({ tenantId: 't1' })).map((c) => c.mailboxId), ['101']);
    assert.deepEqual(await store.deposits.pending(), []);
    // The id and the number are free again.
    await store.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['100'] });
    assert.deepEqual(await store.messages.list({ tenantId: 't1', mailboxId: '100' }), []);
  });
});
