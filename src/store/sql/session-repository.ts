/**
 * Login sessions, keyed by the SHA-256 of the cookie value. The repository only stores
 * and reads; whether a session is still valid (idle and absolute timeouts, revocation,
 * a disabled user) is decided by the accounts module with its injected clock.
 */
import type { LoginSession } from '../../voicemail/model.js';
import { StoreError, type NewLoginSession, type SessionRepository } from '../../voicemail/ports.js';
import { checkNewSession, checkTime } from '../validation/accounts.js';
import { sessionFromRow } from './account-row-mappers.js';
import type { LoginSessionRow } from './database.js';
import type { SqlContext } from './sql-context.js';

export class SqlSessionRepository implements SessionRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewLoginSession): Promise<LoginSession> {
    const s = checkNewSession(input);
    const row: LoginSessionRow = {
      id_hash: s.idHash,
      user_id: s.userId,
      created_at: s.createdAt,
      last_seen_at: s.createdAt,
      expires_at: s.expiresAt,
      expires_at_ms: Date.parse(s.expiresAt),
      revoked_at: null,
      ip: s.ip,
      user_agent: s.userAgent,
    };
    await this.ctx.db.transaction().execute(async (trx) => {
      if (!(await trx.selectFrom('users').select('id').where('id', '=', s.userId).executeTakeFirst())) {
        throw new StoreError('VM_STORE_NOT_FOUND', `user ${s.userId} not found`);
      }
      await trx.insertInto('login_sessions').values(row).execute();
    });
    return sessionFromRow(row);
  }

  async get(idHash: string): Promise<LoginSession | null> {
    const row = await this.ctx.db.selectFrom('login_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row ? sessionFromRow(row) : null;
  }

  async touch(idHash: string, at: string): Promise<void> {
    await this.ctx.db.updateTable('login_sessions').set({ last_seen_at: checkTime('at', at) }).where('id_hash', '=', idHash).execute();
  }

  async revoke(idHash: string, at: string): Promise<void> {
    await this.ctx.db
      .updateTable('login_sessions')
      .set({ revoked_at: checkTime('at', at) })
      .where('id_hash', '=', idHash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeAllOf(userId: string, at: string): Promise<number> {
    const r = await this.ctx.db
      .updateTable('login_sessions')
      .set({ revoked_at: checkTime('at', at) })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async purge(before: string): Promise<number> {
    const at = checkTime('before', before);
    const r = await this.ctx.db
      .deleteFrom('login_sessions')
      .where((eb) => eb.or([eb('expires_at_ms', '<=', Date.parse(at)), eb('revoked_at', '<=', at)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
