/**
 * Opening one SQLite connection the way every Voxmail connection is set up, on the main
 * thread and in the store writer thread alike: busy timeout, WAL, synchronous = FULL,
 * foreign keys (README "Durability and concurrency").
 */
import SqliteDatabase from 'better-sqlite3';
import { VoxmailError } from '../../shared/errors.js';

export const STORE_OPEN_FAILED = 'VM_STORE_OPEN_FAILED';

export function openSqliteFile(file: string, busyTimeoutMs: number): SqliteDatabase.Database {
  try {
    const sqlite = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    try {
      // busy_timeout first: switching a new file to WAL needs a lock another process may hold.
      sqlite.pragma(`busy_timeout = ${String(busyTimeoutMs)}`);
      const mode = switchToWal(sqlite, busyTimeoutMs);
      if (mode !== 'wal' && !(sqlite.memory && mode === 'memory')) throw new Error(`journal_mode stayed ${String(mode)}`);
      // FULL: a deposit's commit survives power loss, not just a process crash; writes are few.
      sqlite.pragma('synchronous = FULL');
      sqlite.pragma('foreign_keys = ON');
    } catch (error) {
      sqlite.close();
      throw error;
    }
    return sqlite;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new VoxmailError(STORE_OPEN_FAILED, `cannot open the database ${file}: ${why}`, { cause: error });
  }
}

/**
 * `journal_mode = WAL`, retried while SQLite answers SQLITE_BUSY without waiting (it
 * does so when another process is switching a fresh file or migrating it, which the
 * busy handler cannot wait for), until the busy timeout.
 */
function switchToWal(sqlite: SqliteDatabase.Database, busyTimeoutMs: number): unknown {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      return sqlite.pragma('journal_mode = WAL', { simple: true });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}
