/**
 * Finding the record a settings request is about, within the caller's scope
 * (accounts/principal.ts): something outside it is null, exactly like an id that does
 * not exist, so the API answers both with the same 404.
 */
import { VoxmailError } from '../../shared/errors.js';
import { ACCESS_TENANT_REQUIRED } from '../accounts/inbox.js';
import { canSeeMailbox, scopeOf, type Principal } from '../accounts/principal.js';
import type { Mailbox, Tenant } from '../model.js';
import type { VoicemailStore } from '../ports.js';

export async function visibleMailbox(store: VoicemailStore, p: Principal, id: string, tenant: string | undefined): Promise<Mailbox | null> {
  const scope = scopeOf(p, tenant);
  if (scope === null) return null;
  if (scope.all) throw new VoxmailError(ACCESS_TENANT_REQUIRED, 'a platform admin must name the tenant (?tenant=ID) to address one mailbox');
  if (!canSeeMailbox(p, scope.tenantId, id)) return null;
  return store.mailboxes.get(scope.tenantId, id);
}

/** A tenant is visible to its own users (every role) and to platform admins. */
export async function visibleTenant(store: VoicemailStore, p: Principal, id: string): Promise<Tenant | null> {
  if (p.user.role !== 'platform-admin' && p.user.tenantId !== id) return null;
  return store.tenants.get(id);
}

/** Tenant admins of the tenant, and platform admins. */
export function isAdminOf(p: Principal, tenantId: string): boolean {
  return p.user.role === 'platform-admin' || (p.user.role === 'tenant-admin' && p.user.tenantId === tenantId);
}
