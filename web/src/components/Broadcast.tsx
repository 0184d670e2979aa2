/** Broadcast: record or upload one audio, pick targets, POST /broadcasts. */
import { useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { Mailbox } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';
import { Recorder } from './Recorder.js';
import { Targets, emptyTargets, targetIds } from './Targets.js';
import { useToasts } from './Toasts.js';

export function Broadcast({ api, mailboxes, tenant }: { api: ApiClient; mailboxes: Mailbox[]; tenant: string | undefined }) {
  const { t } = useI18n();
  const toasts = useToasts();
  const [targets, setTargets] = useState(emptyTargets());
  const [recorded, setRecorded] = useState<Blob | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** Bumped after a send: the recorder and the file input start afresh (no second send of the same audio by mistake). */
  const [round, setRound] = useState(0);

  async function send(e: Event): Promise<void> {
    e.preventDefault();
    const audio = file ?? recorded;
    const { to, lists } = targetIds(targets);
    if (!audio) return setError(t('broadcast.needAudio'));
    if (to.length === 0 && lists.length === 0) return setError(t('targets.none'));
    setBusy(true);
    setError(null);
    try {
      const r = await api.broadcast(to, lists, audio, tenant);
      toasts.show(t('toast.broadcast', { count: r.messages.length }));
      setTargets(emptyTargets());
      setRecorded(null);
      setFile(null);
      setRound((n) => n + 1);
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="page narrow" tabIndex={-1}>
      <h1>{t('broadcast.title')}</h1>
      <p class="hint">{t('broadcast.intro')}</p>
      <form onSubmit={(e) => void send(e)} data-testid="broadcast-form">
        <fieldset>
          <legend>{t('broadcast.audio')}</legend>
          <Recorder key={round} label={t('broadcast.audio')} testId="broadcast-recorder" onChange={setRecorded} />
          <div class="field">
            <label for="broadcast-file">{t('broadcast.upload')}</label>
            <input key={round} id="broadcast-file" type="file" accept="audio/*" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </div>
        </fieldset>
        <Targets api={api} mailboxes={mailboxes} value={targets} onChange={setTargets} idPrefix="broadcast" />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="btn btn-primary" disabled={busy}>
          {t('broadcast.send')}
        </button>
      </form>
    </main>
  );
}
