/**
 * The durable outbox on real SQLite files: queueing with delivery keys, leasing due
 * notifications (also across processes), recording attempts, and the `notify` hooks
 * that queue notifications in the same transaction as the change that causes them.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { openSqliteStore } from '../../../src/store/index.js';
import type { Database } from '../../../src/store/sql/database.js';
import { migrationProvider, MIGRATIONS } from '../../../src/store/sql/migrations.js';
import { VoxmailSqliteDialect } from '../../../src/store/sqlite/sqlite-dialect.js';
import type { Message, MissedCall } from '../../../src/voicemail/model.js';
import type { NewNotification, VoicemailStore } from '../../../src/voicemail/ports.js';
import { killChildren, spawnTracked } from '../../support/child-processes.js';
import { waitFor } from '../../support/wait.js';
import { deposit, depositFor, messageFor, missedFor, openTestStore, tempDir, TestTime, testStoreWriter } from './store-fixture.js';

const dir = await tempDir('store-outbox');
after(killChildren);

const T0 = '2026-03-01T12:00:00.000Z';
const at = (offsetMs: number): Date => new Date(Date.parse(T0) + offsetMs);

function note(overrides: Partial<NewNotification> = {}): NewNotification {
  return {
    tenantId: 't1',
    mailboxId: '100',
    channel: 'email',
    event: 'message.created',
    subjectId: 'msg-1',
    recipient: 'owner@example.com',
    payload: JSON.stringify({ kind: 'message' }),
    giveUpAt: '2026-03-04T12:00:00.000Z',
    ...overrides,
  };
}

/** The notifications a new message causes, as the planner would compute them. */
const forMessage =
  (...recipients: string[]) =>
  (m: Message): NewNotification[] =>
    recipients.map((recipient) =>
      note({ tenantId: m.tenantId, mailboxId: m.mailboxId, subjectId: m.id, recipient, payload: JSON.stringify({ id: m.id, heard: m.heard }) }),
    );

async function storeWithMailbox(time = new TestTime()): Promise<{ store: VoicemailStore; file: string; time: TestTime }> {
  const opened = await openTestStore(dir, time);
  await opened.store.tenants.create({ id: 't1' });
  await opened.store.mailboxes.create({ tenantId: 't1', id: '100' });
  return opened;
}

