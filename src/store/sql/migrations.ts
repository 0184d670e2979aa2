/**
 * Versioned schema migrations, in code so that the built `dist/` needs no migration
 * files next to it. Names sort in the order they run (`0001_...`, `0002_...`); a
 * released migration is never edited — a change is a new migration. Only column types
 * every SQL backend understands are used (`text`, `integer`, `bigint`), so PostgreSQL
 * can run the same list.
 */
import type { Kysely } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import { messageOrigin } from './migration-0004-message-origin.js';

const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('default_email', 'text')
      .addColumn('duplicate_to_default', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('mailboxes')
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('greetings', 'text', (c) => c.notNull())
      .addColumn('warning_mode', 'text', (c) => c.notNull())
      .addColumn('warning_audio_key', 'text')
      .addColumn('max_message_ms', 'integer', (c) => c.notNull())
      .addColumn('min_message_ms', 'integer', (c) => c.notNull())
      .addColumn('silence_timeout_ms', 'integer', (c) => c.notNull())
      .addColumn('retention_days', 'integer', (c) => c.notNull())
      .addColumn('saved_retention_days', 'integer', (c) => c.notNull())
      .addColumn('quota_messages', 'integer', (c) => c.notNull())
      .addColumn('operator_uri', 'text')
      .addColumn('pin_hash', 'text')
      .addColumn('emails', 'text', (c) => c.notNull())
      .addColumn('email_action', 'text', (c) => c.notNull())
      .addColumn('sms_number', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('mailboxes_pk', ['tenant_id', 'id'])
      .execute();

    // The primary key makes a number unique within its tenant.
    await db.schema
      .createTable('mailbox_numbers')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('mailbox_numbers_pk', ['tenant_id', 'number'])
      .addForeignKeyConstraint('mailbox_numbers_mailbox_fk', ['tenant_id', 'mailbox_id'], 'mailboxes', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('mailbox_numbers_by_mailbox').on('mailbox_numbers').columns(['tenant_id', 'mailbox_id']).execute();

    await db.schema
      .createTable('messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text', (c) => c.notNull())
      .addColumn('caller_number', 'text')
      .addColumn('caller_name', 'text')
      .addColumn('called_number', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('heard', 'integer', (c) => c.notNull())
      .addColumn('folder', 'text', (c) => c.notNull())
      .addColumn('recovered', 'integer', (c) => c.notNull())
      .addColumn('audio_key', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'bigint', (c) => c.notNull())
      .addColumn('call_id', 'text')
      .addColumn('folder_changed_at', 'text', (c) => c.notNull())
      .addColumn('folder_changed_at_ms', 'bigint', (c) => c.notNull())
      .addForeignKeyConstraint('messages_mailbox_fk', ['tenant_id', 'mailbox_id'], 'mailboxes', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema
      .createIndex('messages_by_mailbox')
      .on('messages')
      .columns(['tenant_id', 'mailbox_id', 'received_at_ms'])
      .execute();
    await db.schema.createIndex('messages_by_received').on('messages').column('received_at_ms').execute();

    await db.schema
      .createTable('missed_calls')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text', (c) => c.notNull())
      .addColumn('caller_number', 'text')
      .addColumn('caller_name', 'text')
      .addColumn('called_number', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('cause', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('call_id', 'text')
      .addForeignKeyConstraint('missed_calls_mailbox_fk', ['tenant_id', 'mailbox_id'], 'mailboxes', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('missed_calls_by_mailbox').on('missed_calls').columns(['tenant_id', 'mailbox_id', 'at']).execute();

    await db.schema
      .createTable('pending_deposits')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text', (c) => c.notNull())
      .addColumn('caller_number', 'text')
      .addColumn('caller_name', 'text')
      .addColumn('called_number', 'text')
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('call_id', 'text')
      .addColumn('min_message_ms', 'integer', (c) => c.notNull())
      .addForeignKeyConstraint('pending_deposits_mailbox_fk', ['tenant_id', 'mailbox_id'], 'mailboxes', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['pending_deposits', 'missed_calls', 'messages', 'mailbox_numbers', 'mailboxes', 'tenants']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/**
 * The durable outbox (issue 5): webhook settings of a tenant, MWI targets of a mailbox,
 * the notifications queued with the changes that cause them, and every delivery attempt.
 * Existing mailboxes get an empty MWI list; existing tenants no webhook.
 */
const notifications: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('tenants').addColumn('webhook_url', 'text').execute();
    await db.schema.alterTable('tenants').addColumn('webhook_secret', 'text').execute();
    await db.schema
      .alterTable('mailboxes')
      .addColumn('mwi_uris', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();

    // No foreign keys to tenants/mailboxes/messages: the rows are an audit trail that
    // outlives what they are about (a deleted message still shows its deliveries).
    await db.schema
      .createTable('notifications')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text')
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('subject_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('delivery_key', 'text', (c) => c.notNull().unique())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('next_attempt_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('give_up_at', 'text', (c) => c.notNull())
      .addColumn('give_up_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'text')
      .addColumn('provider_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // The worker's due query: status = 'pending' and next_attempt_at_ms <= now, in that order.
    await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at_ms']).execute();
    // `voxmail messages show`: the deliveries of one message or missed call.
    await db.schema.createIndex('notifications_by_subject').on('notifications').columns(['tenant_id', 'subject_id']).execute();

    await db.schema
      .createTable('delivery_attempts')
      .addColumn('notification_id', 'text', (c) => c.notNull().references('notifications.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .addColumn('provider_id', 'text')
      .addPrimaryKeyConstraint('delivery_attempts_pk', ['notification_id', 'attempt'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('delivery_attempts').execute();
    await db.schema.dropTable('notifications').execute();
    await db.schema.alterTable('mailboxes').dropColumn('mwi_uris').execute();
    await db.schema.alterTable('tenants').dropColumn('webhook_secret').execute();
    await db.schema.alterTable('tenants').dropColumn('webhook_url').execute();
  },
};

/**
 * Accounts (issue 6): users and the mailboxes owners see, login sessions, API tokens,
 * failed-login counters and the audit log; plus an index that serves the API's
 * newest-first cursor pages of one mailbox without a sort.
 */
const accounts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('login', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('disabled_at', 'text')
      .execute();
    await db.schema.createIndex('users_by_tenant').on('users').columns(['tenant_id', 'login']).execute();

    // Removing a mailbox takes it away from its owners; removing a user, their list.
    await db.schema
      .createTable('user_mailboxes')
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_mailboxes_pk', ['user_id', 'tenant_id', 'mailbox_id'])
      .addForeignKeyConstraint('user_mailboxes_mailbox_fk', ['tenant_id', 'mailbox_id'], 'mailboxes', ['tenant_id', 'id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('user_mailboxes_by_mailbox').on('user_mailboxes').columns(['tenant_id', 'mailbox_id']).execute();

    await db.schema
      .createTable('login_sessions')
      .addColumn('id_hash', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .execute();
    await db.schema.createIndex('login_sessions_by_user').on('login_sessions').column('user_id').execute();
    await db.schema.createIndex('login_sessions_by_expiry').on('login_sessions').column('expires_at_ms').execute();

    await db.schema
      .createTable('api_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('api_tokens_by_user').on('api_tokens').column('user_id').execute();

    await db.schema
      .createTable('login_throttle')
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('window_started_at_ms', 'bigint', (c) => c.notNull())
      .addColumn('locked_until_ms', 'bigint')
      .addPrimaryKeyConstraint('login_throttle_pk', ['scope', 'key'])
      .execute();

    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_user_id', 'text')
      .addColumn('actor_login', 'text')
      .addColumn('tenant_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text')
      .addColumn('ip', 'text')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('audit_log_by_tenant').on('audit_log').columns(['tenant_id', 'id']).execute();

    await db.schema
      .createIndex('messages_by_mailbox_page')
      .on('messages')
      .columns(['tenant_id', 'mailbox_id', 'received_at_ms', 'id'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('messages_by_mailbox_page').execute();
    for (const table of ['audit_log', 'login_throttle', 'api_tokens', 'login_sessions', 'user_mailboxes', 'users']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/** Every migration, by name; the Migrator runs the ones a database has not seen, in name order. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_initial': initial,
  '0002_notifications': notifications,
  '0003_accounts': accounts,
  '0004_message_origin': messageOrigin,
});

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...MIGRATIONS }),
};
