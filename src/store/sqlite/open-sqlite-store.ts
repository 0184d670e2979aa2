/**
 * The embedded default store: one SQLite file. The server and the CLI may open the
 * same file at the same time, so the connection is set up for that: WAL (readers never
 * block the writer), a busy timeout (a writer waits for the other process's write
 * instead of failing), foreign keys on, every transaction `BEGIN IMMEDIATE`
 * (sqlite-dialect.ts). Migrations run on open, in one transaction.
 *
 * better-sqlite3 is synchronous: a query, and a wait for another process's write lock
 * (up to `busyTimeoutMs`), blocks this thread. Transactions are a few statements long,
 * so waits are short. Two connections in one thread could only wait for each other
 * until the timeout, so stores opened on the same file in one process share one
 * connection (reference-counted; Kysely serialises its transactions).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { VoxmailError } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { VoicemailStore } from '../../voicemail/ports.js';
import type { Database } from '../sql/database.js';
import { migrationProvider } from '../sql/migrations.js';
import { createSqlRepositories } from '../sql/sql-store.js';
import { isSqliteUniqueViolation, VoxmailSqliteDialect } from './sqlite-dialect.js';

export const STORE_OPEN_FAILED = 'VM_STORE_OPEN_FAILED';
export const STORE_MIGRATION_FAILED = 'VM_STORE_MIGRATION_FAILED';

export interface SqliteStoreOptions {
  /**
   * The database file; created (with its schema) when missing. Its directory must exist.
   * `:memory:` gives a private in-memory database (tests of other modules).
   */
  readonly file: string;
  readonly logger?: Logger;
  /** How long a write waits for another connection's write lock; default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Wall-clock time for createdAt/updatedAt/folderChangedAt; default `new Date()`. For tests. */
  readonly now?: () => Date;
}

interface SharedConnection {
  readonly ready: Promise<Kysely<Database>>;
  refs: number;
}

/** Open connections by the database file's real path. */
const shared = new Map<string, SharedConnection>();

function sharingKey(file: string): string | null {
  if (file === ':memory:' || file === '') return null;
  try {
    return realpathSync(file);
  } catch {
    return resolve(file); // not created yet: the first opener creates it under this name
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<VoicemailStore> {
  const log = (options.logger ?? silentLogger()).child({ component: 'store', file: options.file });
  const key = sharingKey(options.file);
  let conn = key === null ? undefined : shared.get(key);
  if (!conn) {
    conn = { ready: connect(options, log), refs: 0 };
    if (key !== null) shared.set(key, conn);
  }
  conn.refs++;
  let db: Kysely<Database>;
  try {
    db = await conn.ready;
  } catch (error) {
    conn.refs--;
    if (key !== null && shared.get(key) === conn) shared.delete(key);
    throw error;
  }
  const owner = conn;
  let closed: Promise<void> | undefined;
  return {
    ...createSqlRepositories({ db, now: options.now ?? (() => new Date()), isUniqueViolation: isSqliteUniqueViolation }),
    close() {
      closed ??= (async () => {
        if (--owner.refs > 0) return;
        if (key !== null && shared.get(key) === owner) shared.delete(key);
        await db.destroy();
        log.debug('store closed');
      })();
      return closed;
    },
  };
}

async function connect(options: SqliteStoreOptions, log: Logger): Promise<Kysely<Database>> {
  const sqlite = openFile(options.file, options.busyTimeoutMs ?? 5_000);
  const db = new Kysely<Database>({ dialect: new VoxmailSqliteDialect({ database: sqlite }) });
  try {
    await migrate(db, log);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
}

function openFile(file: string, busyTimeoutMs: number): SqliteDatabase.Database {
  try {
    const sqlite = new SqliteDatabase(file, { timeout: busyTimeoutMs });
    try {
      // busy_timeout first: switching a new file to WAL needs a lock another process may hold.
      sqlite.pragma(`busy_timeout = ${String(busyTimeoutMs)}`);
      const mode: unknown = sqlite.pragma('journal_mode = WAL', { simple: true });
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

async function migrate(db: Kysely<Database>, log: Logger): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  for (const r of results ?? []) {
    if (r.status === 'Success') log.info({ migration: r.migrationName }, 'migration applied');
    if (r.status === 'Error') log.error({ migration: r.migrationName }, 'migration failed');
  }
  if (error !== undefined) {
    const why = error instanceof Error ? error.message : JSON.stringify(error);
    throw new VoxmailError(STORE_MIGRATION_FAILED, `database migration failed: ${why}`, { cause: error });
  }
}