function inspect<T>(file: string, read: (db: SqliteDatabase.Database) => T): T {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('SQLite outbox: enqueue, get, list', () => {
  test('queues with the documented defaults; a delivery key already queued is skipped', async () => {
    const { store } = await storeWithMailbox();
    const n = await store.outbox.enqueue([note(), note({ channel: 'sms', recipient: '+79160001122' }), note()]);
    assert.equal(n, 2, 'the repeat within the batch is not new');
    assert.equal(await store.outbox.enqueue([note(), note({ recipient: 'copy@example.com' })]), 1);
    assert.equal(await store.outbox.enqueue([]), 0);

    const all = await store.outbox.list({});
    assert.deepEqual(
      all.map((x) => x.recipient),
      ['copy@example.com', '+79160001122', 'owner@example.com'],
      'newest first; rows queued together keep their order',
    );
    const first = all[2]!;
    assert.deepEqual({ ...first, id: '' }, {
      id: '',
      tenantId: 't1',
      mailboxId: '100',
      channel: 'email',
      event: 'message.created',
      subjectId: 'msg-1',
      recipient: 'owner@example.com',
      payload: '{"kind":"message"}',
      deliveryKey: 'message.created:msg-1:email:owner@example.com',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: T0,
      giveUpAt: '2026-03-04T12:00:00.000Z',
      lastError: null,
      providerId: null,
      createdAt: T0,
      updatedAt: T0,
    });
    assert.deepEqual(await store.outbox.get(first.id), first);
    assert.equal(await store.outbox.get('nope'), null);
    assert.deepEqual(await store.outbox.attempts(first.id), []);
  });

  test('nextAttemptAt and giveUpAt are stored in canonical UTC; mailboxId may be null', async () => {
    const { store } = await storeWithMailbox();
    await store.outbox.enqueue([
      note({ mailboxId: null, channel: 'webhook', event: 'notification.failed', recipient: 'https://hooks.example/x', nextAttemptAt: '2026-03-01T15:30:00+03:00', giveUpAt: '2026-03-02T03:00:00+03:00' }),
    ]);
    const [n] = await store.outbox.list({});
    assert.equal(n?.mailboxId, null);
    assert.equal(n?.nextAttemptAt, '2026-03-01T12:30:00.000Z');
    assert.equal(n?.giveUpAt, '2026-03-02T00:00:00.000Z');
  });

  test('list filters by tenant, subject, status and channel; limit default 100, at most 1000', async () => {
    const { store } = await storeWithMailbox();
    await store.tenants.create({ id: 't2' });
    const items = Array.from({ length: 105 }, (_, i) => note({ subjectId: `m${String(i)}` }));
    await store.outbox.enqueue(items);
    await store.outbox.enqueue([note({ tenantId: 't2', subjectId: 'm1', channel: 'sms', recipient: '+1555' })]);
    assert.equal((await store.outbox.list({})).length, 100);
    assert.equal((await store.outbox.list({ limit: 5000 })).length, 106);
    assert.deepEqual((await store.outbox.list({ subjectId: 'm1' })).map((n) => n.tenantId), ['t2', 't1']);
    assert.deepEqual((await store.outbox.list({ tenantId: 't2' })).map((n) => n.subjectId), ['m1']);
    assert.deepEqual((await store.outbox.list({ tenantId: 't1', subjectId: 'm1' })).map((n) => n.channel), ['email']);
    assert.deepEqual((await store.outbox.list({ channel: 'sms' })).map((n) => n.tenantId), ['t2']);
    assert.equal((await store.outbox.list({ status: 'sent' })).length, 0);
    assert.equal((await store.outbox.list({ status: 'pending', limit: 3 })).length, 3);
    await assert.rejects(store.outbox.list({ limit: 0 }), { code: 'VM_STORE_INVALID', message: /^limit: / });
    await assert.rejects(store.outbox.list({ status: 'lost' as never }), { code: 'VM_STORE_INVALID', message: /^status: must be one of pending, sent, failed/ });
  });

  test('a batch with one bad item is refused whole, naming the item and field', async () => {
    const { store } = await storeWithMailbox();
    const cases: [Partial<NewNotification> | Record<string, unknown>, RegExp][] = [
      [{ channel: 'pigeon' }, /^notifications\[1\]\.channel: must be one of email, sms, webhook, mwi/],
      [{ event: 'message.burned' }, /^notifications\[1\]\.event: must be one of message\.created/],
      [{ payload: '{not json' }, /^notifications\[1\]\.payload: must be a JSON text/],
      [{ giveUpAt: 'tomorrow' }, /^notifications\[1\]\.giveUpAt: must be an ISO 8601 time/],
      [{ nextAttemptAt: 'soon' }, /^notifications\[1\]\.nextAttemptAt: must be an ISO 8601 time/],
      [{ recipient: '' }, /^notifications\[1\]\.recipient: must be text of 1–2048 characters/],
      [{ subjectId: '../x' }, /^notifications\[1\]\.subjectId: must be 1–64 letters/],
      [{ tenantId: undefined }, /^notifications\[1\]\.tenantId: /],
    ];
    for (const [bad, message] of cases) {
      await assert.rejects(store.outbox.enqueue([note({ subjectId: 'ok' }), { ...note(), ...bad }]), { code: 'VM_STORE_INVALID', message }, JSON.stringify(bad));
    }
    await assert.rejects(store.outbox.enqueue([null as never]), { code: 'VM_STORE_INVALID', message: /^notifications\[0\]: / });
    assert.deepEqual(await store.outbox.list({}), [], 'nothing was queued');
  });
});

describe('SQLite outbox: claimDue and complete', () => {
  test('claims due pending rows, earliest first, up to the limit; each leased and its attempt counted', async () => {
    const { store } = await storeWithMailbox();
    await store.outbox.enqueue([
      note({ subjectId: 'later', nextAttemptAt: at(60_000).toISOString() }),
      note({ subjectId: 'b', nextAttemptAt: at(-1_000).toISOString() }),
      note({ subjectId: 'a', nextAttemptAt: at(-2_000).toISOString() }),
      note({ subjectId: 'c' }),
    ]);
    const claimed = await store.outbox.claimDue(at(0), 30_000, 2);
    assert.deepEqual(claimed.map((n) => n.subjectId), ['a', 'b']);
    for (const n of claimed) {
      assert.equal(n.attempts, 1);
      assert.equal(n.nextAttemptAt, at(30_000).toISOString(), 'returned with the lease');
      assert.deepEqual(await store.outbox.get(n.id), n, 'what is returned is what was written');
    }
    assert.deepEqual((await store.outbox.claimDue(at(0), 30_000, 10)).map((n) => n.subjectId), ['c'], 'leased rows are not claimed again');
    assert.deepEqual(await store.outbox.claimDue(at(29_999), 30_000, 10), [], 'not until the lease runs out');
    // At +30 s the leases of a, b, c have run out (the worker died); "later" is due at +60 s only.
    // Equally due, they come in the order they were queued.
    const again = await store.outbox.claimDue(at(30_000), 60_000, 10);
    assert.deepEqual(again.map((n) => [n.subjectId, n.attempts]), [['b', 2], ['a', 2], ['c', 2]]);
    assert.deepEqual((await store.outbox.claimDue(at(60_000), 1_000, 10)).map((n) => n.subjectId), ['later']);
  });

  test('sent: status sent with the provider id; the attempt is logged; never claimed again', async () => {
    const { store, time } = await storeWithMailbox();
    await store.outbox.enqueue([note()]);
    const [n] = await store.outbox.claimDue(at(0), 30_000, 10);
    time.set('2026-03-01T12:00:02.000Z');
    const done = await store.outbox.complete(n!.id, { outcome: 'sent', detail: '250 2.0.0 Ok: queued as ABC', providerId: 'ABC' });
    assert.equal(done.status, 'sent');
    assert.equal(done.providerId, 'ABC');
    assert.equal(done.attempts, 1);
    assert.equal(done.lastError, null);
    assert.equal(done.updatedAt, '2026-03-01T12:00:02.000Z');
    assert.deepEqual(await store.outbox.get(n!.id), done);
    assert.deepEqual(await store.outbox.attempts(n!.id), [
      { notificationId: n!.id, attempt: 1, at: '2026-03-01T12:00:02.000Z', outcome: 'sent', detail: '250 2.0.0 Ok: queued as ABC', providerId: 'ABC' },
    ]);
    assert.deepEqual(await store.outbox.claimDue(at(86_400_000), 30_000, 10), []);
  });

  test('retry: stays pending until nextAttemptAt with the error; failed: for good', async () => {
    const { store, time } = await storeWithMailbox();
    await store.outbox.enqueue([note()]);
    const [n] = await store.outbox.claimDue(at(0), 30_000, 10);
    const id = n!.id;
    const retry = await store.outbox.complete(id, { outcome: 'retry', detail: 'ECONNREFUSED 127.0.0.1:25', providerId: null, nextAttemptAt: at(120_000) });
    assert.deepEqual([retry.status, retry.attempts, retry.nextAttemptAt, retry.lastError], ['pending', 1, at(120_000).toISOString(), 'ECONNREFUSED 127.0.0.1:25']);
    assert.deepEqual(await store.outbox.claimDue(at(119_999), 30_000, 10), []);
    const [second] = await store.outbox.claimDue(at(120_000), 30_000, 10);
    assert.equal(second?.attempts, 2);
    time.set('2026-03-01T12:02:01.000Z');
    const failed = await store.outbox.complete(id, { outcome: 'failed', detail: '550 5.1.1 no such user', providerId: null });
    assert.deepEqual([failed.status, failed.attempts, failed.lastError], ['failed', 2, '550 5.1.1 no such user']);
    assert.deepEqual(await store.outbox.get(id), failed);
    assert.deepEqual((await store.outbox.attempts(id)).map((a) => [a.attempt, a.outcome, a.detail]), [
      [1, 'retry', 'ECONNREFUSED 127.0.0.1:25'],
      [2, 'failed', '550 5.1.1 no such user'],
    ]);
    assert.deepEqual(await store.outbox.claimDue(at(86_400_000), 30_000, 10), [], 'a failed notification is not retried');
    assert.deepEqual((await store.outbox.list({ status: 'failed' })).map((x) => x.id), [id]);
  });

  test('a late report (lease ran out, another worker finished it) is logged but changes nothing', async () => {
    const { store } = await storeWithMailbox();
    await store.outbox.enqueue([note()]);
    const [first] = await store.outbox.claimDue(at(0), 1_000, 10);
    const [second] = await store.outbox.claimDue(at(1_000), 1_000, 10); // the first worker is presumed dead
    assert.equal(second?.attempts, 2);
    await store.outbox.complete(first!.id, { outcome: 'sent', detail: null, providerId: 'from-2' });
    const late = await store.outbox.complete(first!.id, { outcome: 'failed', detail: 'timeout', providerId: null });
    assert.deepEqual([late.status, late.providerId, late.lastError, late.attempts], ['sent', 'from-2', null, 3]);
    assert.deepEqual((await store.outbox.attempts(first!.id)).map((a) => [a.attempt, a.outcome]), [
      [2, 'sent'],
      [3, 'failed'],
    ]);
  });

  test('refusals: unknown id, retry without a time, bad arguments; long details are cut', async () => {
    const { store } = await storeWithMailbox();
    await store.outbox.enqueue([note()]);
    const [n] = await store.outbox.claimDue(at(0), 30_000, 10);
    await assert.rejects(store.outbox.complete('nope', { outcome: 'sent', detail: null, providerId: null }), { code: 'VM_STORE_NOT_FOUND', message: /notification nope/ });
    await assert.rejects(store.outbox.complete(n!.id, { outcome: 'retry', detail: 'x', providerId: null }), { code: 'VM_STORE_INVALID', message: /^nextAttemptAt: must be a valid Date for a retry/ });
    await assert.rejects(store.outbox.complete(n!.id, { outcome: 'lost' as never, detail: null, providerId: null }), { code: 'VM_STORE_INVALID', message: /^outcome: must be one of sent, retry, failed/ });
    await assert.rejects(store.outbox.claimDue(new Date(NaN), 1000, 1), { code: 'VM_STORE_INVALID', message: /^now: / });
    await assert.rejects(store.outbox.claimDue(at(0), 0, 1), { code: 'VM_STORE_INVALID', message: /^leaseMs: / });
    await assert.rejects(store.outbox.claimDue(at(0), 1000, 0), { code: 'VM_STORE_INVALID', message: /^limit: / });
    assert.deepEqual(await store.outbox.attempts(n!.id), [], 'refused reports log nothing');
    const done = await store.outbox.complete(n!.id, { outcome: 'failed', detail: 'e'.repeat(5000), providerId: null });
    assert.equal(done.lastError?.length, 1000);
    assert.equal((await store.outbox.attempts(n!.id))[0]?.detail?.length, 1000);
  });

  test('two processes claiming at once never get the same notification', async () => {
    const { store, file } = await storeWithMailbox();
    const total = 240;
    await store.outbox.enqueue(Array.from({ length: total }, (_, i) => note({ subjectId: `m${String(i)}`, nextAttemptAt: '2026-01-01T00:00:00.000Z' })));
    const goFile = `${file}.go`;
    const script = path.join(import.meta.dirname, 'fixtures', 'concurrent-claimer.ts');
    const workers = ['w1', 'w2', 'w3'].map((name) => spawnTracked(process.execPath, ['--import', 'tsx', script, file, goFile, name, '4'], { cwd: process.cwd() }));
    await waitFor(() => workers.every((w) => w.stdout.includes('ready')), 30_000, () => workers.map((w) => w.stderr).join('\n'));
    await writeFile(goFile, '');
    const exits = await Promise.all(workers.map((w) => w.exited));
    for (const [i, w] of workers.entries()) assert.equal(exits[i]?.code, 0, `worker ${String(i + 1)} failed:\n${w.stderr}`);

    const claims = workers.map((w) => JSON.parse(w.stdout.trim().split('\n').at(-1) ?? '[]') as string[]);
    const all = claims.flat();
    assert.equal(all.length, total, 'every notification claimed');
    assert.equal(new Set(all).size, total, 'none claimed twice');
    assert.ok(claims.filter((c) => c.length > 0).length >= 2, `the workers overlapped (claims per worker: ${claims.map((c) => c.length).join(', ')})`);

    const sent = await store.outbox.list({ status: 'sent', limit: 1000 });
    assert.equal(sent.length, total);
    for (const [i, c] of claims.entries()) {
      for (const id of c) assert.equal(sent.find((n) => n.id === id)?.providerId, `w${String(i + 1)}`);
    }
    assert.ok(sent.every((n) => n.attempts === 1));
    assert.equal(inspect(file, (db) => db.prepare('select count(*) from delivery_attempts').pluck().get()), total, 'one attempt each');
  });
});

describe('notify hooks: notifications in the same transaction as the change', () => {
  test('deposits.finish: the message and its notifications together; notify sees the row written', async () => {
    const { store } = await storeWithMailbox();
    const d = depositFor('t1', '100', 'dep-1');
    await store.deposits.begin(d);
    let seen: Message | undefined;
    const m = await store.deposits.finish('dep-1', messageFor(d), (written) => {
      seen = written;
      return [...forMessage('a@example.com', 'b@example.com')(written), ...forMessage('a@example.com')(written)];
    });
    assert.deepEqual(seen, m);
    assert.equal(m.folder, 'inbox');
    const queued = await store.outbox.list({ subjectId: 'dep-1' });
    assert.deepEqual(queued.map((n) => n.recipient).sort(), ['a@example.com', 'b@example.com'], 'a repeated delivery key is skipped');
    assert.equal(queued[0]?.payload, '{"id":"dep-1","heard":false}');
  });

  test('deposits.finish: if notify throws or returns a bad notification, nothing is written and the deposit stays pending', async () => {
    const { store, file } = await storeWithMailbox();
    const d = depositFor('t1', '100', 'dep-2');
    await store.deposits.begin(d);
    await assert.rejects(
      store.deposits.finish('dep-2', messageFor(d), () => {
        throw new Error('planner broke');
      }),
      /planner broke/,
    );
    await assert.rejects(
      store.deposits.finish('dep-2', messageFor(d), (m) => [...forMessage('a@example.com')(m), note({ subjectId: m.id, channel: 'fax' as never })]),
      { code: 'VM_STORE_INVALID', message: /^notifications\[1\]\.channel: / },
    );
    assert.equal(await store.messages.get('t1', 'dep-2'), null);
    assert.deepEqual((await store.deposits.pending()).map((p) => p.id), ['dep-2']);
    assert.deepEqual(await store.outbox.list({}), []);
    assert.equal(inspect(file, (db) => db.prepare('select count(*) from notifications').pluck().get()), 0);
    // The deposit can still be finished afterwards.
    await store.deposits.finish('dep-2', messageFor(d), forMessage('a@example.com'));
    assert.equal((await store.outbox.list({ subjectId: 'dep-2' })).length, 1);
  });

  test('deposits.abandon: the missed call and its notifications together, or neither', async () => {
    const { store } = await storeWithMailbox();
    await store.deposits.begin(depositFor('t1', '100', 'dep-3'));
    const smsFor = (c: MissedCall): NewNotification[] => [note({ channel: 'sms', event: 'missed_call', subjectId: c.id, recipient: '+79160001122' })];
    await assert.rejects(
      store.deposits.abandon('dep-3', missedFor('t1', '100'), () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(await store.missedCalls.list({}), []);
    assert.deepEqual((await store.deposits.pending()).map((p) => p.id), ['dep-3']);

    let seen: MissedCall | undefined;
    const call = await store.deposits.abandon('dep-3', missedFor('t1', '100'), (c) => {
      seen = c;
      return smsFor(c);
    });
    assert.deepEqual(seen, call);
    assert.deepEqual(await store.deposits.pending(), []);
    const [sms] = await store.outbox.list({ subjectId: call.id });
    assert.deepEqual([sms?.channel, sms?.event, sms?.deliveryKey], ['sms', 'missed_call', `missed_call:${call.id}:sms:+79160001122`]);
  });

  test('messages.setHeard: notify only when the flag changes; a throw leaves the flag as it was', async () => {
    const { store } = await storeWithMailbox();
    await deposit(store, depositFor('t1', '100', 'm1'));
    let calls = 0;
    const heardHook = (m: Message): NewNotification[] => {
      calls++;
      return [note({ channel: 'mwi', event: m.heard ? 'message.heard' : 'message.created', subjectId: m.id, recipient: 'sip:100@phone.example' })];
    };
    await assert.rejects(
      store.messages.setHeard('t1', 'm1', true, () => {
        throw new Error('nope');
      }),
      /nope/,
    );
    assert.equal((await store.messages.get('t1', 'm1'))?.heard, false);

    const heard = await store.messages.setHeard('t1', 'm1', true, heardHook);
    assert.equal(heard.heard, true);
    assert.equal(calls, 1);
    await store.messages.setHeard('t1', 'm1', true, heardHook);
    assert.equal(calls, 1, 'already heard: no notification');
    assert.deepEqual((await store.outbox.list({ subjectId: 'm1' })).map((n) => n.event), ['message.heard']);
    await assert.rejects(store.messages.setHeard('t1', 'ghost', true, heardHook), { code: 'VM_STORE_NOT_FOUND' });
    assert.equal(calls, 1);
  });

  test('messages.remove: notify gets the removed message; a throw keeps it', async () => {
    const { store } = await storeWithMailbox();
    await deposit(store, depositFor('t1', '100', 'm2'));
    await assert.rejects(
      store.messages.remove('t1', 'm2', () => {
        throw new Error('nope');
      }),
      /nope/,
    );
    assert.ok(await store.messages.get('t1', 'm2'));
    let seen: Message | undefined;
    const { audioKey } = await store.messages.remove('t1', 'm2', (m) => {
      seen = m;
      return [note({ channel: 'webhook', event: 'message.deleted', subjectId: m.id, recipient: 'https://hooks.example/x' })];
    });
    assert.equal(seen?.id, 'm2');
    assert.equal(audioKey, seen?.audioKey);
    assert.equal(await store.messages.get('t1', 'm2'), null);
    assert.deepEqual((await store.outbox.list({ subjectId: 'm2' })).map((n) => n.event), ['message.deleted']);
  });

  test('removing a mailbox keeps its notifications and their attempts (an audit trail)', async () => {
    const { store } = await storeWithMailbox();
    const d = depositFor('t1', '100', 'm3');
    await store.deposits.begin(d);
    await store.deposits.finish('m3', messageFor(d), forMessage('a@example.com'));
    const [n] = await store.outbox.claimDue(at(0), 1000, 1);
    await store.outbox.complete(n!.id, { outcome: 'sent', detail: null, providerId: 'q1' });
    await store.mailboxes.remove('t1', '100');
    assert.equal((await store.outbox.get(n!.id))?.status, 'sent');
    assert.equal((await store.outbox.attempts(n!.id)).length, 1);
  });
});

describe('migration 0002_notifications', () => {
  test('upgrades a 0001 database (existing mailboxes get no MWI URIs, tenants no webhook) and rolls back', async () => {
    const file = path.join(dir, 'upgrade.sqlite');
    const open = (): Kysely<Database> => new Kysely<Database>({ dialect: new VoxmailSqliteDialect({ database: new SqliteDatabase(file) }) });
    let db = open();
    const only0001 = { getMigrations: () => Promise.resolve({ '0001_initial': MIGRATIONS['0001_initial']! }) };
    assert.equal((await new Migrator({ db, provider: only0001 }).migrateToLatest()).error, undefined);
    await db.destroy();
    const raw = new SqliteDatabase(file);
    raw.prepare("insert into tenants values ('old', 'Old', null, 0, ?)").run(T0);
    raw
      .prepare("insert into mailboxes values ('old', '100', '100', 'en', 'UTC', ?, 'standard', null, 180000, 1000, 8000, 14, 90, 100, null, null, '[]', 'notify', null, ?, ?)")
      .run(JSON.stringify(Object.fromEntries(['busy', 'no-answer', 'unavailable', 'unconditional', 'default'].map((r) => [r, { mode: 'leave-message', audioKey: null }]))), T0, T0);
    raw.close();

    const store = await openSqliteStore({ file, writer: testStoreWriter() });
    assert.deepEqual(((await store.tenants.get('old'))), { id: 'old', name: 'Old', defaultEmail: null, duplicateToDefault: false, webhookUrl: null, webhookSecret: null, createdAt: T0 });
    assert.deepEqual((await store.mailboxes.get('old', '100'))?.mwiUris, []);
    await store.outbox.enqueue([note({ tenantId: 'old' })]);
    await store.close();

    db = open();
    const down = await new Migrator({ db, provider: migrationProvider }).migrateTo('0001_initial');
    await db.destroy();
    assert.equal(down.error, undefined);
    inspect(file, (r) => {
      const tables = r.prepare("select name from sqlite_master where type = 'table' and name not like 'kysely%' order by name").pluck().all();
      assert.deepEqual(tables, ['mailbox_numbers', 'mailboxes', 'messages', 'missed_calls', 'pending_deposits', 'tenants']);
      assert.ok(!(r.prepare('select * from mailboxes').columns().map((c) => c.name)).includes('mwi_uris'));
      assert.equal(r.prepare('select count(*) from mailboxes').pluck().get(), 1, 'data kept');
    });
    const again = await openSqliteStore({ file, writer: testStoreWriter() });
    assert.deepEqual((await again.mailboxes.get('old', '100'))?.mwiUris, []);
    await again.close();
  });
});
