/**
 * A mailbox's settings, after MANGO OFFICE's voicemail page: max length slider, e-mail
 * (default address and "duplicate all" are the tenant's: editable by its admins, shown
 * read-only to owners), action on receipt, warning before recording, greetings per
 * reason, numbers (admins), SMS number, retention, language, time zone, PIN.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, type ApiClient } from '../api/client.js';
import { EMAIL_ACTIONS, GREETING_MODES, GREETING_REASONS, type Mailbox, type Tenant, type User, type WarningMode } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';
import { formatSeconds } from '../lib/format.js';
import { MAX_LENGTH_MAX_S, MAX_LENGTH_MIN_S, draftOf, patchOf, type Draft } from '../lib/settings.js';
import { PromptEditor } from './PromptEditor.js';

export interface SettingsProps {
  api: ApiClient;
  user: User;
  mailboxId: string;
  tenantId: string | undefined;
  onMailboxChanged: (m: Mailbox) => void;
}

type Status = { kind: 'saving' } | { kind: 'saved' } | { kind: 'nothing' } | { kind: 'failed'; why: string } | null;

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

export function Settings({ api, user, mailboxId, tenantId, onMailboxChanged }: SettingsProps) {
  const { t } = useI18n();
  const admin = user.role !== 'owner';
  const tenantParam = user.role === 'platform-admin' ? tenantId : undefined;
  const [mailbox, setMailbox] = useState<Mailbox | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [tenantDraft, setTenantDraft] = useState({ defaultEmail: '', duplicate: false });
  const [status, setStatus] = useState<Status>(null);
  const timeZones = useMemo(zones, []);

  useEffect(() => {
    setMailbox(null);
    setLoadError(null);
    api
      .mailbox(mailboxId, tenantParam)
      .then((m) => {
        setMailbox(m);
        setDraft(draftOf(m));
        return api.tenant(m.tenantId).then(
          (tn) => {
            setTenant(tn);
            setTenantDraft({ defaultEmail: tn.defaultEmail ?? '', duplicate: tn.duplicateToDefault });
          },
          () => setTenant(null),
        );
      })
      .catch((err: unknown) => setLoadError(err instanceof ApiError && err.status === 404 ? t('settings.notFound') : t('settings.loadFailed', { why: describeError(err, t) })));
  }, [api, mailboxId, tenantParam, t]);

  if (loadError)
    return (
      <main id="main" class="page narrow" tabIndex={-1}>
        <p class="error" role="alert">
          {loadError}
        </p>
      </main>
    );
  if (!mailbox || !draft)
    return (
      <main id="main" class="page narrow" tabIndex={-1}>
        <p class="hint">{t('app.loading')}</p>
      </main>
    );

  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => setDraft({ ...draft, [key]: value });
  const updated = (m: Mailbox): void => {
    // Removing the custom warning turns a "custom" mode into "standard" on the server: the form follows.
    if (m.warningMode !== mailbox.warningMode) setDraft((d) => d && { ...d, warningMode: m.warningMode });
    setMailbox(m);
    onMailboxChanged(m);
  };

  async function save(e: Event): Promise<void> {
    e.preventDefault();
    if (!mailbox || !draft) return;
    const result = patchOf(mailbox, draft, admin);
    if (!result.ok) {
      setStatus({ kind: 'failed', why: result.problem === 'pin' ? t('settings.pinInvalid') : result.problem === 'warning' ? t('settings.warningNeeded') : t('settings.retention') });
      return;
    }
    const tenantPatch: { defaultEmail?: string | null; duplicateToDefault?: boolean } = {};
    if (admin && tenant) {
      const email = tenantDraft.defaultEmail.trim() === '' ? null : tenantDraft.defaultEmail.trim();
      if (email !== tenant.defaultEmail) tenantPatch.defaultEmail = email;
      if (tenantDraft.duplicate !== tenant.duplicateToDefault) tenantPatch.duplicateToDefault = tenantDraft.duplicate;
    }
    if (Object.keys(result.patch).length === 0 && Object.keys(tenantPatch).length === 0) {
      setStatus({ kind: 'nothing' });
      return;
    }
    setStatus({ kind: 'saving' });
    try {
      if (Object.keys(result.patch).length > 0) {
        const m = await api.patchMailbox(mailbox.id, result.patch, tenantParam);
        updated(m);
        setDraft(draftOf(m));
      }
      if (tenant && Object.keys(tenantPatch).length > 0) {
        const tn = await api.patchTenant(tenant.id, tenantPatch);
        setTenant(tn);
        setTenantDraft({ defaultEmail: tn.defaultEmail ?? '', duplicate: tn.duplicateToDefault });
      }
      setStatus({ kind: 'saved' });
    } catch (err) {
      setStatus({ kind: 'failed', why: describeError(err, t) });
    }
  }

  const statusText =
    status?.kind === 'saving' ? t('settings.saving') : status?.kind === 'saved' ? t('settings.saved') : status?.kind === 'nothing' ? t('settings.nothing') : status?.kind === 'failed' ? t('settings.failed', { why: status.why }) : '';

  return (
    <main id="main" class="page narrow" tabIndex={-1}>
      <h1>{t('settings.title', { id: mailbox.name ? `${mailbox.name} (${mailbox.id})` : mailbox.id })}</h1>
      <form onSubmit={(e) => void save(e)} data-testid="settings-form" noValidate>
        <fieldset>
          <legend>{t('settings.recording')}</legend>
          <div class="field">
            <label for="max-length">{t('settings.maxLength')}</label>
            <div class="slider">
              <input
                id="max-length"
                type="range"
                min={MAX_LENGTH_MIN_S}
                max={MAX_LENGTH_MAX_S}
                step={5}
                value={draft.maxSec}
                aria-valuetext={formatSeconds(draft.maxSec)}
                onInput={(e) => set('maxSec', Number(e.currentTarget.value))}
                data-testid="settings-max-length"
              />
              <output for="max-length" data-testid="settings-max-length-value">
                {formatSeconds(draft.maxSec)}
              </output>
            </div>
          </div>
        </fieldset>

        <fieldset>
          <legend>{t('settings.notifications')}</legend>
          {tenant && (
            <>
              <div class="field">
                <label for="default-email">{t('settings.defaultEmail')}</label>
                <input
                  id="default-email"
                  type="email"
                  value={tenantDraft.defaultEmail}
                  readOnly={!admin}
                  aria-describedby={admin ? undefined : 'tenant-ro'}
                  onInput={(e) => setTenantDraft({ ...tenantDraft, defaultEmail: e.currentTarget.value })}
                  data-testid="settings-default-email"
                />
              </div>
              <label class="check">
                <input type="checkbox" checked={tenantDraft.duplicate} disabled={!admin} aria-describedby={admin ? undefined : 'tenant-ro'} onChange={(e) => setTenantDraft({ ...tenantDraft, duplicate: e.currentTarget.checked })} data-testid="settings-duplicate" />
                {t('settings.duplicate')}
              </label>
              {!admin && (
                <p class="hint" id="tenant-ro">
                  {t('settings.tenantReadOnly')}
                </p>
              )}
            </>
          )}
          <fieldset class="inner">
            <legend>{t('settings.emailAction')}</legend>
            {EMAIL_ACTIONS.map((a) => (
              <label key={a} class="check">
                <input type="radio" name="email-action" value={a} checked={draft.emailAction === a} onChange={() => set('emailAction', a)} data-testid={`settings-email-action-${a}`} />
                {t(`settings.emailAction.${a}`)}
              </label>
            ))}
          </fieldset>
          <div class="field">
            <label for="emails">{t('settings.emails')}</label>
            <input id="emails" type="text" inputMode="email" autoComplete="off" value={draft.emails} onInput={(e) => set('emails', e.currentTarget.value)} data-testid="settings-emails" />
          </div>
          <div class="field">
            <label for="sms">{t('settings.sms')}</label>
            <input id="sms" type="tel" value={draft.smsNumber} onInput={(e) => set('smsNumber', e.currentTarget.value)} data-testid="settings-sms" />
          </div>
        </fieldset>

        <fieldset>
          <legend>{t('settings.warning')}</legend>
          {(['none', 'standard', 'custom'] as WarningMode[]).map((w) => (
            <label key={w} class="check">
              <input type="radio" name="warning" value={w} checked={draft.warningMode === w} onChange={() => set('warningMode', w)} data-testid={`settings-warning-${w}`} />
              {t(`settings.warning.${w}`)}
            </label>
          ))}
          {draft.warningMode === 'custom' && <PromptEditor api={api} mailbox={mailbox} prompt="warning" custom={mailbox.customWarning} title={t('settings.customWarning')} tenant={tenantParam} onMailbox={updated} />}
        </fieldset>

        <fieldset>
          <legend>{t('settings.greetings')}</legend>
          {GREETING_REASONS.map((r) => (
            <div key={r} class="greeting" data-testid={`settings-greeting-${r}`}>
              <h2 class="greeting-title">{t('settings.greetingFor', { reason: t(`reason.${r}`) })}</h2>
              <div class="field">
                <label for={`mode-${r}`}>{t('settings.mode')}</label>
                <select id={`mode-${r}`} value={draft.modes[r]} onChange={(e) => set('modes', { ...draft.modes, [r]: e.currentTarget.value as Draft['modes'][typeof r] })} data-testid={`settings-mode-${r}`}>
                  {GREETING_MODES.map((mode) => (
                    <option key={mode} value={mode}>
                      {t(`settings.mode.${mode}`)}
                    </option>
                  ))}
                </select>
              </div>
              <PromptEditor api={api} mailbox={mailbox} prompt={r} custom={mailbox.greetings[r]?.custom ?? false} title={`${t('settings.customGreeting')} (${t(`reason.${r}`)})`} tenant={tenantParam} onMailbox={updated} />
            </div>
          ))}
        </fieldset>

        <fieldset>
          <legend>{t('settings.mailbox')}</legend>
          {admin ? (
            <div class="field">
              <label for="numbers">{t('settings.numbers')}</label>
              <input id="numbers" type="text" value={draft.numbers} onInput={(e) => set('numbers', e.currentTarget.value)} data-testid="settings-numbers" />
            </div>
          ) : (
            <p>
              {t('settings.numbersOwner')}: {mailbox.numbers.join(', ') || '—'}
            </p>
          )}
          <div class="field-row">
            <div class="field">
              <label for="retention">{t('settings.retention')}</label>
              <input id="retention" type="number" min={1} max={3650} value={draft.retentionDays} onInput={(e) => set('retentionDays', e.currentTarget.value)} data-testid="settings-retention" />
            </div>
            <div class="field">
              <label for="saved-retention">{t('settings.savedRetention')}</label>
              <input id="saved-retention" type="number" min={1} max={3650} value={draft.savedRetentionDays} onInput={(e) => set('savedRetentionDays', e.currentTarget.value)} data-testid="settings-saved-retention" />
            </div>
          </div>
          <div class="field-row">
            <div class="field">
              <label for="mb-language">{t('settings.language')}</label>
              <select id="mb-language" value={draft.language} onChange={(e) => set('language', e.currentTarget.value === 'en' ? 'en' : 'ru')} data-testid="settings-language">
                <option value="ru">{t('lang.ru')}</option>
                <option value="en">{t('lang.en')}</option>
              </select>
            </div>
            <div class="field">
              <label for="time-zone">{t('settings.timeZone')}</label>
              <input id="time-zone" type="text" list="time-zones" value={draft.timeZone} onInput={(e) => set('timeZone', e.currentTarget.value)} data-testid="settings-time-zone" />
              <datalist id="time-zones">
                {timeZones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </div>
          </div>
          <div class="field">
            <label for="pin">{t('settings.pin')}</label>
            <input id="pin" type="password" inputMode="numeric" autoComplete="new-password" pattern="[0-9]{4,12}" maxLength={12} value={draft.pin} disabled={draft.removePin} aria-describedby="pin-state" onInput={(e) => set('pin', e.currentTarget.value)} data-testid="settings-pin" />
            <p class="hint" id="pin-state">
              {mailbox.pinSet ? t('settings.pinSet') : t('settings.pinNotSet')}
            </p>
          </div>
          {mailbox.pinSet && (
            <label class="check">
              <input type="checkbox" checked={draft.removePin} onChange={(e) => set('removePin', e.currentTarget.checked)} data-testid="settings-remove-pin" />
              {t('settings.removePin')}
            </label>
          )}
        </fieldset>

        <div class="save-bar">
          <button type="submit" class="btn btn-primary" disabled={status?.kind === 'saving'} data-testid="settings-save">
            {t('settings.save')}
          </button>
          <span class={status?.kind === 'failed' ? 'error' : 'ok'} role="status" aria-live="polite" data-testid="settings-status">
            {statusText}
          </span>
        </div>
      </form>
    </main>
  );
}
