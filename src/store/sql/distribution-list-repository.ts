/**
 * Distribution lists: named sets of mailboxes of one tenant, keyed (tenant, id). The
 * mailbox ids are checked against the tenant when a list is written; a mailbox removed
 * later stays in the list (the sender skips it), so removing a mailbox never has to
 * rewrite lists.
 */
import type { Kysely } from 'kysely';
import type { DistributionList } from '../../voicemail/model.js';
import { StoreError, type DistributionListPatch, type DistributionListRepository, type NewDistributionList } from '../../voicemail/ports.js';
import { checkListPatch, checkNewList } from '../validation/records.js';
import type { Database } from './database.js';
import { distributionListFromRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlDistributionListRepository implements DistributionListRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewDistributionList): Promise<DistributionList> {
    const l = checkNewList(input);
    const at = this.ctx.now().toISOString();
    const row = { tenant_id: l.tenantId, id: l.id, name: l.name, mailbox_ids: JSON.stringify(l.mailboxIds), created_at: at, updated_at: at };
    const duplicate = (): StoreError => new StoreError('VM_STORE_DUPLICATE_LIST', `list ${l.id} already exists in tenant ${l.tenantId}`);
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        const tenant = await trx.selectFrom('tenants').select('id').where('id', '=', l.tenantId).executeTakeFirst();
        if (!tenant) throw new StoreError('VM_STORE_UNKNOWN_TENANT', `tenant ${l.tenantId} does not exist`);
        const existing = await trx.selectFrom('distribution_lists').select('id').where('tenant_id', '=', l.tenantId).where('id', '=', l.id).executeTakeFirst();
        if (existing) throw duplicate();
        await assertMailboxes(trx, l.tenantId, l.mailboxIds);
        await trx.insertInto('distribution_lists').values(row).execute();
      });
    } catch (error) {
      throw this.ctx.isUniqueViolation(error) ? duplicate() : error;
    }
    return distributionListFromRow(row);
  }

  async get(tenantId: string, id: string): Promise<DistributionList | null> {
    const row = await this.ctx.db.selectFrom('distribution_lists').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row ? distributionListFromRow(row) : null;
  }

  async list(tenantId: string): Promise<DistributionList[]> {
    const rows = await this.ctx.db.selectFrom('distribution_lists').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute();
    return rows.map(distributionListFromRow);
  }

  async update(tenantId: string, id: string, patch: DistributionListPatch): Promise<DistributionList> {
    const p = checkListPatch(patch);
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('distribution_lists').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(tenantId, id);
      if (p.mailboxIds !== undefined) await assertMailboxes(trx, tenantId, p.mailboxIds);
      const changes = {
        ...(p.name !== undefined ? { name: p.name } : {}),
        ...(p.mailboxIds !== undefined ? { mailbox_ids: JSON.stringify(p.mailboxIds) } : {}),
        updated_at: this.ctx.now().toISOString(),
      };
      await trx.updateTable('distribution_lists').set(changes).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
      return distributionListFromRow({ ...row, ...changes });
    });
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const result = await this.ctx.db.deleteFrom('distribution_lists').where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(tenantId, id);
  }
}

async function assertMailboxes(db: Kysely<Database>, tenantId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const found = await db.selectFrom('mailboxes').select('id').where('tenant_id', '=', tenantId).where('id', 'in', [...ids]).execute();
  const known = new Set(found.map((r) => r.id));
  const missing = ids.filter((m) => !known.has(m));
  if (missing.length > 0) throw new StoreError('VM_STORE_UNKNOWN_MAILBOX', `no mailbox ${missing.join(', ')} in tenant ${tenantId}`);
}

function notFound(tenantId: string, id: string): StoreError {
  return new StoreError('VM_STORE_NOT_FOUND', `list ${id} not found in tenant ${tenantId}`);
}
