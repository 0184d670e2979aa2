/**
 * Everything SQLite-specific about the query layer, in one place.
 *
 * Kysely's SqliteDialect starts transactions with a plain (deferred) `BEGIN` and tells
 * the Migrator that SQLite has no transactional DDL. Both are wrong for a database file
 * that the server and the CLI open at the same time:
 * - A deferred transaction that reads and then writes can fail at once with
 *   SQLITE_BUSY (WAL "snapshot" conflict) when the other process committed in
 *   between — busy_timeout cannot help it. `BEGIN IMMEDIATE` takes the write lock
 *   up front, where busy_timeout does wait. Every transaction the store opens writes,
 *   so all of them are immediate.
 * - SQLite does run DDL inside transactions. Saying so makes the Migrator run all
 *   pending migrations in one (immediate) transaction: a second process opening the
 *   same file waits, then finds them applied, instead of applying them twice.
 */
import { CompiledQuery, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type DialectAdapter, type Driver } from 'kysely';

class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class VoxmailSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];

  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** better-sqlite3 reports constraint failures as SqliteError with an extended `code`. */
export function isSqliteUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
