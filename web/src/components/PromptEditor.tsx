/**
 * One custom prompt (a greeting for a reason, or the warning before recording): preview
 * what callers hear, upload a file, record in the browser, make it from text (TTS), or go
 * back to the standard phrase. Each action answers the updated mailbox.
 */
import { useRef, useState } from 'preact/hooks';
import type { ApiClient } from '../api/client.js';
import type { GreetingReason, Mailbox } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { describeError } from '../lib/errors.js';
import { Recorder } from './Recorder.js';

export interface PromptEditorProps {
  api: ApiClient;
  mailbox: Mailbox;
  prompt: GreetingReason | 'warning';
  custom: boolean;
  title: string;
  tenant: string | undefined;
  onMailbox: (m: Mailbox) => void;
}

export function PromptEditor({ api, mailbox, prompt, custom, title, tenant, onMailbox }: PromptEditorProps) {
  const { t, lang } = useI18n();
  const [recorded, setRecorded] = useState<Blob | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [previewUrl, setPreviewUrl] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  /** Bumped after a recording was used: the recorder starts afresh. */
  const [round, setRound] = useState(0);
  const audio = useRef<HTMLAudioElement>(null);
  const id = `prompt-${prompt}`;

  async function act(action: () => Promise<Mailbox>, reset = false): Promise<void> {
    setBusy(true);
    setStatus(null);
    try {
      const m = await action();
      onMailbox(m);
      setStatus({ ok: true, text: reset ? t('settings.promptReset') : prompt !== 'warning' ? t('settings.promptSaved') : m.warningMode === 'custom' ? t('settings.warningSaved') : t('settings.warningSaveToUse') });
      setPreviewUrl(null);
      setRecorded(null);
      setRound((n) => n + 1);
    } catch (err) {
      setStatus({ ok: false, text: describeError(err, t) });
    } finally {
      setBusy(false);
    }
  }

  function preview(): void {
    const el = audio.current;
    if (playing && el) {
      el.pause();
      return;
    }
    const url = previewUrl ?? api.promptAudioUrl(mailbox.id, prompt, tenant);
    setPreviewUrl(url);
    requestAnimationFrame(() => {
      const a = audio.current;
      if (!a) return;
      if (a.getAttribute('src') !== url) a.src = url;
      void a.play().catch(() => setStatus({ ok: false, text: t('player.loadFailed') }));
    });
  }

  return (
    <div class="prompt" data-testid={id}>
      <div class="prompt-head">
        <span class="prompt-state">{custom ? t('settings.isCustom') : t('settings.isStandard')}</span>
        <button type="button" class="btn btn-small" onClick={preview} aria-label={`${playing ? t('settings.stopPreview') : t('settings.previewName')}: ${title}`} data-testid={`${id}-preview`}>
          {playing ? `■ ${t('settings.stopPreview')}` : t('settings.preview')}
        </button>
        {custom && (
          <button type="button" class="btn btn-small btn-quiet" disabled={busy} onClick={() => void act(() => api.resetPrompt(mailbox.id, prompt, tenant), true)} aria-label={`${t('settings.reset')}: ${title}`} data-testid={`${id}-reset`}>
            {t('settings.reset')}
          </button>
        )}
        <audio ref={audio} preload="none" onPlay={() => setPlaying(true)} onPause={() => setPlaying(false)} onEnded={() => setPlaying(false)} />
      </div>
      <details>
        <summary>{title}</summary>
        <div class="prompt-body">
          <div class="field">
            <label for={`${id}-file`}>{t('settings.uploadFile')}</label>
            <input
              id={`${id}-file`}
              type="file"
              accept="audio/*"
              disabled={busy}
              data-testid={`${id}-file`}
              onChange={(e) => {
                const file = e.currentTarget.files?.[0];
                if (file) void act(() => api.uploadPrompt(mailbox.id, prompt, file, tenant));
                e.currentTarget.value = '';
              }}
            />
          </div>
          <Recorder key={round} label={title} testId={`${id}-recorder`} onChange={setRecorded} />
          {recorded && (
            <button type="button" class="btn" disabled={busy} onClick={() => void act(() => api.uploadPrompt(mailbox.id, prompt, recorded, tenant))}>
              {t('settings.useRecording')}
            </button>
          )}
          <div class="field">
            <label for={`${id}-text`}>{t('settings.ttsText')}</label>
            <textarea id={`${id}-text`} rows={2} maxLength={1000} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid={`${id}-text`} />
          </div>
          <button type="button" class="btn" disabled={busy || text.trim() === ''} onClick={() => void act(() => api.speakPrompt(mailbox.id, prompt, text.trim(), mailbox.language || lang, tenant))}>
            {t('settings.tts')}
          </button>
        </div>
      </details>
      {status && (
        <p class={status.ok ? 'ok' : 'error'} role={status.ok ? 'status' : 'alert'}>
          {status.text}
        </p>
      )}
    </div>
  );
}
