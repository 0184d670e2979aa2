/**
 * Changing a mailbox's settings from the API: who may change what (owners their
 * personal settings; numbers, quota, operator and MWI phones only tenant admins), every
 * value checked (rules.ts), one store update, and one `setting.change` audit row per
 * setting that actually changed (the PIN by name only). Calls read the mailbox from the
 * store when they arrive, so a change takes effect on the next call.
 */
import type { AuditTrail } from '../accounts/audit.js';
import type { RequestContext } from '../accounts/inbox.js';
import { GREETING_REASONS, type EmailAction, type GreetingMode, type GreetingReason, type GreetingSetting, type Language, type Mailbox, type WarningMode } from '../model.js';
import { hashPin, validatePin } from '../pin.js';
import type { MailboxPatch, VoicemailStore } from '../ports.js';
import { invalid, SettingsError } from './errors.js';
import {
  checkEmails,
  checkIntIn,
  checkMwiUris,
  checkName,
  checkNumbers,
  checkOperatorUri,
  checkSmsNumber,
  checkTimeZone,
} from './rules.js';
import { isAdminOf, visibleMailbox } from './scope.js';

/** What a client may send; absent = unchanged, null = remove (where allowed). */
export interface MailboxSettingsInput {
  readonly name?: string;
  readonly language?: Language;
  readonly timeZone?: string;
  readonly maxMessageMs?: number;
  readonly minMessageMs?: number;
  readonly silenceTimeoutMs?: number;
  readonly retentionDays?: number;
  readonly savedRetentionDays?: number;
  readonly greetings?: Readonly<Partial<Record<GreetingReason, { readonly mode: GreetingMode }>>>;
  readonly warningMode?: WarningMode;
  readonly emails?: readonly string[];
  readonly emailAction?: EmailAction;
  readonly smsNumber?: string | null;
  /** In clear, 4–12 digits; stored hashed. */
  readonly pin?: string | null;
  readonly numbers?: readonly string[];
  readonly quotaMessages?: number;
  readonly operatorUri?: string | null;
  readonly mwiUris?: readonly string[];
}

