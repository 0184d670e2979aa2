/**
 * Messages: listing, folders, heard flags, and the retention query. Retention is
 * computed in SQL on epoch-millisecond columns (`received_at_ms`, `folder_changed_at_ms`)
 * because plain integer arithmetic is the one date calculation every SQL backend spells
 * the same way.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Folder, Message } from '../../voicemail/model.js';
import { StoreError, type MessageFilter, type MessageRepository, type NewMessage, type NotificationsFor } from '../../voicemail/ports.js';
import { invalid, isoTime, parseOrThrow } from '../validation/fields.js';
import { checkId, checkNewMessage, folder as folderSchema, listLimit, timeBound } from '../validation/records.js';
import { queueFor } from './outbox-repository.js';
import { fromBool, messageFromRow, newMessageRow } from './row-mappers.js';
import { containsPattern, SEARCH_SEPARATOR } from './search-text.js';
import { DAY_MS, type SqlContext } from './sql-context.js';

export class SqlMessageRepository implements MessageRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(tenantId: string, id: string): Promise<Message | null> {
    const row = await this.ctx.db
      .selectFrom('messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? messageFromRow(row) : null;
  }

  /** Newest first; `olderThan` continues a page, `mailboxIds` limits to an owner's boxes. */
  async list(filter: MessageFilter): Promise<Message[]> {
    const limit = listLimit(filter.limit);
    const from = timeBound('from', filter.from);
    const to = timeBound('to', filter.to);
    let q = this.ctx.db.selectFrom('messages').selectAll();
    if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.mailboxId !== undefined) q = q.where('mailbox_id', '=', filter.mailboxId);
    if (filter.folder !== undefined) q = q.where('folder', '=', parseOrThrow(folderSchema, filter.folder, 'folder'));
    if (filter.heard !== undefined) q = q.where('heard', '=', fromBool(filter.heard));
    if (from !== undefined) q = q.where('received_at_ms', '>=', from);
    if (to !== undefined) q = q.where('received_at_ms', '<', to);
    if (filter.q !== undefined) {
      const term = searchTerm(filter.q);
      q = q.where(sql<SqlBool>`search_text like ${containsPattern(term)} escape '\\'`);
    }
    if (filter.mailboxIds !== undefined) {
      const ids = [...filter.mailboxIds];
      if (ids.length === 0) return [];
      q = q.where('mailbox_id', 'in', ids);
    }
    if (filter.olderThan !== undefined) {
      // Newest first is (received_at_ms desc, id desc): the next page is strictly after the cursor in that order.
      const at = Date.parse(parseOrThrow(isoTime, filter.olderThan.receivedAt, 'olderThan.receivedAt'));
      const id = checkId('olderThan.id', filter.olderThan.id);
      q = q.where((eb) => eb.or([eb('received_at_ms', '<', at), eb.and([eb('received_at_ms', '=', at), eb('id', '<', id)])]));
    }
    const rows = await q.orderBy('received_at_ms', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(messageFromRow);
  }

  async countForQuota(tenantId: string, mailboxId: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('mailbox_id', '=', mailboxId)
      .where('folder', '<>', 'trash')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async lampCounts(tenantId: string, mailboxId: string): Promise<{ unheard: number; kept: number }> {
    // One pass over the mailbox's index entries and rows; no row leaves SQL (the lamp is
    // read after every deposit: listing the unheard messages made that O(messages)).
    const row = await this.ctx.db
      .selectFrom('messages')
      .select((eb) => [
        eb.fn.countAll().as('kept'),
        eb.fn.sum<number | string | null>(sql`case when folder = 'inbox' and heard = ${fromBool(false)} then 1 else 0 end`).as('unheard'),
      ])
      .where('tenant_id', '=', tenantId)
      .where('mailbox_id', '=', mailboxId)
      .where('folder', '<>', 'trash')
      .executeTakeFirstOrThrow();
    return { unheard: Number(row.unheard ?? 0), kept: Number(row.kept) };
  }

  /**
   * `notify` is called (and its notifications queued in the same transaction) only
   * when the flag actually changes: marking a heard message heard again notifies no one.
   */
  async setHeard(tenantId: string, id: string, heard: boolean, notify?: NotificationsFor<Message>): Promise<Message> {
    if (typeof heard !== 'boolean') throw invalid('heard', 'must be true or false', heard);
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(tenantId, id);
      if (row.heard === fromBool(heard)) return messageFromRow(row);
      await trx.updateTable('messages').set({ heard: fromBool(heard) }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      const updated = messageFromRow({ ...row, heard: fromBool(heard) });
      await queueFor(trx, this.ctx.now(), updated, notify);
      return updated;
    });
  }

  /**
   * Moving to the folder it is already in changes nothing: retention does not restart
   * and `notify` is not called. Into trash, `restore_folder` keeps where it came from;
   * out of trash it is cleared.
   */
  async move(tenantId: string, id: string, folder: Folder, notify?: NotificationsFor<Message>): Promise<Message> {
    const target = parseOrThrow(folderSchema, folder, 'folder');
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(tenantId, id);
      if (row.folder === target) return messageFromRow(row);
      const at = this.ctx.now();
      const changes = {
        folder: target,
        folder_changed_at: at.toISOString(),
        folder_changed_at_ms: at.getTime(),
        restore_folder: target === 'trash' ? row.folder : null,
      };
      await trx.updateTable('messages').set(changes).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      const moved = messageFromRow({ ...row, ...changes });
      await queueFor(trx, at, moved, notify);
      return moved;
    });
  }

  /** Back to `restore_folder` (inbox for a message trashed before it was kept). */
  async restore(tenantId: string, id: string, notify?: NotificationsFor<Message>): Promise<Message> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(tenantId, id);
      if (row.folder !== 'trash') throw new StoreError('VM_STORE_NOT_IN_TRASH', `message ${id} is not in trash (it is in ${row.folder})`);
      const back = row.restore_folder === 'inbox' || row.restore_folder === 'saved' ? row.restore_folder : 'inbox';
      const at = this.ctx.now();
      const changes = { folder: back, folder_changed_at: at.toISOString(), folder_changed_at_ms: at.getTime(), restore_folder: null };
      await trx.updateTable('messages').set(changes).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      const restored = messageFromRow({ ...row, ...changes });
      await queueFor(trx, at, restored, notify);
      return restored;
    });
  }

  async create(message: NewMessage, notify?: NotificationsFor<Message>): Promise<Message> {
    const m = checkNewMessage(message);
    const now = this.ctx.now();
    const inUse = (): StoreError => invalid('id', 'must be a new message id (a message or pending deposit already has it)', m.id);
    try {
      return await this.ctx.db.transaction().execute(async (trx) => {
        const box = await trx.selectFrom('mailboxes').select('id').where('tenant_id', '=', m.tenantId).where('id', '=', m.mailboxId).executeTakeFirst();
        if (!box) throw new StoreError('VM_STORE_NOT_FOUND', `mailbox ${m.mailboxId} not found in tenant ${m.tenantId}`);
        const clash =
          (await trx.selectFrom('messages').select('id').where('id', '=', m.id).executeTakeFirst()) ??
          (await trx.selectFrom('pending_deposits').select('id').where('id', '=', m.id).executeTakeFirst());
        if (clash) throw inUse();
        const row = newMessageRow(m, now);
        await trx.insertInto('messages').values(row).execute();
        const written = messageFromRow(row);
        await queueFor(trx, now, written, notify);
        return written;
      });
    } catch (error) {
      throw this.ctx.isUniqueViolation(error) ? inUse() : error;
    }
  }

  /** `notify` gets the removed message; its notifications are queued in the same transaction as the delete. */
  async remove(tenantId: string, id: string, notify?: NotificationsFor<Message>): Promise<{ audioKey: string }> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('messages').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(tenantId, id);
      await trx.deleteFrom('messages').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      await queueFor(trx, this.ctx.now(), messageFromRow(row), notify);
      return { audioKey: row.audio_key };
    });
  }

  /**
   * Oldest first. "Older than N days" is strict: a message exactly N days old is kept.
   * `cast(... as bigint)` keeps days × 86,400,000 from overflowing a 32-bit integer on
   * PostgreSQL.
   */
  async expired(now: Date, limit: number): Promise<Message[]> {
    const nowMs = now.getTime();
    if (!Number.isFinite(nowMs)) throw invalid('now', 'must be a valid Date', String(now));
    if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', 'must be a positive integer', limit);
    const olderThan = (since: 'm.received_at_ms' | 'm.folder_changed_at_ms', days: 'b.retention_days' | 'b.saved_retention_days'): Expression<SqlBool> =>
      sql<SqlBool>`${sql.ref(since)} + cast(${sql.ref(days)} as bigint) * ${DAY_MS} < ${nowMs}`;
    const rows = await this.ctx.db
      .selectFrom('messages as m')
      .innerJoin('mailboxes as b', (join) => join.onRef('b.tenant_id', '=', 'm.tenant_id').onRef('b.id', '=', 'm.mailbox_id'))
      .selectAll('m')
      .where((eb) =>
        eb.or([
          eb.and([eb('m.folder', '=', 'inbox'), olderThan('m.received_at_ms', 'b.retention_days')]),
          eb.and([eb('m.folder', '=', 'trash'), olderThan('m.folder_changed_at_ms', 'b.retention_days')]),
          eb.and([eb('m.folder', '=', 'saved'), olderThan('m.folder_changed_at_ms', 'b.saved_retention_days')]),
        ]),
      )
      .orderBy('m.received_at_ms')
      .orderBy('m.id')
      .limit(limit)
      .execute();
    return rows.map(messageFromRow);
  }
}

/** 1–100 characters, not the field separator of search_text. */
function searchTerm(q: string): string {
  if (typeof q !== 'string' || q.length < 1 || q.length > 100) throw invalid('q', 'must be text of 1–100 characters', q);
  if (q.includes(SEARCH_SEPARATOR)) throw invalid('q', 'must not contain control character U+0001');
  return q;
}

function notFound(tenantId: string, id: string): StoreError {
  return new StoreError('VM_STORE_NOT_FOUND', `message ${id} not found in tenant ${tenantId}`);
}
