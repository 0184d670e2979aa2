/**
 * The database file is shared: the server and the CLI open it at the same time. These
 * tests use two stores on one file, several processes racing through migrations and
 * writes, and reopening.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { openSqliteStore } from '../../../src/store/index.js';
import { killChildren, spawnTracked } from '../../support/child-processes.js';
import { waitFor } from '../../support/wait.js';
import { deposit, depositFor, tempDir, testStoreWriter } from './store-fixture.js';

const dir = await tempDir('store-concurrency');
after(killChildren);
let seq = 0;
const newFile = (): string => path.join(dir, `shared-${String(++seq)}.sqlite`);

function inspect<T>(file: string, read: (db: SqliteDatabase.Database) => T): T {
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

describe('SQLite store: one file, several users', () => {
  test('two stores on one file see each other’s writes', async () => {
    const file = newFile();
    const a = await openSqliteStore({ file, writer: testStoreWriter() });
    const b = await openSqliteStore({ file, writer: testStoreWriter() });
    try {
      await a.tenants.create({ id: 't1' });
      assert.equal((await b.tenants.get('t1'))?.id, 't1');
      await b.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['100'] });
      assert.equal((await a.mailboxes.findByNumber('t1', '100'))?.id, '100');
      await a.deposits.begin(depositFor('t1', '100', 'd1'));
      assert.deepEqual((await b.deposits.pending()).map((d) => d.id), ['d1']);
      await deposit(b, depositFor('t1', '100', 'd2'));
      assert.deepEqual((await a.messages.list({ tenantId: 't1' })).map((m) => m.id), ['d2']);
      await assert.rejects(a.mailboxes.create({ tenantId: 't1', id: '101', numbers: ['100'] }), { code: 'VM_STORE_NUMBER_TAKEN' });
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a pending deposit (committed without an fsync) survives the death of its process; other writes keep synchronous = FULL', async () => {
    const file = newFile();
    const script = path.join(import.meta.dirname, 'fixtures', 'begin-then-hang.ts');
    const p = spawnTracked(process.execPath, ['--import', 'tsx', script, file], { cwd: process.cwd() });
    await waitFor(() => p.stdout.includes('begun'), 30_000, () => p.stderr);
    process.kill(p.child.pid!, 'SIGKILL');
    await p.exited;
    const store = await openSqliteStore({ file });
    try {
      assert.deepEqual((await store.deposits.pending()).map((d) => d.id), ['in-progress'], 'recovery finds the recording in progress');
      // A begin racing a finish on the one connection: both land, and only the begin's own
      // transaction commits while the connection is relaxed (the statements in order).
      const seen: string[] = [];
      // Statements are prepared once and cached (statement-cache.ts): watch them run.
      const probe = new SqliteDatabase(':memory:');
      const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as SqliteDatabase.Statement;
      probe.close();
      // eslint-disable-next-line @typescript-eslint/unbound-method -- restored below, called with its own `this`
      const run = statementProto.run;
      statementProto.run = function (this: SqliteDatabase.Statement, ...args: unknown[]) {
        if (/^\s*(pragma synchronous|begin|commit|rollback)/i.test(this.source)) seen.push(this.source.trim().toLowerCase());
        return run.apply(this, args);
      };
      try {
        await Promise.all([store.deposits.begin(depositFor('t1', '100', 'd2')), deposit(store, depositFor('t1', '100', 'd3'))]);
      } finally {
        statementProto.run = run;
      }
      assert.deepEqual((await store.deposits.pending()).map((d) => d.id).sort(), ['d2', 'in-progress']);
      const from = seen.indexOf('pragma synchronous = normal');
      const to = seen.indexOf('pragma synchronous = full');
      assert.ok(from >= 0 && to > from, `the relaxed window: ${seen.join(' | ')}`);
      assert.equal(seen.slice(from, to).filter((x) => x.startsWith('commit')).length, 1, `one commit in the relaxed window: ${seen.join(' | ')}`);
      assert.ok(seen.slice(to).some((x) => x.startsWith('commit')) || seen.slice(0, from).some((x) => x.startsWith('commit')), `the finish commits outside it: ${seen.join(' | ')}`);
    } finally {
      await store.close();
    }
    assert.equal(
      inspect(file, (db) => db.prepare('select count(*) as n from messages').get() as { n: number }).n,
      1,
    );
  });

  test('processes racing on a fresh file: migrations run once, every write lands', async () => {
    const file = newFile();
    const goFile = `${file}.go`;
    const script = path.join(import.meta.dirname, 'fixtures', 'concurrent-writer.ts');
    const writers = ['p1', 'p2', 'p3'].map((name) =>
      spawnTracked(process.execPath, ['--import', 'tsx', script, file, goFile, name, '15'], { cwd: process.cwd() }),
    );
    await waitFor(() => writers.every((w) => w.stdout.includes('ready')), 30_000, () => writers.map((w) => w.stderr).join('\n'));
    await writeFile(goFile, '');
    const exits = await Promise.all(writers.map((w) => w.exited));
    for (const [i, w] of writers.entries()) assert.equal(exits[i]?.code, 0, `writer ${String(i + 1)} failed:\n${w.stderr}`);

    const store = await openSqliteStore({ file, writer: testStoreWriter() });
    try {
      assert.deepEqual((await store.tenants.list()).map((t) => t.id), ['p1', 'p2', 'p3']);
      assert.equal((await store.messages.list({})).length, 45);
    } finally {
      await store.close();
    }
    const migrations = inspect(file, (db) => db.prepare('select name from kysely_migration').pluck().all());
    assert.deepEqual(migrations, ['0001_initial', '0002_notifications', '0003_accounts', '0004_message_origin']);
  });

  test('reopening keeps the data and applies no migration twice; WAL is on', async () => {
    const file = newFile();
    const first = await openSqliteStore({ file, writer: testStoreWriter() });
    await first.tenants.create({ id: 't1' });
    await first.close();
    for (let i = 0; i < 2; i++) {
      const again = await openSqliteStore({ file, writer: testStoreWriter() });
      assert.equal((await again.tenants.get('t1'))?.id, 't1');
      await again.close();
    }
    inspect(file, (db) => {
      assert.deepEqual(db.prepare('select name from kysely_migration').pluck().all(), ['0001_initial', '0002_notifications', '0003_accounts', '0004_message_origin']);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    });
  });

  test('foreign keys are enforced', async () => {
    const file = newFile();
    const store = await openSqliteStore({ file, writer: testStoreWriter() });
    await store.close();
    // A raw connection with foreign keys on, as the store's: an orphan number is refused.
    const db = new SqliteDatabase(file);
    try {
      db.pragma('foreign_keys = ON');
      assert.throws(() => db.prepare("insert into mailbox_numbers values ('t', '1', 'nobody', 0)").run(), { code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
    } finally {
      db.close();
    }
  });

  test(':memory: works for tests of other modules', async () => {
    const store = await openSqliteStore({ file: ':memory:', writer: testStoreWriter() });
    await store.tenants.create({ id: 't1' });
    assert.equal((await store.tenants.list()).length, 1);
    await store.close();
  });

  test('close is idempotent', async () => {
    const store = await openSqliteStore({ file: newFile(), writer: testStoreWriter() });
    await Promise.all([store.close(), store.close()]);
    await store.close();
    await assert.rejects(store.tenants.list());
  });

  test('an unusable file or a newer schema fails with a code', async () => {
    await assert.rejects(openSqliteStore({ file: path.join(dir, 'no-such-dir', 'x.sqlite') }), {
      code: 'VM_STORE_OPEN_FAILED',
      message: /cannot open the database .*no-such-dir/,
    });
    const file = newFile();
    await (await openSqliteStore({ file, writer: testStoreWriter() })).close();
    const db = new SqliteDatabase(file);
    db.prepare("insert into kysely_migration (name, timestamp) values ('0999_from_the_future', '2030-01-01')").run();
    db.close();
    await assert.rejects(openSqliteStore({ file, writer: testStoreWriter() }), { code: 'VM_STORE_MIGRATION_FAILED', message: /0999_from_the_future/ });
  });
});
