/**
 * The player of one message: a plain <audio> element (streams audioUrl with Range
 * requests; reachable as document.querySelector('audio')) driven by our buttons, and a
 * wavesurfer.js waveform over the same element (`media` option) drawn from peaks we
 * compute from the WAV. Mounted per message (keyed by id).
 */
import { useEffect, useImperativeHandle, useRef, useState } from 'preact/hooks';
import type { Ref } from 'preact';
import WaveSurfer from 'wavesurfer.js';
import type { Message } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import { formatDuration } from '../lib/format.js';
import { IconPause, IconPlay } from './Icons.js';
import { wavPeaks } from '../lib/wav.js';

export const SPEEDS = [1, 1.25, 1.5, 2] as const;

export interface PlayerHandle {
  toggle: () => void;
}

export interface PlayerProps {
  message: Message;
  speed: number;
  onSpeed: (speed: number) => void;
  autoplay: boolean;
  onPlayed: () => void;
  onEnded: () => void;
  handle: Ref<PlayerHandle>;
}

async function peaksOf(url: string, signal: AbortSignal): Promise<{ peaks: number[]; durationSec: number } | null> {
  const response = await fetch(url, { credentials: 'same-origin', signal });
  if (!response.ok) return null;
  const buffer = await response.arrayBuffer();
  const direct = wavPeaks(buffer);
  if (direct) return direct;
  const ctx = new AudioContext();
  try {
    const decoded = await ctx.decodeAudioData(buffer);
    const data = decoded.getChannelData(0);
    const n = 800;
    const per = data.length / n;
    const peaks: number[] = [];
    for (let i = 0; i < n; i++) {
      let max = 0;
      for (let j = Math.floor(i * per); j < Math.floor((i + 1) * per); j++) max = Math.max(max, Math.abs(data[j] ?? 0));
      peaks.push(max);
    }
    return { peaks, durationSec: decoded.duration };
  } finally {
    void ctx.close();
  }
}

export function Player({ message, speed, onSpeed, autoplay, onPlayed, onEnded, handle }: PlayerProps) {
  const { t } = useI18n();
  const audio = useRef<HTMLAudioElement>(null);
  const wave = useRef<HTMLDivElement>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [duration, setDuration] = useState(message.durationMs / 1000);
  const [failed, setFailed] = useState(false);
  const played = useRef(false);
  const callbacks = useRef({ onPlayed, onEnded });
  callbacks.current = { onPlayed, onEnded };

  useImperativeHandle(handle, () => ({ toggle }), []);

  useEffect(() => {
    const media = audio.current;
    const container = wave.current;
    if (!media || !container) return;
    const abort = new AbortController();
    const ws = WaveSurfer.create({
      container,
      media,
      height: 64,
      waveColor: '#8a94a6',
      progressColor: '#1f4fd1',
      cursorColor: '#1b2230',
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      normalize: true,
      dragToSeek: true,
    });
    // wavesurfer reloads the <audio> element unless the URL it is given equals the element's
    // own (absolute) src — and a reload stops a playback the user started before the peaks
    // arrived and rewinds it to 0. So it gets the absolute URL.
    const src = new URL(message.audioUrl, document.baseURI).href;
    peaksOf(message.audioUrl, abort.signal)
      .then((p) => {
        if (p && !abort.signal.aborted) void ws.load(src, [p.peaks], p.durationSec).catch(() => undefined);
      })
      .catch(() => undefined);
    if (autoplay) void media.play().catch(() => undefined);
    return () => {
      abort.abort();
      ws.destroy();
      media.pause();
    };
    // One player per message (the component is keyed by id): mount only.
  }, []);

  useEffect(() => {
    if (audio.current) audio.current.playbackRate = speed;
  }, [speed]);

  function toggle(): void {
    const media = audio.current;
    if (!media) return;
    if (media.paused) void media.play().catch(() => setFailed(true));
    else media.pause();
  }

  return (
    <section class="player" data-testid="player" aria-label={t('player.region')}>
      <audio
        ref={audio}
        src={message.audioUrl}
        preload="metadata"
        data-testid="player-audio"
        onPlay={() => {
          setPlaying(true);
          if (audio.current) audio.current.playbackRate = speed;
          if (!played.current) {
            played.current = true;
            callbacks.current.onPlayed();
          }
        }}
        onPause={() => setPlaying(false)}
        onEnded={() => {
          setPlaying(false);
          callbacks.current.onEnded();
        }}
        onTimeUpdate={() => setTime(audio.current?.currentTime ?? 0)}
        onLoadedMetadata={() => {
          const d = audio.current?.duration;
          if (d && Number.isFinite(d)) setDuration(d);
        }}
        onError={() => setFailed(true)}
      />
      <div class="wave" ref={wave} data-testid="waveform" role="img" aria-label={t('player.waveform')} />
      <div class="player-controls">
        <button type="button" class="btn btn-primary btn-play" onClick={toggle} aria-label={playing ? t('player.pause') : t('player.play')} data-testid="play">
          {playing ? <IconPause /> : <IconPlay />}
        </button>
        <span class="time" aria-live="off">
          {t('player.position', { pos: formatDuration(time * 1000), total: formatDuration(duration * 1000) })}
        </span>
        <div class="speeds" role="group" aria-label={t('player.speed')}>
          {SPEEDS.map((s) => (
            <button key={s} type="button" class="btn btn-small" aria-pressed={speed === s} onClick={() => onSpeed(s)} data-testid={`speed-${String(s)}`}>
              {`${String(s)}×`}
            </button>
          ))}
        </div>
      </div>
      {failed && (
        <p class="error" role="alert">
          {t('player.loadFailed')}
        </p>
      )}
    </section>
  );
}
