/**
 * The store writer thread (`writer: 'worker'`, docs/adr/0005-store-writer-thread.md):
 * order, group commit, a failing write isolated by its savepoint, the bounded queue,
 * close() draining, a writer that dies. The other store tests run in this mode too with
 * VOXMAIL_TEST_STORE_WRITER=worker.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { openSqliteStore } from '../../../src/store/index.js';
import { storeWriterOf } from '../../../src/store/sqlite/open-sqlite-store.js';
import type { StoreWriter } from '../../../src/store/sqlite/writer/store-writer.js';
import type { VoicemailStore } from '../../../src/voicemail/ports.js';
import { depositFor, messageFor, tempDir } from './store-fixture.js';

const dir = await tempDir('store-writer');
let seq = 0;

async function open(options: { maxQueuedWrites?: number } = {}): Promise<{ store: VoicemailStore; writer: StoreWriter; file: string }> {
  const file = path.join(dir, `w-${String(++seq)}.sqlite`);
  const store = await openSqliteStore({ file, writer: 'worker', ...options });
  after(() => store.close());
  await store.tenants.create({ id: 't1' });
  await store.mailboxes.create({ tenantId: 't1', id: '100' });
  const writer = storeWriterOf(store);
  assert.ok(writer, 'the store has a writer thread');
  return { store, writer, file };
}

/** Another connection (as the CLI's would be) holds the write lock until release(): the writer waits in busy_timeout. */
function holdWriteLock(file: string): { release(): void } {
  const other = new SqliteDatabase(file, { timeout: 5_000 });
  other.exec('BEGIN IMMEDIATE');
  return {
    release() {
      other.exec('COMMIT');
      other.close();
    },
  };
}

