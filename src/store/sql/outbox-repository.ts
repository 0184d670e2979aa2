/**
 * The durable outbox (ports.ts OutboxRepository). Notifications are inserted either on
 * their own (`enqueue`) or by the `notify` hooks of deposits and messages, inside the
 * transaction of the change that causes them (`insertNotifications`). The worker leases
 * due ones with `claimDue` and reports each attempt with `complete`.
 *
 * Leasing: `claimDue` moves `next_attempt_at` of what it returns to now + leaseMs and
 * counts the attempt, in one write transaction, so another worker (another process on the
 * same file) skips those rows until the lease runs out — i.e. until a worker that died
 * while sending is presumed dead. Delivery is therefore at least once; receivers
 * deduplicate by the delivery key.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES, type DeliveryAttempt, type Notification, type NotificationChannel } from '../../voicemail/model.js';
import { StoreError, type NewNotification, type NotificationFilter, type OutboxRepository } from '../../voicemail/ports.js';
import { id as idSchema, invalid, parseOrThrow } from '../validation/fields.js';
import { checkDate, checkNewNotifications, checkOutcome, deliveryKey } from '../validation/notifications.js';
import { listLimit } from '../validation/records.js';
import type { Database, NotificationRow } from './database.js';
import { deliveryAttemptFromRow, notificationFromRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';
import { timeOrderedId } from './time-ordered-id.js';

/** The longest lease a worker may take: a day (a send never legitimately takes longer). */
const MAX_LEASE_MS = 86_400_000;

/**
 * Validates `items` and inserts them with `db` (a transaction or the database),
 * skipping those whose delivery key is already queued (and repeats within `items`).
 * Returns how many rows were new.
 */
export async function insertNotifications(db: Kysely<Database>, now: Date, items: readonly NewNotification[]): Promise<number> {
  const checked = checkNewNotifications(items);
  const at = now.toISOString();
  let inserted = 0;
  for (const n of checked) {
    const next = n.nextAttemptAt ?? at;
    const row: NotificationRow = {
      id: timeOrderedId(),
      tenant_id: n.tenantId,
      mailbox_id: n.mailboxId,
      channel: n.channel,
      event: n.event,
      subject_id: n.subjectId,
      recipient: n.recipient,
      payload: n.payload,
      delivery_key: deliveryKey(n),
      status: 'pending',
      attempts: 0,
      next_attempt_at: next,
      next_attempt_at_ms: Date.parse(next),
      give_up_at: n.giveUpAt,
      give_up_at_ms: Date.parse(n.giveUpAt),
      last_error: null,
      provider_id: null,
      created_at: at,
      updated_at: at,
    };
    // RETURNING rather than an affected-row count: both backends report it the same way.
    const result = await db
      .insertInto('notifications')
      .values(row)
      .onConflict((oc) => oc.column('delivery_key').doNothing())
      .returning('id')
      .execute();
    inserted += result.length;
  }
  return inserted;
}

/**
 * Runs a `notify` hook on the record a change wrote or removed and queues what it returns,
 * with the change's transaction: if the hook throws or returns something invalid, the
 * change is rolled back with it.
 */
export async function queueFor<T>(db: Kysely<Database>, now: Date, record: T, notify: ((record: T) => readonly NewNotification[]) | undefined): Promise<void> {
  if (notify === undefined) return;
  const items = notify(record);
  if (!Array.isArray(items)) throw invalid('notify', 'must return a list of notifications');
  if (items.length > 0) await insertNotifications(db, now, items);
}

const filterSchema = z.object({
  tenantId: idSchema.optional(),
  subjectId: idSchema.optional(),
  status: z.enum(NOTIFICATION_STATUSES, { error: `must be one of ${NOTIFICATION_STATUSES.join(', ')}` }).optional(),
  channel: z.enum(NOTIFICATION_CHANNELS, { error: `must be one of ${NOTIFICATION_CHANNELS.join(', ')}` }).optional(),
});

export class SqlOutboxRepository implements OutboxRepository {
  constructor(private readonly ctx: SqlContext) {}

  async enqueue(items: readonly NewNotification[]): Promise<number> {
    checkNewNotifications(items); // refuse a bad batch before taking the write lock
    if (items.length === 0) return 0;
    return this.ctx.db.transaction().execute((trx) => insertNotifications(trx, this.ctx.now(), items));
  }

