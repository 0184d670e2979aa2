/** Missed calls (written by DepositRepository.abandon), newest first. */
import type { MissedCall } from '../../voicemail/model.js';
import type { MissedCallRepository } from '../../voicemail/ports.js';
import { listLimit } from '../validation/records.js';
import { missedCallFromRow } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlMissedCallRepository implements MissedCallRepository {
  constructor(private readonly ctx: SqlContext) {}

  async list(filter: { tenantId?: string; mailboxId?: string; limit?: number }): Promise<MissedCall[]> {
    const limit = listLimit(filter.limit);
    let q = this.ctx.db.selectFrom('missed_calls').selectAll();
    if (filter.tenantId !== undefined) q = q.where('tenant_id', '=', filter.tenantId);
    if (filter.mailboxId !== undefined) q = q.where('mailbox_id', '=', filter.mailboxId);
    // `at` is canonical ISO UTC (validation/fields.ts), so text order is time order.
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(missedCallFromRow);
  }
}
