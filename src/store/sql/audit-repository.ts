/**
 * The audit log: append-only, ids are UUIDv7 so that id order is time order (newest
 * first = id descending, served by the (tenant_id, id) index).
 */
import type { AuditEntry } from '../../voicemail/model.js';
import type { AuditFilter, AuditRepository, NewAuditEntry } from '../../voicemail/ports.js';
import { checkNewAudit } from '../validation/accounts.js';
import { listLimit } from '../validation/records.js';
import { auditFromRow } from './account-row-mappers.js';
import type { AuditRow } from './database.js';
import type { SqlContext } from './sql-context.js';
import { timeOrderedId } from './time-ordered-id.js';

export class SqlAuditRepository implements AuditRepository {
  constructor(private readonly ctx: SqlContext) {}

  async append(entry: NewAuditEntry): Promise<AuditEntry> {
    const e = checkNewAudit(entry);
    const row: AuditRow = {
      id: timeOrderedId(),
      at: e.at ?? this.ctx.now().toISOString(),
      actor_user_id: e.actorUserId,
      actor_login: e.actorLogin,
      tenant_id: e.tenantId,
      action: e.action,
      target: e.target,
      ip: e.ip,
      detail: e.detail,
    };
    await this.ctx.db.insertInto('audit_log').values(row).execute();
    return auditFromRow(row);
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    let q = this.ctx.db.selectFrom('audit_log').selectAll();
    if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.actorUserId !== undefined) q = q.where('actor_user_id', '=', filter.actorUserId);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (filter.target !== undefined) q = q.where('target', '=', filter.target);
    const rows = await q.orderBy('id', 'desc').limit(listLimit(filter.limit)).execute();
    return rows.map(auditFromRow);
  }
}
