/**
 * `deposits.begin` on the main thread's SQLite connection, committed without an fsync.
 *
 * Why (docs/adr/0002-recording-durability.md, "The pending row"): the pending row says
 * "a recording is in progress here", so that recovery after a crash turns the partial
 * WAV into a message. The audio it points at is written without fsync until the
 * recording ends (a completed write survives the death of the process, not of the
 * machine), so the row needs exactly that durability: in WAL mode `synchronous = NORMAL`
 * gives it — the commit is in the WAL, in the page cache, and survives a process crash;
 * only a power loss can take it, together with the unsynced audio it describes. Every
 * other write (the message at the end, notifications, settings) keeps `FULL`.
 *
 * What it saves: one fsync per call at the beep, on the thread that answers SIP — 2 ms at
 * the median, 11 ms at p99 on this disk (BENCHMARKS.md §4), i.e. 0.5–2.7 s of every second
 * blocked at 250 new calls/s (issue 7). The pragma is set and reset inside the same
 * connection lease as the transaction, so no other transaction can commit relaxed.
 */
import { sql } from 'kysely';
import type { PendingDeposit } from '../../voicemail/model.js';
import type { DepositRepository } from '../../voicemail/ports.js';
import { SqlDepositRepository } from '../sql/deposit-repository.js';
import type { SqlContext } from '../sql/sql-context.js';

export function withBeginWithoutFsync(repo: DepositRepository, ctx: SqlContext): DepositRepository {
  const begin = (deposit: PendingDeposit): Promise<void> =>
    ctx.db.connection().execute(async (conn) => {
      await sql`pragma synchronous = NORMAL`.execute(conn);
      try {
        await new SqlDepositRepository({ ...ctx, db: conn }).begin(deposit);
      } finally {
        await sql`pragma synchronous = FULL`.execute(conn);
      }
    });
  return {
    begin,
    finish: (id, message, notify) => repo.finish(id, message, notify),
    abandon: (id, missed, notify) => repo.abandon(id, missed, notify),
    pending: () => repo.pending(),
  };
}