describe('SQLite store writer thread', () => {
  test('one caller’s writes run in the order posted: finish right after begin, without awaiting it', async () => {
    const { store } = await open();
    const all = [];
    for (let i = 0; i < 30; i++) {
      const d = depositFor('t1', '100', `ord-${String(i)}`);
      all.push(store.deposits.begin(d), store.deposits.finish(d.id, messageFor(d)));
    }
    await Promise.all(all);
    assert.equal(await store.messages.countForQuota('t1', '100'), 30);
    assert.deepEqual(await store.deposits.pending(), []);
  });

  test('writes queued together share one commit; each caller gets its own result', async () => {
    const { store, writer, file } = await open();
    const before = await writer.stats();
    const lock = holdWriteLock(file);
    const first = store.deposits.begin(depositFor('t1', '100', 'g-first'));
    await sleep(100); // the writer is now waiting for the lock with g-first (it answers nothing meanwhile)
    const rest = Array.from({ length: 40 }, (_, i) => store.deposits.begin(depositFor('t1', '100', `g-${String(i)}`)));
    await sleep(100);
    lock.release();
    await Promise.all([first, ...rest]);
    const stats = await writer.stats();
    assert.equal(stats.writes - before.writes, 41);
    assert.ok(stats.commits - before.commits <= 3, `41 writes in ${String(stats.commits - before.commits)} commits`);
    assert.ok(stats.largestGroup >= 40, `largest group ${String(stats.largestGroup)}`);
    assert.equal((await store.deposits.pending()).length, 41);
  });

  test('a failing write in a group is rolled back to its savepoint alone', async () => {
    const { store, writer, file } = await open();
    const lock = holdWriteLock(file);
    const first = store.deposits.begin(depositFor('t1', '100', 's-0'));
    await sleep(100);
    const a = store.deposits.begin(depositFor('t1', '100', 's-a'));
    const bad = store.deposits.finish('s-none', messageFor(depositFor('t1', '100', 's-none')));
    const dup = store.deposits.begin(depositFor('t1', '100', 's-a')); // same id again: refused inside the group
    const b = store.deposits.begin(depositFor('t1', '100', 's-b'));
    await sleep(100);
    lock.release();
    await Promise.all([first, a, b]);
    await assert.rejects(bad, { name: 'StoreError', code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(dup, { name: 'StoreError', code: 'VM_STORE_INVALID' });
    assert.ok((await writer.stats()).largestGroup >= 4);
    assert.deepEqual((await store.deposits.pending()).map((d) => d.id).sort(), ['s-0', 's-a', 's-b']);
  });

  test('notify hooks run before the write on the record it writes; a throwing hook writes nothing', async () => {
    const { store } = await open();
    const d = depositFor('t1', '100', 'n-1');
    await store.deposits.begin(d);
    let seen: unknown;
    const note = (subjectId: string) => ({
      tenantId: 't1', mailboxId: '100', channel: 'webhook' as const, event: 'message.created' as const, subjectId,
      recipient: 'https://example.com/hook', payload: '{}', giveUpAt: '2030-01-01T00:00:00.000Z',
    });
    await assert.rejects(store.deposits.finish(d.id, messageFor(d), () => { throw new Error('hook failed'); }), /hook failed/);
    assert.deepEqual((await store.deposits.pending()).map((p) => p.id), ['n-1']);
    const written = await store.deposits.finish(d.id, messageFor(d), (m) => { seen = m; return [note(m.id)]; });
    assert.deepEqual(seen, written);
    assert.equal((await store.outbox.list({ subjectId: 'n-1' })).length, 1);
    const missed = await store.deposits.abandon(null, { tenantId: 't1', mailboxId: '100', callerNumber: null, callerName: null, calledNumber: null, reason: 'busy', cause: 'too-short', at: '2026-03-01T11:00:00.000Z', callId: null }, (c) => { seen = c; return [note(c.id)]; });
    assert.deepEqual(seen, missed);
    assert.equal((await store.outbox.list({ subjectId: missed.id })).length, 1);
  });

  test('an overloaded writer refuses new writes with VM_STORE_WRITER_BUSY; the queued ones still commit', async () => {
    const { store, file } = await open({ maxQueuedWrites: 5 });
    const lock = holdWriteLock(file);
    const queued = Array.from({ length: 5 }, (_, i) => store.deposits.begin(depositFor('t1', '100', `o-${String(i)}`)));
    await assert.rejects(store.deposits.begin(depositFor('t1', '100', 'o-late')), { code: 'VM_STORE_WRITER_BUSY' });
    lock.release();
    await Promise.all(queued);
    assert.equal((await store.deposits.pending()).length, 5);
  });

  test('close() drains the queue, then closes; it is idempotent; writes after it are refused', async () => {
    const file = path.join(dir, `w-${String(++seq)}.sqlite`);
    const store = await openSqliteStore({ file, writer: 'worker' });
    await store.tenants.create({ id: 't1' });
    await store.mailboxes.create({ tenantId: 't1', id: '100' });
    const writes = Array.from({ length: 50 }, (_, i) => store.deposits.begin(depositFor('t1', '100', `c-${String(i)}`)));
    const closing = store.close();
    assert.equal(store.close(), closing);
    await closing;
    await Promise.all(writes);
    await assert.rejects(store.deposits.begin(depositFor('t1', '100', 'c-after')), { code: 'VM_STORE_CLOSED' });
    const again = await openSqliteStore({ file });
    assert.equal((await again.deposits.pending()).length, 50);
    await again.close();
  });

  test('a writer thread that dies fails its pending writes with VM_STORE_WRITER_FAILED and is restarted', async () => {
    const { store, writer, file } = await open();
    const lock = holdWriteLock(file);
    const pending = store.deposits.begin(depositFor('t1', '100', 'k-1'));
    await sleep(100);
    // terminate() takes effect when the thread is back in JavaScript, i.e. once the lock is free.
    const crashed = writer.crashForTest();
    lock.release();
    await crashed;
    await assert.rejects(pending, { code: 'VM_STORE_WRITER_FAILED', message: /may or may not have been committed/ });
    // Restarted at once (or after a short back-off): a new write goes through.
    let done = false;
    for (let i = 0; i < 50 && !done; i++) {
      try {
        await store.deposits.begin(depositFor('t1', '100', `k-${String(i + 2)}`));
        done = true;
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'VM_STORE_WRITER_FAILED');
        await sleep(100);
      }
    }
    assert.ok(done, 'a write succeeded after the restart');
    assert.equal(writer.restarts, 1);
  });
});
