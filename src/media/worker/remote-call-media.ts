/**
 * A call's media that lives in a media worker, seen from the main thread: the same
 * surface as `CallMedia` (CallMediaHandle), each method a control message to the worker
 * (protocol.ts). Recorder callbacks, the logger and abort signals stay here; the worker
 * reports the recorder's own ends (silence, max duration, write error) as events.
 *
 * Bounded: at most `MAX_PLAYS` plays in flight per call (the player's own queue bound),
 * and one request of each kind at a time by construction of the call flow.
 */
import { isIP } from 'node:net';
import { VoxmailError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { err, ok, type Result } from '../../shared/result.js';
import type { DtmfEvent } from '../dtmf/digit.js';
import { parseDtmfInfo } from '../dtmf/info-body.js';
import type { CallMediaHandle, RecordingStart, RecordingStarted } from '../media-engine.js';
import type { PlayOptions, PlayOutcome } from '../player.js';
import type { RecorderOptions, RecordingEndReason, RecordingResult } from '../recorder.js';
import type { RtpSessionStats } from '../rtp/index.js';
import type { RecorderSettings, WireError } from './protocol.js';
import type { MediaWorkerLink, MediaWorkerPool } from './worker-pool.js';

const MAX_PLAYS = 64;

interface PendingPlay {
  /** Held until the play ends, so the shared copy of the prompt outlives it. */
  readonly samples: Int16Array;
  readonly resolve: (o: PlayOutcome) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

const EMPTY_STATS: RtpSessionStats = Object.freeze({
  packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0, audioPacketsIn: 0, telephoneEventPacketsIn: 0, comfortNoisePacketsIn: 0,
  lost: 0, jitterMs: 0, droppedWrongSource: 0, droppedNotRtp: 0, droppedMalformed: 0, droppedPayloadType: 0, duplicates: 0,
  late: 0, lostSamples: 0, silenceSamples: 0, resyncs: 0, ssrcChanges: 0, rtcpIn: 0, rtcpOut: 0, rtcpDropped: 0,
  byeReceived: false, callbackErrors: 0, socketErrors: 0, remoteUnreachable: 0, connected: false,
});

function settingsOf(o: RecorderOptions): RecorderSettings {
  if (o.openFile !== undefined) throw new RangeError('openFile cannot cross to a media worker');
  return {
    maxDurationMs: o.maxDurationMs,
    ...(o.silence !== undefined ? { silence: { ...o.silence } } : {}),
    ...(o.flushIntervalMs !== undefined ? { flushIntervalMs: o.flushIntervalMs } : {}),
    ...(o.firstFlushMs !== undefined ? { firstFlushMs: o.firstFlushMs } : {}),
    ...(o.ptime !== undefined ? { ptime: o.ptime } : {}),
    ...(o.trimSilence !== undefined ? { trimSilence: o.trimSilence } : {}),
    ...(o.trimPaddingMs !== undefined ? { trimPaddingMs: o.trimPaddingMs } : {}),
    ...(o.syncEachFlush !== undefined ? { syncEachFlush: o.syncEachFlush } : {}),
    ...(o.maxBacklogMs !== undefined ? { maxBacklogMs: o.maxBacklogMs } : {}),
    ...(o.overwrite !== undefined ? { overwrite: o.overwrite } : {}),
  };
}

function toError(e: WireError): VoxmailError {
  return new VoxmailError(e.code, e.message);
}

export class RemoteCallMedia implements CallMediaHandle {
  private readonly plays = new Map<number, PendingPlay>();
  private readonly dtmfHandlers: ((e: DtmfEvent) => void)[] = [];
  private readonly failureHandlers: ((reason: string) => void)[] = [];
  private recording: RecorderOptions | null = null;
  private recordingAbort: (() => void) | null = null;
  private lastStats: RtpSessionStats = EMPTY_STATS;
  private failed: string | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly pool: MediaWorkerPool,
    private readonly link: MediaWorkerLink,
    readonly callId: number,
    readonly localPort: number,
    private readonly log: Logger,
  ) {}

  /** The worker this call's media lives in. */
  get workerIndex(): number {
    return this.link.index;
  }

  setRemote(address: string, port: number, rtcpPort?: number): Result<void, string> {
    if (isIP(address) === 0 || !Number.isInteger(port) || port <= 0 || port > 65535) return err(`remote ${address}:${String(port)} is not an IP literal with a port`);
    if (this.closing || this.failed) return err('call media is closed');
    this.link.post({ t: 'remote', call: this.callId, address, port, ...(rtcpPort !== undefined ? { rtcpPort } : {}) });
    return ok(undefined);
  }

  play(samples: Int16Array, options: PlayOptions = {}): Promise<PlayOutcome> {
    const { signal } = options;
    if (this.closing || this.failed || signal?.aborted === true) return Promise.resolve('aborted');
    if (samples.length === 0) return Promise.resolve('done');
    if (this.plays.size >= MAX_PLAYS) throw new RangeError(`player queue is full (${String(MAX_PLAYS)} prompts)`);
    const id = this.pool.nextId();
    const prompt = this.pool.promptId(this.link, samples);
    return new Promise<PlayOutcome>((resolve) => {
      let onAbort: (() => void) | undefined;
      if (signal !== undefined) {
        onAbort = (): void => {
          // Settled here at once, as the in-process player does; the worker drops it.
          if (this.settlePlay(id, 'aborted')) this.link.post({ t: 'abort-play', call: this.callId, play: id });
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.plays.set(id, { samples, resolve, signal, onAbort });
      this.link.post({ t: 'play', call: this.callId, play: id, prompt, bargeIn: options.bargeIn === true });
    });
  }

  stopPlaying(): void {
    if (this.closing || this.failed) return;
    this.link.post({ t: 'stop-play', call: this.callId });
  }

  skipPrompts(): void {
    if (this.closing || this.failed) return;
    this.link.post({ t: 'skip-prompts', call: this.callId });
  }

  /** 'after-playback' is armed in the worker, which starts it on its own clock (see CallMediaHandle). */
  async startRecording(path: string, options: RecorderOptions, when: RecordingStart = 'now'): Promise<Result<RecordingStarted, string>> {
    if (this.recording) return err('already recording');
    if (this.closing || this.failed) return err('call media is closed');
    const settings = settingsOf(options);
    this.recording = options;
    const r = await this.link.request(this.callId, (req) => ({ t: 'rec-start', req, call: this.callId, path, settings, when }));
    if (!r.ok) {
      this.recording = null;
      return err(r.error.message);
    }
    if (options.signal) {
      const onAbort = (): void => void this.stopRecording('aborted').catch(() => undefined);
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.recordingAbort = () => options.signal?.removeEventListener('abort', onAbort);
    }
    return ok({ startedAt: r.value.kind === 'rec-started' ? r.value.startedAt : Date.now() });
  }

  async stopRecording(endedBy?: RecordingEndReason): Promise<RecordingResult | null> {
    if (this.recording === null) return null;
    this.recording = null;
    this.recordingAbort?.();
    this.recordingAbort = null;
    const r = await this.link.request(this.callId, (req) => ({ t: 'rec-stop', req, call: this.callId, ...(endedBy !== undefined ? { endedBy } : {}) }));
    if (!r.ok) throw toError(r.error);
    return r.value.kind === 'rec-result' ? r.value.result : null;
  }

  onDtmf(fn: (e: DtmfEvent) => void): void {
    this.dtmfHandlers.push(fn);
  }

  /** INFO digits never go to the worker: parsed and delivered here. */
  deliverInfo(contentType: string, body: Buffer): Result<void, string> {
    const r = parseDtmfInfo(contentType, body);
    if (!r.ok) return r;
    this.onDtmfEvent({ digit: r.value.digit, source: 'info', durationMs: r.value.durationMs, at: performance.now() });
    return ok(undefined);
  }

  /** The last figures the worker sent (at close); zeros before. */
  stats(): RtpSessionStats {
    return this.lastStats;
  }

  onFailure(fn: (reason: string) => void): void {
    this.failureHandlers.push(fn);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const id of [...this.plays.keys()]) this.settlePlay(id, 'aborted');
      this.recordingAbort?.();
      this.recording = null;
      if (this.failed) return;
      const r = await this.link.request(this.callId, (req) => ({ t: 'close', req, call: this.callId }));
      if (r.ok && r.value.kind === 'closed' && r.value.stats) this.lastStats = r.value.stats;
      this.link.calls.delete(this.callId);
    })();
    return this.closing;
  }

  // --- from the worker -------------------------------------------------------------

  onPlayed(id: number, outcome: PlayOutcome): void {
    this.settlePlay(id, outcome);
  }

  onDtmfEvent(e: DtmfEvent): void {
    for (const fn of this.dtmfHandlers) {
      try {
        fn(e);
      } catch (x) {
        this.log.error({ err: x }, 'DTMF handler threw');
      }
    }
  }

  onRecordingEvent(kind: 'silence' | 'max-duration' | 'error', error: WireError | undefined): void {
    const o = this.recording;
    if (o === null) return;
    try {
      if (kind === 'silence') o.onSilenceTimeout?.();
      else if (kind === 'max-duration') o.onMaxDuration?.();
      else o.onError?.(toError(error ?? { code: 'VM_MEDIA_RECORD_IO', message: 'recording failed' }));
    } catch (x) {
      this.log.error({ err: x }, `recorder ${kind} callback threw`);
    }
  }

  /** The worker died: everything pending ends now, and the call is told to hang up. */
  onWorkerFailed(reason: string): void {
    if (this.failed) return;
    this.failed = reason;
    for (const id of [...this.plays.keys()]) this.settlePlay(id, 'aborted');
    const rec = this.recording;
    if (rec) {
      try {
        rec.onError?.(new VoxmailError('VM_MEDIA_WORKER_FAILED', reason));
      } catch (x) {
        this.log.error({ err: x }, 'recorder error callback threw');
      }
    }
    for (const fn of this.failureHandlers) {
      try {
        fn(reason);
      } catch (x) {
        this.log.error({ err: x }, 'media failure handler threw');
      }
    }
  }

  private settlePlay(id: number, outcome: PlayOutcome): boolean {
    const p = this.plays.get(id);
    if (p === undefined) return false;
    this.plays.delete(id);
    if (p.onAbort !== undefined) p.signal?.removeEventListener('abort', p.onAbort);
    p.resolve(outcome);
    return true;
  }
}
