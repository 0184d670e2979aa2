/**
 * Failed-login counters in the database, so that neither a restart nor a second process
 * (the CLI) resets a lock-out. One row per (scope, key); `recordFailure` is a
 * read-modify-write in one write transaction, so concurrent failures all count.
 */
import { THROTTLE_SCOPES, type LoginThrottle, type ThrottleScope } from '../../voicemail/model.js';
import type { LoginThrottleRepository, ThrottlePolicy } from '../../voicemail/ports.js';
import { invalid } from '../validation/fields.js';
import { checkDate } from '../validation/notifications.js';
import { throttleFromRow } from './account-row-mappers.js';
import type { LoginThrottleRow } from './database.js';
import { toNumber } from './row-mappers.js';
import type { SqlContext } from './sql-context.js';

export class SqlLoginThrottleRepository implements LoginThrottleRepository {
  constructor(private readonly ctx: SqlContext) {}

  async get(scope: ThrottleScope, key: string): Promise<LoginThrottle | null> {
    checkKey(scope, key);
    const row = await this.ctx.db.selectFrom('login_throttle').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    return row ? throttleFromRow(row) : null;
  }

  async recordFailure(scope: ThrottleScope, key: string, at: Date, policy: ThrottlePolicy): Promise<LoginThrottle> {
    checkKey(scope, key);
    const now = checkDate('at', at).getTime();
    for (const [field, v] of Object.entries(policy)) {
      if (!Number.isSafeInteger(v) || (v as number) < 1) throw invalid(`policy.${field}`, 'must be a positive integer', v);
    }
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('login_throttle').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
      const fresh = !row || toNumber(row.window_started_at_ms) + policy.windowMs <= now;
      const failures = fresh ? 1 : row.failures + 1;
      const lockedBefore = row?.locked_until_ms == null ? null : toNumber(row.locked_until_ms);
      // A lock in force is kept; reaching the limit starts a new one.
      const locked = lockedBefore !== null && lockedBefore > now ? lockedBefore : failures >= policy.maxFailures ? now + policy.lockMs : null;
      const next: LoginThrottleRow = {
        scope,
        key,
        failures,
        window_started_at_ms: fresh ? now : toNumber(row.window_started_at_ms),
        locked_until_ms: locked,
      };
      if (row) await trx.updateTable('login_throttle').set(next).where('scope', '=', scope).where('key', '=', key).execute();
      else await trx.insertInto('login_throttle').values(next).execute();
      return throttleFromRow(next);
    });
  }

  async clear(scope: ThrottleScope, key: string): Promise<void> {
    checkKey(scope, key);
    await this.ctx.db.deleteFrom('login_throttle').where('scope', '=', scope).where('key', '=', key).execute();
  }
}

function checkKey(scope: ThrottleScope, key: string): void {
  if (!THROTTLE_SCOPES.includes(scope)) throw invalid('scope', `must be one of ${THROTTLE_SCOPES.join(', ')}`, scope);
  if (typeof key !== 'string' || key.length < 1 || key.length > 300) throw invalid('key', 'must be text of 1–300 characters');
}
