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
import { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { VoxmailError } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { VoicemailStore } from '../../voicemail/ports.js';
import type { Database } from '../sql/database.js';
import { migrationProvider } from '../sql/migrations.js';
import { createSqlRepositories } from '../sql/sql-store.js';
import { isSqliteUniqueViolation, VoxmailSqliteDialect } from './sqlite-dialect.js';
import { openSqliteFile, STORE_OPEN_FAILED } from './sqlite-file.js';
import { withStatementCache } from './statement-cache.js';
import { withBeginWithoutFsync } from './pending-begin-without-fsync.js';
import { InFlight, WriterDepositRepository, WriterOutboxRepository } from './writer/routed-repositories.js';
import { StoreWriter } from './writer/store-writer.js';

export { STORE_OPEN_FAILED };

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
  /**
   * Where the per-call writes run (docs/adr/0005-store-writer-thread.md): `main` (the
   * default), synchronously on this thread's connection; `worker`, in a store writer
   * thread with its own connection and group commit — deposits.begin/finish/abandon and
   * outbox.enqueue/claimDue/complete; every other method stays on this thread. `:memory:`
   * databases always use `main` (a thread cannot see another's in-memory database).
   */
  readonly writer?: StoreWriterMode;
  /** `worker` only: writes waiting before new ones fail with VM_STORE_WRITER_BUSY. Default 5,000. */
  readonly maxQueuedWrites?: number;
  /** `worker` only: the niceness the writer thread sets itself to; default null: it keeps the one it inherits. */
  readonly writerNice?: number | null;
}

export type StoreWriterMode = 'main' | 'worker';
export const STORE_WRITER_MODES: readonly StoreWriterMode[] = ['main', 'worker'];

interface SharedConnection {
  readonly ready: Promise<Kysely<Database>>;
  refs: number;
  /** The store writer thread, started by the first store opened with `writer: 'worker'`. */
  writer?: Promise<StoreWriter>;
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
  const now = options.now ?? (() => new Date());
  const ctx = { db, now, isUniqueViolation: isSqliteUniqueViolation };
  const sqlRepositories = createSqlRepositories(ctx);
  // The pending-deposit row commits without an fsync, as durable as the audio it describes.
  const repositories = { ...sqlRepositories, deposits: withBeginWithoutFsync(sqlRepositories.deposits, ctx) };
  const useWorker = options.writer === 'worker' && key !== null;
  let writer: StoreWriter | undefined;
  if (useWorker) {
    owner.writer ??= StoreWriter.start({
      file: options.file,
      busyTimeoutMs: options.busyTimeoutMs ?? 5_000,
      logger: log.child({ component: 'store-writer' }),
      ...(options.maxQueuedWrites !== undefined ? { maxQueued: options.maxQueuedWrites } : {}),
      nice: options.writerNice ?? null,
    });
    try {
      writer = await owner.writer;
    } catch (error) {
      owner.writer = undefined;
      await release(owner, key, db);
      throw error;
    }
  }
  const inFlight = new InFlight();
  let closed: Promise<void> | undefined;
  const store: VoicemailStore = {
    ...repositories,
    ...(writer
      ? {
          deposits: new WriterDepositRepository(repositories.deposits, writer, now, inFlight),
          outbox: new WriterOutboxRepository(repositories.outbox, writer, now, inFlight),
        }
      : {}),
    close() {
      closed ??= (async () => {
        await inFlight.settled();
        await release(owner, key, db);
        log.debug('store closed');
      })();
      return closed;
    },
  };
  if (writer) writers.set(store, writer);
  return store;
}

const writers = new WeakMap<VoicemailStore, StoreWriter>();

/** The writer thread behind a store opened with `writer: 'worker'` (tests and benches: stats, crash). */
export function storeWriterOf(store: VoicemailStore): StoreWriter | undefined {
  return writers.get(store);
}

/** Drops one reference; the last one closes the writer thread (after its queue) and then the connection. */
async function release(owner: SharedConnection, key: string | null, db: Kysely<Database>): Promise<void> {
  if (--owner.refs > 0) return;
  if (key !== null && shared.get(key) === owner) shared.delete(key);
  const writer = await owner.writer?.catch(() => undefined);
  await writer?.close();
  await db.destroy();
}

async function connect(options: SqliteStoreOptions, log: Logger): Promise<Kysely<Database>> {
  const sqlite = openSqliteFile(options.file, options.busyTimeoutMs ?? 5_000);
  const db = new Kysely<Database>({ dialect: new VoxmailSqliteDialect({ database: withStatementCache(sqlite) }) });
  try {
    await migrate(db, log);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return db;
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
