/**
 * Kysely's SQLite driver calls `prepare(sql)` for every query it runs. Preparing costs
 * SQLite a parse and a plan each time — in the deposits bench it was the largest single
 * cost of the SQL on the SIP thread (more than running the statements). Kysely always
 * produces the same SQL text for the same query shape (values are parameters), so the
 * prepared statements are kept, by SQL text, in a bounded LRU.
 *
 * A statement still being iterated (`busy`, Kysely's `streamQuery`) is not handed out
 * twice: the caller then gets a fresh, uncached one.
 */
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';

/** Enough for every query shape the store has; `IN (…)` lists of many lengths rotate out. */
export const STATEMENT_CACHE_SIZE = 256;

export function withStatementCache(db: SqliteDatabase.Database, max = STATEMENT_CACHE_SIZE): KyselySqliteDatabase {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit !== undefined) {
        if (hit.busy) return db.prepare(sql);
        // Map order is insertion order: re-inserting marks it the most recently used.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}