/** Settings only tenant admins (and platform admins) may change. */
export const ADMIN_ONLY_SETTINGS = ['numbers', 'quotaMessages', 'operatorUri', 'mwiUris'] as const;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export class MailboxSettings {
  constructor(
    private readonly deps: {
      readonly store: VoicemailStore;
      readonly audit: AuditTrail;
    },
  ) {}

  /** The updated mailbox, or null when the caller cannot see it (or it does not exist). */
  async update(ctx: RequestContext, id: string, tenant: string | undefined, input: MailboxSettingsInput): Promise<Mailbox | null> {
    const current = await visibleMailbox(this.deps.store, ctx.principal, id, tenant);
    if (!current) return null;
    if (!isAdminOf(ctx.principal, current.tenantId)) {
      const refused = ADMIN_ONLY_SETTINGS.filter((k) => input[k] !== undefined);
      if (refused.length > 0) throw new SettingsError('VM_SETTINGS_FORBIDDEN', `only tenant admins may change ${refused.join(', ')}`, refused[0] ?? null);
    }
    const { patch, changed } = await this.#patchOf(current, input);
    if (Object.keys(patch).length === 0) return current;
    const updated = await this.deps.store.mailboxes.update(current.tenantId, current.id, patch);
    for (const setting of changed) {
      await this.deps.audit.record(
        { kind: 'principal', principal: ctx.principal },
        { action: 'setting.change', tenantId: current.tenantId, target: `mailbox:${current.id}`, ip: ctx.ip, detail: { mailbox: current.id, setting } },
      );
    }
    return updated;
  }

  /** The store patch and the names of the settings whose value changes. */
  async #patchOf(m: Mailbox, input: MailboxSettingsInput): Promise<{ patch: MailboxPatch; changed: string[] }> {
    const patch: Writable<MailboxPatch> = {};
    const changed: string[] = [];
    const set = <K extends keyof MailboxPatch & keyof Mailbox>(key: K, value: MailboxPatch[K] & Mailbox[K]): void => {
      if (!same(m[key], value)) {
        patch[key] = value;
        changed.push(key);
      }
    };
    if (input.name !== undefined) set('name', checkName('name', input.name));
    if (input.language !== undefined) set('language', input.language);
    if (input.timeZone !== undefined) set('timeZone', checkTimeZone(input.timeZone));
    if (input.maxMessageMs !== undefined) set('maxMessageMs', checkIntIn('maxMessageMs', input.maxMessageMs));
    if (input.minMessageMs !== undefined) set('minMessageMs', checkIntIn('minMessageMs', input.minMessageMs));
    if (input.silenceTimeoutMs !== undefined) set('silenceTimeoutMs', checkIntIn('silenceTimeoutMs', input.silenceTimeoutMs));
    if (input.retentionDays !== undefined) set('retentionDays', checkIntIn('retentionDays', input.retentionDays));
    if (input.savedRetentionDays !== undefined) set('savedRetentionDays', checkIntIn('savedRetentionDays', input.savedRetentionDays));
    if (input.quotaMessages !== undefined) set('quotaMessages', checkIntIn('quotaMessages', input.quotaMessages));
    if (input.emails !== undefined) set('emails', checkEmails(input.emails));
    if (input.emailAction !== undefined) set('emailAction', input.emailAction);
    if (input.smsNumber !== undefined) set('smsNumber', input.smsNumber === null ? null : checkSmsNumber(input.smsNumber));
    if (input.operatorUri !== undefined) set('operatorUri', input.operatorUri === null ? null : checkOperatorUri(input.operatorUri));
    if (input.mwiUris !== undefined) set('mwiUris', checkMwiUris(input.mwiUris));
    if (input.numbers !== undefined) {
      const numbers = checkNumbers(input.numbers);
      await this.#checkNumbersFree(m, numbers);
      set('numbers', numbers);
    }
    if (input.warningMode !== undefined) set('warningMode', input.warningMode);
    if ((patch.warningMode ?? m.warningMode) === 'custom' && m.warningAudioKey === null && input.warningMode === 'custom') {
      throw invalid('warningMode', 'custom needs a custom warning: upload one first (PUT /api/v1/mailboxes/{id}/warning)');
    }
    if (input.greetings !== undefined) {
      // The whole record, so that a recorded greeting (audioKey) survives a mode change.
      const greetings = { ...m.greetings } as Record<GreetingReason, GreetingSetting>;
      for (const reason of GREETING_REASONS) {
        const g = input.greetings[reason];
        if (g !== undefined && g.mode !== m.greetings[reason].mode) {
          greetings[reason] = { mode: g.mode, audioKey: m.greetings[reason].audioKey };
          changed.push(`greetings.${reason}`);
        }
      }
      if (changed.some((c) => c.startsWith('greetings.'))) patch.greetings = greetings;
    }
    const min = patch.minMessageMs ?? m.minMessageMs;
    const max = patch.maxMessageMs ?? m.maxMessageMs;
    if (min >= max) throw invalid(input.minMessageMs !== undefined ? 'minMessageMs' : 'maxMessageMs', `minMessageMs (${String(min)}) must be less than maxMessageMs (${String(max)})`);
    if (input.pin !== undefined) {
      if (input.pin === null) {
        if (m.pinHash !== null) {
          patch.pinHash = null;
          changed.push('pin');
        }
      } else {
        const valid = validatePin(input.pin);
        if (!valid.ok) throw invalid('pin', valid.error);
        // A new salt each time: the hash always changes, so a PIN sent is a PIN changed.
        patch.pinHash = await hashPin(valid.value);
        changed.push('pin');
      }
    }
    return { patch, changed };
  }

  /** Numbers another mailbox of the tenant answers are refused, naming it (the store would refuse them without saying who). */
  async #checkNumbersFree(m: Mailbox, numbers: readonly string[]): Promise<void> {
    for (const n of numbers) {
      if (m.numbers.includes(n)) continue;
      const owner = await this.deps.store.mailboxes.findByNumber(m.tenantId, n);
      if (owner && owner.id !== m.id) throw invalid('numbers', `${n} already belongs to mailbox ${owner.id}`);
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
