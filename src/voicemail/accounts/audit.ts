/**
 * Writing the audit log: who (the principal, or a login typed at the login form, or the
 * command line), which tenant, what, on which record, from where. Writes are awaited:
 * an action whose audit row cannot be written fails rather than going unrecorded.
 */
import type { AuditAction, AuditEntry } from '../model.js';
import type { AuditRepository } from '../ports.js';
import type { Principal } from './principal.js';

/** Who acts: a logged-in principal, someone at the login form (login as typed), or the CLI. */
export type Actor =
  | { readonly kind: 'principal'; readonly principal: Principal }
  | { readonly kind: 'anonymous'; readonly login: string | null }
  | { readonly kind: 'cli' };

export interface AuditRecord {
  readonly action: AuditAction;
  readonly tenantId: string | null;
  readonly target?: string | null;
  readonly ip?: string | null;
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The login shown for the command line: the operator who ran it is the machine's business. */
export const CLI_ACTOR = 'cli';

export class AuditTrail {
  constructor(
    private readonly repo: AuditRepository,
    private readonly now: () => Date,
  ) {}

  async record(actor: Actor, r: AuditRecord): Promise<AuditEntry> {
    const who =
      actor.kind === 'principal'
        ? { actorUserId: actor.principal.user.id, actorLogin: actor.principal.user.login }
        : actor.kind === 'anonymous'
          ? { actorUserId: null, actorLogin: actor.login }
          : { actorUserId: null, actorLogin: CLI_ACTOR };
    return this.repo.append({
      ...who,
      at: this.now().toISOString(),
      tenantId: r.tenantId,
      action: r.action,
      target: r.target ?? null,
      ip: r.ip ?? null,
      detail: r.detail === undefined ? null : JSON.stringify(r.detail),
    });
  }
}
