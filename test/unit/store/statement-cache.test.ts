/**
 * The prepared-statement cache under Kysely: same SQL → the same statement, bounded, and
 * never the same statement twice while one is still being iterated (better-sqlite3 itself).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, sql, type Generated } from 'kysely';
import { VoxmailSqliteDialect } from '../../../src/store/sqlite/sqlite-dialect.js';
import { withStatementCache } from '../../../src/store/sqlite/statement-cache.js';

function memoryDb(): SqliteDatabase.Database {
  const db = new SqliteDatabase(':memory:');
  db.exec('create table t (id integer primary key, v text)');
  for (let i = 1; i <= 5; i++) db.prepare('insert into t (v) values (?)').run(`v${String(i)}`);
  return db;
}

describe('withStatementCache', () => {
  test('the same SQL text gives the same prepared statement; other text a new one', () => {
    const cached = withStatementCache(memoryDb());
    const a = cached.prepare('select v from t where id = ?');
    const b = cached.prepare('select v from t where id = ?');
    const c = cached.prepare('select v from t where id > ?');
    assert.equal(a, b, 'a repeated query must reuse its statement');
    assert.notEqual(a, c, 'different SQL must not share a statement');
    cached.close();
  });

  test('holds at most `max` statements, dropping the least recently used', () => {
    const cached = withStatementCache(memoryDb(), 2);
    const q1 = cached.prepare('select 1');
    cached.prepare('select 2');
    assert.equal(cached.prepare('select 1'), q1, 'q1 is still cached (and now the most recent)');
    cached.prepare('select 3'); // evicts "select 2", the least recently used
    assert.equal(cached.prepare('select 1'), q1, 'the recently used statement stays');
    const q2again = cached.prepare('select 2 as n') as unknown as SqliteDatabase.Statement;
    assert.deepEqual(q2again.get(), { n: 2 }, 'a statement prepared after an eviction works');
    cached.close();
  });

  test('a statement still being iterated is not handed out again', () => {
    const cached = withStatementCache(memoryDb());
    const text = 'select id from t order by id';
    const outer = cached.prepare(text) as unknown as SqliteDatabase.Statement;
    const seen: number[] = [];
    for (const row of outer.iterate() as Iterable<{ id: number }>) {
      // Same SQL while the outer one is busy: must be another statement, or better-sqlite3 throws.
      const inner = cached.prepare(text) as unknown as SqliteDatabase.Statement;
      assert.notEqual(inner, outer, 'a busy statement must not be reused');
      assert.equal((inner.all()).length, 5, 'the inner query sees all rows');
      seen.push(row.id);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5], 'the outer iteration completes');
    cached.close();
  });

  test('through Kysely: repeated queries, transactions and streaming give the right rows', async () => {
    const raw = memoryDb();
    const db = new Kysely<{ t: { id: Generated<number>; v: string } }>({ dialect: new VoxmailSqliteDialect({ database: withStatementCache(raw) }) });
    for (let i = 1; i <= 5; i++) {
      const row = await db.selectFrom('t').select('v').where('id', '=', i).executeTakeFirst();
      assert.equal(row?.v, `v${String(i)}`, `row ${String(i)} by a cached statement`);
    }
    await db.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ v: 'v6' }).execute();
      await tx.insertInto('t').values({ v: 'v7' }).execute();
    });
    const streamed: string[] = [];
    // Kysely holds its one connection during a stream, so no query runs inside it; the same
    // text before and after must still work (the statement is free again).
    assert.equal((await db.selectFrom('t').select('v').orderBy('id').execute()).length, 7, 'before the stream');
    for await (const r of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(r.v);
    assert.equal((await db.selectFrom('t').select('v').orderBy('id').execute()).length, 7, 'after the stream');
    assert.deepEqual(streamed, ['v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'], 'the stream sees every row once');
    const n = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    assert.equal(n.rows[0]?.n, 7, 'count after the transaction');
    await db.destroy();
    assert.equal(raw.open, false, 'destroy closes the database');
  });
});
