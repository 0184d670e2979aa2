/** Tenants: the top of every tenant-scoped query. */
import type { Tenant } from '../../voicemail/model.js';
import { StoreError, type NewTenant, type TenantPatch, type TenantRepository } from '../../voicemail/ports.js';
import { checkNewTenant, checkTenantPatch } from '../validation/records.js';
import { fromBool, tenantFromRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlTenantRepository implements TenantRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewTenant): Promise<Tenant> {
    const t = checkNewTenant(input);
    const tenant: Tenant = {
      id: t.id,
      name: t.name ?? t.id,
      defaultEmail: t.defaultEmail ?? null,
      duplicateToDefault: t.duplicateToDefault ?? false,
      webhookUrl: t.webhookUrl ?? null,
      webhookSecret: t.webhookSecret ?? null,
      createdAt: this.ctx.now().toISOString(),
    };
    const duplicate = (): StoreError => new StoreError('VM_STORE_DUPLICATE_TENANT', `tenant ${tenant.id} already exists`);
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        const existing = await trx.selectFrom('tenants').select('id').where('id', '=', tenant.id).executeTakeFirst();
        if (existing) throw duplicate();
        await trx
          .insertInto('tenants')
          .values({
            id: tenant.id,
            name: tenant.name,
            default_email: tenant.defaultEmail,
            duplicate_to_default: fromBool(tenant.duplicateToDefault),
            webhook_url: tenant.webhookUrl,
            webhook_secret: tenant.webhookSecret,
            created_at: tenant.createdAt,
          })
          .execute();
      });
    } catch (error) {
      throw this.ctx.isUniqueViolation(error) ? duplicate() : error;
    }
    return tenant;
  }

  async get(id: string): Promise<Tenant | null> {
    const row = await this.ctx.db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? tenantFromRow(row) : null;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.ctx.db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map(tenantFromRow);
  }

  async update(id: string, patch: TenantPatch): Promise<Tenant> {
    const p = checkTenantPatch(patch);
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new StoreError('VM_STORE_NOT_FOUND', `tenant ${id} not found`);
      const current = tenantFromRow(row);
      const next: Tenant = {
        ...current,
        name: p.name ?? current.name,
        defaultEmail: p.defaultEmail === undefined ? current.defaultEmail : p.defaultEmail,
        duplicateToDefault: p.duplicateToDefault ?? current.duplicateToDefault,
        webhookUrl: p.webhookUrl === undefined ? current.webhookUrl : p.webhookUrl,
        webhookSecret: p.webhookSecret === undefined ? current.webhookSecret : p.webhookSecret,
      };
      await trx
        .updateTable('tenants')
        .set({
          name: next.name,
          default_email: next.defaultEmail,
          duplicate_to_default: fromBool(next.duplicateToDefault),
          webhook_url: next.webhookUrl,
          webhook_secret: next.webhookSecret,
        })
        .where('id', '=', id)
        .execute();
      return next;
    });
  }
}
