/**
 * Settings of mailboxes and tenants, greetings and custom warnings, as the REST API
 * changes them: scoped to the caller (accounts/principal.ts), checked, audited.
 */
import type { AuditTrail } from '../accounts/audit.js';
import type { AudioConverter, AudioStore, VoicemailStore } from '../ports.js';
import type { PromptResolver } from '../prompts/prompt-resolver.js';
import { Greetings } from './greetings.js';
import { MailboxSettings } from './mailbox-settings.js';
import { TenantSettings } from './tenant-settings.js';

export { SETTINGS_ERROR_CODES, SettingsError, type SettingsErrorCode } from './errors.js';
export { GREETING_MAX_MS, Greetings, type AudioSlot } from './greetings.js';
export { ADMIN_ONLY_SETTINGS, MailboxSettings, type MailboxSettingsInput } from './mailbox-settings.js';
export { SETTING_LIMITS, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN } from './rules.js';
export { TenantSettings, type TenantSettingsInput } from './tenant-settings.js';

export interface Settings {
  readonly mailboxes: MailboxSettings;
  readonly tenants: TenantSettings;
  readonly greetings: Greetings;
}

export function createSettings(deps: {
  readonly store: VoicemailStore;
  readonly audio: AudioStore;
  readonly audit: AuditTrail;
  readonly converter: AudioConverter;
  /** For previews: the phrase a caller hears when there is no recording. */
  readonly resolver: PromptResolver;
  readonly onAudioChanged?: (key: string) => void;
}): Settings {
  return {
    mailboxes: new MailboxSettings(deps),
    tenants: new TenantSettings(deps),
    greetings: new Greetings(deps),
  };
}
