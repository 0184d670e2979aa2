/**
 * Mailboxes and the numbers routed to them. Numbers live in their own table whose
 * primary key (tenant_id, number) makes "one mailbox per number within a tenant" a
 * database rule; the repository checks first anyway so that the error names the
 * mailbox that holds the number.
 */
import type { Kysely } from 'kysely';
import { GREETING_REASONS, type Mailbox } from '../../voicemail/model.js';
import { StoreError, type MailboxPatch, type MailboxRepository, type NewMailbox } from '../../voicemail/ports.js';
import { applyMailboxPatch, defaultMailboxSettings, type MailboxSettings } from '../validation/mailbox-settings.js';
import { checkId } from '../validation/records.js';
import type { Database, MailboxRow } from './database.js';
import { mailboxFromRow, mailboxSettingsToRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlMailboxRepository implements MailboxRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewMailbox): Promise<Mailbox> {
    const tenantId = checkId('tenantId', input.tenantId);
    const id = checkId('id', input.id);
    // "_tenant" names the tenant-wide prompt overrides in the audio store (prompts/<tenant>/_tenant/...).
    if (id.startsWith('_')) throw new StoreError('VM_STORE_INVALID', `id: must not start with "_" (reserved), got ${JSON.stringify(id)}`);
    const settings = applyMailboxPatch(defaultMailboxSettings(id), input);
    const at = this.ctx.now().toISOString();
    await this.ctx.db.transaction().execute(async (trx) => {
      const tenant = await trx.selectFrom('tenants').select('id').where('id', '=', tenantId).executeTakeFirst();
      if (!tenant) throw new StoreError('VM_STORE_UNKNOWN_TENANT', `tenant ${tenantId} does not exist`);
      const duplicate = (): StoreError =>
        new StoreError('VM_STORE_DUPLICATE_MAILBOX', `mailbox ${id} already exists in tenant ${tenantId}`);
      if (await findRow(trx, tenantId, id)) throw duplicate();
      await this.assertNumbersFree(trx, tenantId, id, settings.numbers);
      await this.guard(duplicate, () =>
        trx
          .insertInto('mailboxes')
          .values({ tenant_id: tenantId, id, ...mailboxSettingsToRow(settings), created_at: at, updated_at: at })
          .execute(),
      );
      await this.insertNumbers(trx, tenantId, id, settings.numbers);
    });
    return { id, tenantId, ...settings, createdAt: at, updatedAt: at };
  }

  async get(tenantId: string, id: string): Promise<Mailbox | null> {
    const row = await findRow(this.ctx.db, tenantId, id);
    return row ? mailboxFromRow(row, await numbersOf(this.ctx.db, tenantId, id)) : null;
  }

  async findByNumber(tenantId: string, number: string): Promise<Mailbox | null> {
    const hit = await this.ctx.db
      .selectFrom('mailbox_numbers')
      .select('mailbox_id')
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .executeTakeFirst();
    return hit ? this.get(tenantId, hit.mailbox_id) : null;
  }

  async list(tenantId?: string): Promise<Mailbox[]> {
    let rows = this.ctx.db.selectFrom('mailboxes').selectAll();
    let numbers = this.ctx.db.selectFrom('mailbox_numbers').selectAll();
    if (tenantId !== undefined) {
      rows = rows.where('tenant_id', '=', tenantId);
      numbers = numbers.where('tenant_id', '=', tenantId);
    }
    const byMailbox = new Map<string, string[]>();
    for (const n of await numbers.orderBy('position').execute()) {
      const key = mailboxKey(n.tenant_id, n.mailbox_id);
      byMailbox.set(key, [...(byMailbox.get(key) ?? []), n.number]);
    }
    const mailboxes = await rows.orderBy('tenant_id').orderBy('id').execute();
    return mailboxes.map((row) => mailboxFromRow(row, byMailbox.get(mailboxKey(row.tenant_id, row.id)) ?? []));
  }

  async update(tenantId: string, id: string, patch: MailboxPatch): Promise<Mailbox> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await findRow(trx, tenantId, id);
      if (!row) throw notFound(tenantId, id);
      const current = mailboxFromRow(row, await numbersOf(trx, tenantId, id));
      const settings: MailboxSettings = applyMailboxPatch(current, patch);
      const updatedAt = this.ctx.now().toISOString();
      if (patch.numbers !== undefined) {
        await this.assertNumbersFree(trx, tenantId, id, settings.numbers);
        await trx.deleteFrom('mailbox_numbers').where('tenant_id', '=', tenantId).where('mailbox_id', '=', id).execute();
        await this.insertNumbers(trx, tenantId, id, settings.numbers);
      }
      await trx
        .updateTable('mailboxes')
        .set({ ...mailboxSettingsToRow(settings), updated_at: updatedAt })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .execute();
      return { ...current, ...settings, updatedAt };
    });
  }

  /**
   * One transaction: the mailbox, its numbers, messages, missed calls and pending
   * deposits. Returns the audio keys of its messages, then of its recorded greetings
   * and warning prompt, for the caller to delete from the AudioStore.
   */
  async remove(tenantId: string, id: string): Promise<{ audioKeys: string[] }> {
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await findRow(trx, tenantId, id);
      if (!row) throw notFound(tenantId, id);
      const mailbox = mailboxFromRow(row, []);
      const messages = await trx
        .selectFrom('messages')
        .select('audio_key')
        .where('tenant_id', '=', tenantId)
        .where('mailbox_id', '=', id)
        .execute();
      const own = [...GREETING_REASONS.map((r) => mailbox.greetings[r].audioKey), mailbox.warningAudioKey];
      const audioKeys = [...new Set([...messages.map((m) => m.audio_key), ...own.filter((k) => k !== null)])];
      for (const table of ['pending_deposits', 'missed_calls', 'messages', 'mailbox_numbers'] as const) {
        await trx.deleteFrom(table).where('tenant_id', '=', tenantId).where('mailbox_id', '=', id).execute();
      }
      await trx.deleteFrom('mailboxes').where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      return { audioKeys };
    });
  }

  private async assertNumbersFree(db: Kysely<Database>, tenantId: string, id: string, numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return;
    const taken = await db
      .selectFrom('mailbox_numbers')
      .select(['number', 'mailbox_id'])
      .where('tenant_id', '=', tenantId)
      .where('number', 'in', numbers)
      .where('mailbox_id', '<>', id)
      .orderBy('number')
      .executeTakeFirst();
    if (taken) throw numberTaken(tenantId, taken.number, taken.mailbox_id);
  }

  private async insertNumbers(db: Kysely<Database>, tenantId: string, id: string, numbers: readonly string[]): Promise<void> {
    if (numbers.length === 0) return;
    const rows = numbers.map((number, position) => ({ tenant_id: tenantId, number, mailbox_id: id, position }));
    await this.guard(
      () => numberTaken(tenantId, numbers.join(', '), null),
      () => db.insertInto('mailbox_numbers').values(rows).execute(),
    );
  }

  /** Runs an insert, turning a unique violation that slipped past the explicit check into `error()`. */
  private async guard(error: () => StoreError, insert: () => Promise<unknown>): Promise<void> {
    try {
      await insert();
    } catch (e) {
      throw this.ctx.isUniqueViolation(e) ? error() : e;
    }
  }
}

function findRow(db: Kysely<Database>, tenantId: string, id: string): Promise<MailboxRow | undefined> {
  return db.selectFrom('mailboxes').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

async function numbersOf(db: Kysely<Database>, tenantId: string, id: string): Promise<string[]> {
  const rows = await db
    .selectFrom('mailbox_numbers')
    .select('number')
    .where('tenant_id', '=', tenantId)
    .where('mailbox_id', '=', id)
    .orderBy('position')
    .execute();
  return rows.map((r) => r.number);
}

function mailboxKey(tenantId: string, id: string): string {
  return `${tenantId}\u0000${id}`;
}

function notFound(tenantId: string, id: string): StoreError {
  return new StoreError('VM_STORE_NOT_FOUND', `mailbox ${id} not found in tenant ${tenantId}`);
}

function numberTaken(tenantId: string, number: string, holder: string | null): StoreError {
  const who = holder === null ? 'another mailbox' : `mailbox ${holder}`;
  return new StoreError('VM_STORE_NUMBER_TAKEN', `number ${number} is already routed to ${who} of tenant ${tenantId}`);
}
