/**
 * The store writer thread (docs/adr/0005-store-writer-thread.md): its own better-sqlite3
 * connection to the database file, on which it runs the per-call writes the main thread
 * posts, so that their statements and their fsync never block the main thread.
 *
 * Group commit: the writes waiting when the thread gets to them (those that arrived
 * while the previous group's commit was syncing) run in ONE `BEGIN IMMEDIATE`
 * transaction, each inside a SAVEPOINT of its own (the repositories' transactions
 * become savepoints here), then one COMMIT — one fsync for the whole group. A write that
 * fails is rolled back to its savepoint and reported as failed; the others commit. No
 * result is posted before the commit that makes it durable. If SQLite abandons the
 * whole transaction (I/O error, disk full), every write of it is reported failed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CompiledQuery, Kysely, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';
import { setOwnThreadNice } from '../../../shared/thread-nice.js';
import type { Database } from '../../sql/database.js';
import { SqlDepositRepository } from '../../sql/deposit-repository.js';
import { SqlOutboxRepository } from '../../sql/outbox-repository.js';
import type { SqlContext } from '../../sql/sql-context.js';
import { isSqliteUniqueViolation } from '../sqlite-dialect.js';
import { openSqliteFile } from '../sqlite-file.js';
import { withStatementCache } from '../statement-cache.js';
import type { FromWriter, ToWriter, WireError, WriteOp, WriteResult, WriterInit } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('writer-worker-main.ts runs as a worker thread');
const init = workerData as WriterInit;
// Reported with 'ready': the main thread has the logger.
const niceRefused = setOwnThreadNice(init.nice);
const sqlite = openSqliteFile(init.file, init.busyTimeoutMs);

/** A repository transaction is a savepoint of the group transaction the loop holds open. */
class SavepointDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('savepoint vxm_write'));
  }
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('release vxm_write'));
  }
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!sqlite.inTransaction) return; // SQLite already abandoned the whole group
    await connection.executeQuery(CompiledQuery.raw('rollback to vxm_write'));
    await connection.executeQuery(CompiledQuery.raw('release vxm_write'));
  }
}
class SavepointDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new SavepointDriver({ database: withStatementCache(sqlite) });
  }
}
const db = new Kysely<Database>({ dialect: new SavepointDialect({ database: sqlite }) });

function post(message: FromWriter): void {
  port!.postMessage(message);
}

async function run(w: WriteOp, nowMs: number): Promise<unknown> {
  const ctx: SqlContext = { db, now: () => new Date(nowMs), isUniqueViolation: isSqliteUniqueViolation };
  switch (w.op) {
    case 'deposits.begin':
      return new SqlDepositRepository(ctx).begin(w.args[0]);
    case 'deposits.finish': {
      const items = w.args[2];
      return new SqlDepositRepository(ctx).finish(w.args[0], w.args[1], items === null ? undefined : () => items);
    }
    case 'deposits.abandon': {
      const items = w.args[2];
      return new SqlDepositRepository(ctx).abandonAs(w.args[0], w.args[1], items === null ? undefined : () => items);
    }
    case 'outbox.enqueue':
      return new SqlOutboxRepository(ctx).enqueue(w.args[0]);
    case 'outbox.claimDue':
      return new SqlOutboxRepository(ctx).claimDue(w.args[0], w.args[1], w.args[2], w.args[3]);
    case 'outbox.complete':
      return new SqlOutboxRepository(ctx).complete(w.args[0], w.args[1]);
  }
}

function wire(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
  }
  return { name: 'Error', message: String(error), code: undefined };
}

type Write = Extract<ToWriter, { type: 'write' }>;
const queue: Write[] = [];
let scheduled = false;
let running = false;
let closing = false;
let commits = 0;
let writes = 0;
let largestGroup = 0;

function schedule(): void {
  if (scheduled || running) return;
  scheduled = true;
  // setImmediate, not a microtask: the port delivers what arrived meanwhile first, so it joins this group.
  setImmediate(() => void drain());
}

async function drain(): Promise<void> {
  scheduled = false;
  running = true;
  try {
    const batch = queue.splice(0, init.maxGroup);
    if (batch.length > 0) post({ type: 'done', results: await runGroup(batch) });
  } finally {
    running = false;
  }
  if (queue.length > 0) schedule();
  else if (closing) {
    sqlite.close();
    port!.close();
  }
}

async function runGroup(batch: readonly Write[]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  let open = false;
  let done: number[] = []; // indices that succeeded in the open transaction
  const failAll = (indices: readonly number[], error: WireError): void => {
    for (const i of indices) results[i] = { id: batch[i]!.id, ok: false, error };
  };
  for (let i = 0; i < batch.length; i++) {
    const w = batch[i]!;
    writes++;
    if (!open) {
      try {
        sqlite.exec('BEGIN IMMEDIATE'); // waits up to busy_timeout for another process (the CLI)
        open = true;
      } catch (error) {
        results[i] = { id: w.id, ok: false, error: wire(error) };
        continue;
      }
    }
    try {
      results[i] = { id: w.id, ok: true, value: await run(w.write, w.nowMs) };
      done.push(i);
    } catch (error) {
      results[i] = { id: w.id, ok: false, error: wire(error) };
    }
    if (!sqlite.inTransaction) {
      // SQLite rolled the whole transaction back (an I/O error, disk full): the earlier writes are gone too.
      const why = results[i]!.ok ? 'the group transaction ended unexpectedly' : (results[i] as { error: WireError }).error.message;
      failAll(done, { name: 'VoxmailError', code: 'VM_STORE_WRITE_FAILED', message: `not written: the group transaction was rolled back (${why})` });
      done = [];
      open = false;
    }
  }
  if (open) {
    try {
      sqlite.exec('COMMIT');
      commits++;
      largestGroup = Math.max(largestGroup, batch.length);
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      const e = wire(error);
      failAll(done, { name: 'VoxmailError', code: 'VM_STORE_WRITE_FAILED', message: `not written: the commit failed (${e.message})` });
    }
  }
  return results;
}

port.on('message', (m: ToWriter) => {
  switch (m.type) {
    case 'write':
      queue.push(m);
      schedule();
      break;
    case 'stats':
      post({ type: 'stats', id: m.id, stats: { commits, writes, largestGroup } });
      break;
    case 'close':
      closing = true;
      if (!running && !scheduled && queue.length === 0) {
        sqlite.close();
        port.close();
      } else schedule();
      break;
  }
});
post({ type: 'ready', niceRefused });
