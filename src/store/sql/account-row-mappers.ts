/** Rows ↔ records of the accounts tables (0003_accounts); same defensive reading as row-mappers.ts. */
import { AUDIT_ACTIONS, LANGUAGES, ROLES, THROTTLE_SCOPES, type ApiToken, type AuditEntry, type LoginSession, type LoginThrottle, type User } from '../../voicemail/model.js';
import type { ApiTokenRow, AuditRow, LoginSessionRow, LoginThrottleRow, UserRow } from './database.js';
import { oneOf, toNumber } from './row-mappers.js';

export function userFromRow(row: UserRow, mailboxIds: readonly string[]): User {
  return {
    id: row.id,
    login: row.login,
    name: row.name,
    role: oneOf(ROLES, row.role, 'users', 'role'),
    tenantId: row.tenant_id,
    mailboxIds,
    language: oneOf(LANGUAGES, row.language, 'users', 'language'),
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    disabledAt: row.disabled_at,
  };
}

export function sessionFromRow(row: LoginSessionRow): LoginSession {
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

export function tokenFromRow(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenHash: row.token_hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function throttleFromRow(row: LoginThrottleRow): LoginThrottle {
  const locked = row.locked_until_ms === null ? null : toNumber(row.locked_until_ms);
  return {
    scope: oneOf(THROTTLE_SCOPES, row.scope, 'login_throttle', 'scope'),
    key: row.key,
    failures: row.failures,
    windowStartedAt: new Date(toNumber(row.window_started_at_ms)).toISOString(),
    lockedUntil: locked === null ? null : new Date(locked).toISOString(),
  };
}

export function auditFromRow(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at,
    actorUserId: row.actor_user_id,
    actorLogin: row.actor_login,
    tenantId: row.tenant_id,
    action: oneOf(AUDIT_ACTIONS, row.action, 'audit_log', 'action'),
    target: row.target,
    ip: row.ip,
    detail: row.detail,
  };
}
