/**
 * Records audio in the browser (getUserMedia + MediaRecorder, WebM/Opus where the browser
 * has it) with record / stop / replay / discard. Hands the Blob up through onChange.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n/index.js';
import { formatDuration } from '../lib/format.js';

const PREFERRED = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm'];

export interface RecorderProps {
  /** Names the buttons ("Record comment"). */
  label: string;
  testId: string;
  onChange: (blob: Blob | null) => void;
}

export function Recorder({ label, testId, onChange }: RecorderProps) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'recording' | 'ready'>('idle');
  const [error, setError] = useState<string | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [url, setUrl] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const stream = useRef<MediaStream | null>(null);
  const started = useRef(0);
  const audio = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    if (state !== 'recording') return;
    const timer = setInterval(() => setElapsed(Date.now() - started.current), 250);
    return () => clearInterval(timer);
  }, [state]);

  useEffect(() => () => {
    stream.current?.getTracks().forEach((tr) => tr.stop());
  }, []);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);

  const supported = typeof window !== 'undefined' && 'MediaRecorder' in window && !!navigator.mediaDevices?.getUserMedia;

  async function start(): Promise<void> {
    setError(null);
    try {
      const media = await navigator.mediaDevices.getUserMedia({ audio: true });
      stream.current = media;
      const mimeType = PREFERRED.find((m) => MediaRecorder.isTypeSupported(m));
      const rec = new MediaRecorder(media, mimeType ? { mimeType } : undefined);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => {
        if (e.data.size > 0) chunks.push(e.data);
      };
      rec.onstop = () => {
        media.getTracks().forEach((tr) => tr.stop());
        const blob = new Blob(chunks, { type: rec.mimeType || mimeType || 'audio/webm' });
        setElapsed(Date.now() - started.current);
        setUrl(URL.createObjectURL(blob));
        setState('ready');
        onChange(blob);
      };
      recorder.current = rec;
      started.current = Date.now();
      setElapsed(0);
      rec.start(250);
      setState('recording');
    } catch (e) {
      setError(t('rec.noMic', { why: e instanceof Error ? e.message : String(e) }));
    }
  }

  function stop(): void {
    if (recorder.current?.state === 'recording') recorder.current.stop();
  }

  function discard(): void {
    setUrl(null);
    setState('idle');
    setElapsed(0);
    onChange(null);
  }

  if (!supported) return <p class="hint" data-testid={testId}>{t('rec.unsupported')}</p>;

  return (
    <div class="recorder" data-testid={testId} role="group" aria-label={label}>
      {state !== 'recording' ? (
        <button type="button" class="btn" onClick={() => void start()} aria-label={`${t('rec.record')}: ${label}`}>
          <span aria-hidden="true" class="rec-dot" /> {t('rec.record')}
        </button>
      ) : (
        <button type="button" class="btn btn-danger" onClick={stop} aria-label={`${t('rec.stop')}: ${label}`}>
          ■ {t('rec.stop')}
        </button>
      )}
      {state === 'ready' && url && (
        <>
          <button type="button" class="btn" onClick={() => void audio.current?.play()} aria-label={`${t('rec.play')}: ${label}`}>
            ▶ {t('rec.play')}
          </button>
          <button type="button" class="btn btn-quiet" onClick={discard} aria-label={`${t('rec.discard')}: ${label}`}>
            ✕ {t('rec.discard')}
          </button>
          <audio ref={audio} src={url} preload="auto" class="sr-only" data-testid={`${testId}-audio`} />
        </>
      )}
      <span class="hint" aria-live="polite">
        {state === 'recording' ? t('rec.recording', { time: formatDuration(elapsed) }) : state === 'ready' ? t('rec.ready', { time: formatDuration(elapsed) }) : ''}
      </span>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
