/**
 * The deposit lifecycle (ports.ts, docs/adr/0002-recording-durability.md). Each step
 * is one transaction, so that after a crash every recording is in exactly one state:
 * pending (a row here and a partial WAV to recover), a message, or a missed call.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Message, MissedCall, PendingDeposit } from '../../voicemail/model.js';
import { StoreError, type DepositRepository, type NewMessage, type NewMissedCall, type NotificationsFor } from '../../voicemail/ports.js';
import { checkId, checkNewMessage, checkNewMissedCall, checkPendingDeposit, type CheckedMessage } from '../validation/records.js';
import { invalid } from '../validation/fields.js';
import type { Database } from './database.js';
import { queueFor } from './outbox-repository.js';
import { depositFromRow, messageFromRow, newMessageRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlDepositRepository implements DepositRepository {
  constructor(private readonly ctx: SqlContext) {}

  /** The pending row; its id is the id the message will get, so it must be new to both tables. */
  async begin(deposit: PendingDeposit): Promise<void> {
    const d = checkPendingDeposit(deposit);
    await this.ctx.db.transaction().execute(async (trx) => {
      await assertMailboxExists(trx, d.tenantId, d.mailboxId);
      const clash =
        (await trx.selectFrom('pending_deposits').select('id').where('id', '=', d.id).executeTakeFirst()) ??
        (await trx.selectFrom('messages').select('id').where('id', '=', d.id).executeTakeFirst());
      if (clash) throw invalid('id', 'must be a new deposit id (a pending deposit or message already has it)', d.id);
      await trx
        .insertInto('pending_deposits')
        .values({
          id: d.id,
          tenant_id: d.tenantId,
          mailbox_id: d.mailboxId,
          caller_number: d.callerNumber,
          caller_name: d.callerName,
          called_number: d.calledNumber,
          reason: d.reason,
          received_at: d.receivedAt,
          call_id: d.callId,
          min_message_ms: d.minMessageMs,
        })
        .execute();
    });
  }

  /**
   * Message row in, pending row out. The message must carry the deposit's id, tenant
   * and mailbox; VM_STORE_NOT_FOUND when the deposit is not pending (finished,
   * abandoned, or its mailbox removed meanwhile).
   *
   * `notify` gets the message as written; what it returns is queued in the same
   * transaction (delivery keys already queued are skipped). If it throws, nothing is
   * written and the deposit stays pending.
   */
  async finish(depositId: string, message: NewMessage, notify?: NotificationsFor<Message>): Promise<Message> {
    const m = checkFinish(depositId, message);
    const now = this.ctx.now();
    return this.ctx.db.transaction().execute(async (trx) => {
      const pending = await trx.selectFrom('pending_deposits').selectAll().where('id', '=', depositId).executeTakeFirst();
      if (!pending) throw new StoreError('VM_STORE_NOT_FOUND', `deposit ${depositId} is not pending`);
      if (pending.tenant_id !== m.tenantId || pending.mailbox_id !== m.mailboxId) {
        throw invalid('mailboxId', `must be the deposit's mailbox ${pending.tenant_id}/${pending.mailbox_id}`, `${m.tenantId}/${m.mailboxId}`);
      }
      const row = newMessageRow(m, now);
      await trx.insertInto('messages').values(row).execute();
      await trx.deleteFrom('pending_deposits').where('id', '=', depositId).execute();
      const written = messageFromRow(row);
      await queueFor(trx, now, written, notify);
      return written;
    });
  }

  /**
   * Missed-call row in (with a new random id), pending row out when there is one;
   * `notify`'s notifications for the call queued in the same transaction.
   */
  async abandon(depositId: string | null, missed: NewMissedCall, notify?: NotificationsFor<MissedCall>): Promise<MissedCall> {
    return this.abandonAs(plannedMissedCall(depositId, missed), depositId, notify);
  }

  /**
   * `abandon` with the missed call's id chosen by the caller (`plannedMissedCall`): the
   * store writer thread (sqlite/writer/) runs the `notify` hook on the caller's thread
   * before the write, on the record this will write.
   */
  async abandonAs(call: MissedCall, depositId: string | null, notify?: NotificationsFor<MissedCall>): Promise<MissedCall> {
    if (depositId !== null) checkId('depositId', depositId);
    const c: MissedCall = { id: checkId('id', call.id), ...checkNewMissedCall(call) };
    await this.ctx.db.transaction().execute(async (trx) => {
      await assertMailboxExists(trx, c.tenantId, c.mailboxId);
      await trx
        .insertInto('missed_calls')
        .values({
          id: c.id,
          tenant_id: c.tenantId,
          mailbox_id: c.mailboxId,
          caller_number: c.callerNumber,
          caller_name: c.callerName,
          called_number: c.calledNumber,
          reason: c.reason,
          cause: c.cause,
          at: c.at,
          call_id: c.callId,
        })
        .execute();
      if (depositId !== null) {
        await trx.deleteFrom('pending_deposits').where('id', '=', depositId).where('tenant_id', '=', c.tenantId).execute();
      }
      await queueFor(trx, this.ctx.now(), c, notify);
    });
    return c;
  }

  /** What a crash left, oldest first. */
  async pending(): Promise<PendingDeposit[]> {
    const rows = await this.ctx.db.selectFrom('pending_deposits').selectAll().orderBy('received_at').orderBy('id').execute();
    return rows.map(depositFromRow);
  }
}

/** The checked message `finish` will insert for the deposit (VM_STORE_INVALID otherwise). */
export function checkFinish(depositId: string, message: NewMessage): CheckedMessage {
  const m = checkNewMessage(message);
  if (m.id !== depositId) throw invalid('id', `must be the deposit id ${JSON.stringify(depositId)}`, m.id);
  return m;
}

/**
 * The message row `finish(depositId, message)` writes when it runs with `now`, as the
 * record its `notify` hook gets (the store writer calls the hook before posting the write).
 */
export function plannedMessage(depositId: string, message: NewMessage, now: Date): Message {
  return messageFromRow(newMessageRow(checkFinish(depositId, message), now));
}

/** The missed call `abandon` writes: the checked fields and a new random id. */
export function plannedMissedCall(depositId: string | null, missed: NewMissedCall): MissedCall {
  if (depositId !== null) checkId('depositId', depositId);
  return { id: randomUUID(), ...checkNewMissedCall(missed) };
}

async function assertMailboxExists(db: Kysely<Database>, tenantId: string, mailboxId: string): Promise<void> {
  const row = await db
    .selectFrom('mailboxes')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  if (!row) throw new StoreError('VM_STORE_NOT_FOUND', `mailbox ${mailboxId} not found in tenant ${tenantId}`);
}