  /**
   * One write transaction: the due rows (pending, next attempt ≤ now; earliest due
   * first, then oldest), each leased until now + leaseMs with its attempt counted. The
   * update repeats the due condition, so under a backend with weaker isolation than
   * SQLite's single writer a row another worker leased meanwhile is not returned twice
   * (PostgreSQL: add `for update skip locked` to the select).
   */
  async claimDue(now: Date, leaseMs: number, limit: number, channels?: readonly NotificationChannel[]): Promise<Notification[]> {
    if (channels !== undefined && channels.length === 0) return [];
    const nowMs = checkDate('now', now).getTime();
    if (!Number.isInteger(leaseMs) || leaseMs < 1 || leaseMs > MAX_LEASE_MS) {
      throw invalid('leaseMs', `must be an integer 1–${String(MAX_LEASE_MS)} ms`, leaseMs);
    }
    if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', 'must be a positive integer', limit);
    const until = new Date(nowMs + leaseMs);
    const updatedAt = this.ctx.now().toISOString();
    return this.ctx.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('notifications')
        .select('id')
        .where('status', '=', 'pending')
        .where('next_attempt_at_ms', '<=', nowMs)
        .$if(channels !== undefined, (q) => q.where('channel', 'in', [...(channels ?? [])]))
        .orderBy('next_attempt_at_ms')
        .orderBy('created_at')
        .orderBy('id')
        .limit(Math.min(limit, 1000))
        .execute();
      if (due.length === 0) return [];
      const ids = due.map((r) => r.id);
      const rows = await trx
        .updateTable('notifications')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          next_attempt_at: until.toISOString(),
          next_attempt_at_ms: until.getTime(),
          updated_at: updatedAt,
        }))
        .where('id', 'in', ids)
        .where('status', '=', 'pending')
        .where('next_attempt_at_ms', '<=', nowMs)
        .returningAll()
        .execute();
      const order = new Map(ids.map((id, i) => [id, i]));
      return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)).map(notificationFromRow);
    });
  }

  /**
   * One transaction: the attempt row (numbered by the attempt counter `claimDue` set) and
   * the notification's new state — sent (with the provider id), pending again at
   * `nextAttemptAt` (retry, `last_error` = detail), or failed for good (`last_error`).
   *
   * A report for a notification that is no longer pending (a worker whose lease ran out
   * reporting after another worker finished it) is logged as an attempt of its own but
   * changes nothing else: a sent notification stays sent, a failed one failed.
   */
  async complete(
    id: string,
    outcome: { readonly outcome: DeliveryAttempt['outcome']; readonly detail: string | null; readonly providerId: string | null; readonly nextAttemptAt?: Date },
  ): Promise<Notification> {
    const o = checkOutcome(outcome);
    const at = this.ctx.now().toISOString();
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(id);
      const last = await trx
        .selectFrom('delivery_attempts')
        .select((eb) => eb.fn.max('attempt').as('n'))
        .where('notification_id', '=', id)
        .executeTakeFirst();
      const lastAttempt = Number(last?.n ?? 0);
      // Normally the attempt claimDue counted; a late or unclaimed report takes the next free number.
      const attempt = row.attempts > lastAttempt ? row.attempts : lastAttempt + 1;
      await trx
        .insertInto('delivery_attempts')
        .values({ notification_id: id, attempt, at, outcome: o.outcome, detail: o.detail, provider_id: o.providerId })
        .execute();

      let changes: Partial<NotificationRow> = { attempts: Math.max(row.attempts, attempt), updated_at: at };
      if (row.status === 'pending') {
        if (o.outcome === 'sent') changes = { ...changes, status: 'sent', provider_id: o.providerId };
        else if (o.outcome === 'failed') changes = { ...changes, status: 'failed', last_error: o.detail };
        else if (o.nextAttemptAt !== null) {
          changes = {
            ...changes,
            next_attempt_at: o.nextAttemptAt.toISOString(),
            next_attempt_at_ms: o.nextAttemptAt.getTime(),
            last_error: o.detail,
          };
        }
      }
      await trx.updateTable('notifications').set(changes).where('id', '=', id).execute();
      return notificationFromRow({ ...row, ...changes });
    });
  }

  async get(id: string): Promise<Notification | null> {
    const row = await this.ctx.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? notificationFromRow(row) : null;
  }

  /** Newest first (by creation; ids are time-ordered, so rows queued together keep their order). */
  async list(filter: NotificationFilter): Promise<Notification[]> {
    const limit = listLimit(filter.limit);
    const f = parseOrThrow(filterSchema, { tenantId: filter.tenantId, subjectId: filter.subjectId, status: filter.status, channel: filter.channel }, 'filter');
    let q = this.ctx.db.selectFrom('notifications').selectAll();
    if (f.tenantId !== undefined) q = q.where('tenant_id', '=', f.tenantId);
    if (f.subjectId !== undefined) q = q.where('subject_id', '=', f.subjectId);
    if (f.status !== undefined) q = q.where('status', '=', f.status);
    if (f.channel !== undefined) q = q.where('channel', '=', f.channel);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(notificationFromRow);
  }

  /** In attempt order; empty for an unknown id. */
  async attempts(notificationId: string): Promise<DeliveryAttempt[]> {
    const rows = await this.ctx.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('notification_id', '=', notificationId)
      .orderBy('attempt')
      .execute();
    return rows.map(deliveryAttemptFromRow);
  }
}

function notFound(id: string): StoreError {
  return new StoreError('VM_STORE_NOT_FOUND', `notification ${id} not found`);
}
