/**
 * A tenant's own settings (name, default e-mail, webhooks) from the API: visible to the
 * tenant's users, changed by its admins (and platform admins), each changed setting
 * audited by name — the webhook secret too, never its value.
 */
import type { AuditTrail } from '../accounts/audit.js';
import type { RequestContext } from '../accounts/inbox.js';
import type { Principal } from '../accounts/principal.js';
import type { Tenant } from '../model.js';
import type { TenantPatch, VoicemailStore } from '../ports.js';
import { SettingsError } from './errors.js';
import { checkEmail, checkName, checkWebhookSecret, checkWebhookUrl } from './rules.js';
import { isAdminOf, visibleTenant } from './scope.js';

export interface TenantSettingsInput {
  readonly name?: string;
  readonly defaultEmail?: string | null;
  readonly duplicateToDefault?: boolean;
  readonly webhookUrl?: string | null;
  /** Write-only; null removes it. */
  readonly webhookSecret?: string | null;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export class TenantSettings {
  constructor(
    private readonly deps: {
      readonly store: VoicemailStore;
      readonly audit: AuditTrail;
    },
  ) {}

  /** Null when the caller cannot see it (another tenant) or it does not exist. */
  get(p: Principal, id: string): Promise<Tenant | null> {
    return visibleTenant(this.deps.store, p, id);
  }

  async update(ctx: RequestContext, id: string, input: TenantSettingsInput): Promise<Tenant | null> {
    const current = await visibleTenant(this.deps.store, ctx.principal, id);
    if (!current) return null;
    if (!isAdminOf(ctx.principal, current.id)) throw new SettingsError('VM_SETTINGS_FORBIDDEN', 'only tenant admins may change the tenant');
    const patch: Writable<TenantPatch> = {};
    const changed: string[] = [];
    const set = <K extends keyof TenantPatch & keyof Tenant>(key: K, value: TenantPatch[K] & Tenant[K]): void => {
      if (current[key] !== value) {
        patch[key] = value;
        changed.push(key);
      }
    };
    if (input.name !== undefined) set('name', checkName('name', input.name));
    if (input.defaultEmail !== undefined) set('defaultEmail', input.defaultEmail === null ? null : checkEmail('defaultEmail', input.defaultEmail));
    if (input.duplicateToDefault !== undefined) set('duplicateToDefault', input.duplicateToDefault);
    if (input.webhookUrl !== undefined) set('webhookUrl', input.webhookUrl === null ? null : checkWebhookUrl(input.webhookUrl));
    if (input.webhookSecret !== undefined) set('webhookSecret', input.webhookSecret === null ? null : checkWebhookSecret(input.webhookSecret));
    if (changed.length === 0) return current;
    const updated = await this.deps.store.tenants.update(current.id, patch);
    for (const setting of changed) {
      await this.deps.audit.record(
        { kind: 'principal', principal: ctx.principal },
        { action: 'setting.change', tenantId: current.id, target: `tenant:${current.id}`, ip: ctx.ip, detail: { tenant: current.id, setting } },
      );
    }
    return updated;
  }
}
