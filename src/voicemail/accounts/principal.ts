/**
 * Who is asking, and what they may see. Every read and change of the REST API goes
 * through `scopeOf` / `canSeeMailbox`, so the tenant rule lives in one place:
 * platform admins see every tenant, tenant admins their tenant, owners their
 * mailboxes. Something outside the scope does not exist for the caller (404, never
 * 403), so a guessed id tells nothing.
 */
import type { User } from '../model.js';

export interface Principal {
  readonly user: User;
  /** How the request authenticated: a browser session (needs CSRF on changes) or a bearer token. */
  readonly via: 'session' | 'token';
  /** The session's stored id hash (to log out), when via = session. */
  readonly sessionIdHash: string | null;
  /** The token's id, when via = token. */
  readonly tokenId: string | null;
}

/**
 * Where a request may look: `all` (a platform admin who named no tenant), one tenant
 * with every mailbox (`mailboxIds` null) or with some, or `null`: nothing (another
 * tenant was named).
 */
export type Scope = { readonly all: true } | { readonly all: false; readonly tenantId: string; readonly mailboxIds: readonly string[] | null } | null;

/** The scope of `p` when the request names `tenant` (optional for everyone but needed by platform admins for single records). */
export function scopeOf(p: Principal, tenant: string | undefined): Scope {
  const u = p.user;
  if (u.role === 'platform-admin') return tenant === undefined ? { all: true } : { all: false, tenantId: tenant, mailboxIds: null };
  if (u.tenantId === null || (tenant !== undefined && tenant !== u.tenantId)) return null;
  return { all: false, tenantId: u.tenantId, mailboxIds: u.role === 'owner' ? u.mailboxIds : null };
}

export function canSeeMailbox(p: Principal, tenantId: string, mailboxId: string): boolean {
  const u = p.user;
  if (u.role === 'platform-admin') return true;
  if (u.tenantId !== tenantId) return false;
  return u.role === 'tenant-admin' || u.mailboxIds.includes(mailboxId);
}
