/** API tokens, found by the SHA-256 of the presented token (unique); the token itself is never stored. */
import { randomUUID } from 'node:crypto';
import type { ApiToken } from '../../voicemail/model.js';
import { StoreError, type ApiTokenRepository, type NewApiToken } from '../../voicemail/ports.js';
import { checkNewToken, checkTime } from '../validation/accounts.js';
import { tokenFromRow } from './account-row-mappers.js';
import type { ApiTokenRow } from './database.js';
import type { SqlContext } from './sql-context.js';

export class SqlApiTokenRepository implements ApiTokenRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewApiToken): Promise<ApiToken> {
    const t = checkNewToken(input);
    const row: ApiTokenRow = {
      id: randomUUID(),
      user_id: t.userId,
      name: t.name,
      token_hash: t.tokenHash,
      prefix: t.prefix,
      created_at: this.ctx.now().toISOString(),
      expires_at: t.expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    await this.ctx.db.transaction().execute(async (trx) => {
      if (!(await trx.selectFrom('users').select('id').where('id', '=', t.userId).executeTakeFirst())) {
        throw new StoreError('VM_STORE_NOT_FOUND', `user ${t.userId} not found`);
      }
      await trx.insertInto('api_tokens').values(row).execute();
    });
    return tokenFromRow(row);
  }

  async get(id: string): Promise<ApiToken | null> {
    const row = await this.ctx.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? tokenFromRow(row) : null;
  }

  async findByHash(tokenHash: string): Promise<ApiToken | null> {
    const row = await this.ctx.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row ? tokenFromRow(row) : null;
  }

  async list(filter: { readonly userId?: string } = {}): Promise<ApiToken[]> {
    let q = this.ctx.db.selectFrom('api_tokens').selectAll();
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id').execute();
    return rows.map(tokenFromRow);
  }

  async touch(id: string, at: string): Promise<void> {
    await this.ctx.db.updateTable('api_tokens').set({ last_used_at: checkTime('at', at) }).where('id', '=', id).execute();
  }

  async revoke(id: string, at: string): Promise<ApiToken> {
    const when = checkTime('at', at);
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new StoreError('VM_STORE_NOT_FOUND', `API token ${id} not found`);
      if (row.revoked_at !== null) return tokenFromRow(row);
      await trx.updateTable('api_tokens').set({ revoked_at: when }).where('id', '=', id).execute();
      return tokenFromRow({ ...row, revoked_at: when });
    });
  }
}
