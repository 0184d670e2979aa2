/** Forward a message: pick targets, optionally record a comment, send as multipart. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { Mailbox, Message } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';
import { Recorder } from './Recorder.js';
import { Targets, emptyTargets, targetIds } from './Targets.js';
import { useToasts } from './Toasts.js';

export interface ForwardDialogProps {
  api: ApiClient;
  message: Message;
  mailboxes: Mailbox[];
  tenant: string | undefined;
  onClose: () => void;
}

export function ForwardDialog({ api, message, mailboxes, tenant, onClose }: ForwardDialogProps) {
  const { t } = useI18n();
  const toasts = useToasts();
  const dialog = useRef<HTMLDialogElement>(null);
  const [targets, setTargets] = useState(emptyTargets());
  const [comment, setComment] = useState<Blob | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);

  async function send(e: Event): Promise<void> {
    e.preventDefault();
    const { to, lists } = targetIds(targets);
    if (to.length === 0 && lists.length === 0) {
      setError(t('targets.none'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api.forward(message, to, lists, comment, tenant);
      toasts.show(t('toast.forwarded', { count: r.messages.length }));
      onClose();
    } catch (err) {
      setError(describeError(err, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={dialog} class="dialog" aria-labelledby="forward-title" onClose={onClose} data-testid="forward-dialog">
      <form onSubmit={(e) => void send(e)}>
        <h2 id="forward-title">{t('forward.title')}</h2>
        <Targets api={api} mailboxes={mailboxes} exclude={message.mailboxId} value={targets} onChange={setTargets} idPrefix="forward" />
        <fieldset>
          <legend>{t('forward.comment')}</legend>
          <Recorder label={t('forward.comment')} testId="forward-recorder" onChange={setComment} />
        </fieldset>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row-actions">
          <button type="submit" class="btn btn-primary" disabled={busy}>
            {t('forward.send')}
          </button>
          <button type="button" class="btn" onClick={onClose}>
            {t('action.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}
