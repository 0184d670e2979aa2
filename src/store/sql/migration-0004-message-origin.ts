/**
 * 0004 (issue 6): what the web inbox's folders, search, forward and broadcast need.
 *
 * - messages: `origin` ('call' for every existing row), `forwarded_by`, `comment_ms`,
 *   `transcript`, `restore_folder` (the folder a trashed message came from), and
 *   `search_text`, the lower-cased text the `q` filter looks in (filled here for
 *   existing rows);
 * - an index `(tenant_id, received_at_ms, id)` for the newest-first pages of a whole
 *   tenant (an admin's list without a mailbox), which otherwise sort the tenant's rows;
 * - `distribution_lists`, keyed `(tenant_id, id)`: ids are unique per tenant.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';
import { searchTextOf } from './search-text.js';

const BACKFILL_BATCH = 500;

export const messageOrigin: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('messages')
      .addColumn('origin', 'text', (c) => c.notNull().defaultTo('call'))
      .execute();
    await db.schema.alterTable('messages').addColumn('forwarded_by', 'text').execute();
    await db.schema
      .alterTable('messages')
      .addColumn('comment_ms', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('messages').addColumn('transcript', 'text').execute();
    await db.schema.alterTable('messages').addColumn('restore_folder', 'text').execute();
    await db.schema
      .alterTable('messages')
      .addColumn('search_text', 'text', (c) => c.notNull().defaultTo(''))
      .execute();

    // Lower-casing must be JavaScript's (Unicode), so existing rows are filled from here, in batches by id.
    let after = '';
    for (;;) {
      const rows = await sql<{ id: string; caller_number: string | null; caller_name: string | null; called_number: string | null }>`
        select id, caller_number, caller_name, called_number from messages where id > ${after} order by id limit ${BACKFILL_BATCH}`.execute(db);
      for (const r of rows.rows) {
        const text = searchTextOf({ callerNumber: r.caller_number, callerName: r.caller_name, calledNumber: r.called_number, transcript: null });
        await sql`update messages set search_text = ${text} where id = ${r.id}`.execute(db);
      }
      const last = rows.rows.at(-1);
      if (!last || rows.rows.length < BACKFILL_BATCH) break;
      after = last.id;
    }

    await db.schema.createIndex('messages_by_tenant_page').on('messages').columns(['tenant_id', 'received_at_ms', 'id']).execute();

    await db.schema
      .createTable('distribution_lists')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('mailbox_ids', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('distribution_lists_pk', ['tenant_id', 'id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('distribution_lists').execute();
    await db.schema.dropIndex('messages_by_tenant_page').execute();
    for (const column of ['search_text', 'restore_folder', 'transcript', 'comment_ms', 'forwarded_by', 'origin']) {
      await db.schema.alterTable('messages').dropColumn(column).execute();
    }
  },
};
