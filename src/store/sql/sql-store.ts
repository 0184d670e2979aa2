/** The repositories of a VoicemailStore over any Kysely backend; the backend adds `close()`. */
import type { VoicemailStore } from '../../voicemail/ports.js';
import { SqlApiTokenRepository } from './api-token-repository.js';
import { SqlAuditRepository } from './audit-repository.js';
import { SqlDepositRepository } from './deposit-repository.js';
import { SqlDistributionListRepository } from './distribution-list-repository.js';
import { SqlLoginThrottleRepository } from './login-throttle-repository.js';
import { SqlMailboxRepository } from './mailbox-repository.js';
import { SqlMessageRepository } from './message-repository.js';
import { SqlMissedCallRepository } from './missed-call-repository.js';
import { SqlOutboxRepository } from './outbox-repository.js';
import { SqlSessionRepository } from './session-repository.js';
import type { SqlContext } from './sql-context.js';
import { SqlTenantRepository } from './tenant-repository.js';
import { SqlUserRepository } from './user-repository.js';

export type SqlRepositories = Omit<VoicemailStore, 'close'>;

export function createSqlRepositories(ctx: SqlContext): SqlRepositories {
  return {
    tenants: new SqlTenantRepository(ctx),
    mailboxes: new SqlMailboxRepository(ctx),
    messages: new SqlMessageRepository(ctx),
    lists: new SqlDistributionListRepository(ctx),
    missedCalls: new SqlMissedCallRepository(ctx),
    deposits: new SqlDepositRepository(ctx),
    outbox: new SqlOutboxRepository(ctx),
    users: new SqlUserRepository(ctx),
    sessions: new SqlSessionRepository(ctx),
    apiTokens: new SqlApiTokenRepository(ctx),
    loginThrottle: new SqlLoginThrottleRepository(ctx),
    audit: new SqlAuditRepository(ctx),
  };
}
