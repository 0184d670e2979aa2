/**
 * Records the caller's audio (8 kHz mono 16-bit PCM) to a WAV file, incrementally.
 *
 * Durability and cost, the two forces here:
 * - One `write()` per RTP packet doubles the CPU cost of a call (measured: see the
 *   engineering notes), so audio is batched in memory and written about once per
 *   `flushIntervalMs` (1 s) of audio, through a file handle opened once, by positional
 *   writes that never block the event loop. The first write may come earlier
 *   (`firstFlushMs`): CallMedia uses it so that recordings started together do not all
 *   write in the same event-loop turn.
 * - A crash must lose at most ~1 s: the file starts with a provisional header whose
 *   sizes are the 0xFFFFFFFF "unknown length" placeholder (tolerant readers such as
 *   ffmpeg/sox then read to end of file, and `recoverWav` recognises it), and each
 *   flush appends a whole second. Writes are strictly sequential, so the file is always
 *   "header + a prefix of the audio" (plus possibly a torn last write) — exactly what
 *   `recoverWav` repairs.
 * - fsync: a completed `write()` is in the kernel's page cache and survives the death
 *   of the process (crash, SIGKILL, OOM kill), which is the failure the "≤ 1 s lost"
 *   promise is about. Surviving a kernel crash or power loss as well would need an
 *   fsync per flush: with 1,000 concurrent recorders that is 1,000 journal commits a
 *   second, each occupying one of libuv's 4 threadpool threads (stalling every other
 *   fs operation, including the writes themselves). So by default we fsync once, at
 *   `finish()`, before reporting the message saved; `syncEachFlush: true` opts in to
 *   per-flush fsync where the storage makes it cheap.
 *
 * Time is audio time: durations, the silence timeout and the max duration count the
 * samples pushed, not the wall clock. The RTP session pushes one frame per packet time
 * and `null` for each missing frame, so audio time follows real time, and the recorder
 * needs no timer (deterministic in tests).
 *
 * Memory is bounded: one buffer of `flushIntervalMs` of audio being filled, plus the
 * ones being written (normally one); if the disk falls more than `maxBacklogMs` behind,
 * incoming audio is dropped and counted rather than buffered without limit.
 */
import { rename, open as openFileHandle, unlink } from 'node:fs/promises';
import { endianness } from 'node:os';
import { VoxmailError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { WAV_HEADER_BYTES, wavHeader } from './audio/wav-header.js';
import { DEFAULT_PTIME_MS, msForSamples, samplesForMs } from './frame.js';

/** Why a recording ended; set by the caller of `finish()` or by the recorder itself. */
export type RecordingEndReason = 'hangup' | 'dtmf' | 'silence' | 'max-duration' | 'aborted';

/** The part of `fs.promises.FileHandle` the recorder uses (injectable for tests). */
export interface RecordingFile {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a file with `fs.open` flags ('wx+', 'w'...). */
export type OpenRecordingFile = (path: string, flags: string) => Promise<RecordingFile>;

export interface SilenceOptions {
  /** Frames whose RMS level is below this are silence. Default -45 dBFS. */
  readonly thresholdDbfs?: number;
  /**
   * Silence this long ends the recording (`onSilenceTimeout`, endedBy 'silence').
   * Counted from the start of the recording too, not only after some voice: a caller
   * who says nothing after the beep has nothing to say, and the line should be freed.
   */
  readonly timeoutMs?: number;
}

export interface RecorderOptions {
  /** The recording stops at exactly this much audio (`onMaxDuration`, endedBy 'max-duration'). */
  readonly maxDurationMs: number;
  readonly silence?: SilenceOptions;
  /** Audio held in memory between writes, so also the most a crash can lose. Default 1000 ms. */
  readonly flushIntervalMs?: number;
  /**
   * Audio before the first write (then every `flushIntervalMs`), 20 ms..flushIntervalMs;
   * default flushIntervalMs. Recordings that start together (a thousand calls on one
   * media clock) then write at different moments instead of all in one event-loop
   * turn: CallMedia spreads them over the second (see call-media.ts).
   */
  readonly firstFlushMs?: number;
  /** Length of the silence written for a missing (`null`) frame. Default 20 ms. */
  readonly ptime?: number;
  /** At `finish()`, cut leading and trailing silence (keeping `trimPaddingMs` around the voice). */
  readonly trimSilence?: boolean;
  /** Default 200 ms: level detection is coarse, and word onsets/decays sit below the threshold. */
  readonly trimPaddingMs?: number;
  /** fsync after every flush (see the module comment for the cost). Default false. */
  readonly syncEachFlush?: boolean;
  /** Audio allowed to wait for a slow disk before new audio is dropped. Default 3000 ms. */
  readonly maxBacklogMs?: number;
  /** Replace an existing file; default false (an existing file is an error, never clobbered). */
  readonly overwrite?: boolean;
  /** Aborting it is `close()`: the recording is finished as 'aborted'. */
  readonly signal?: AbortSignal;
  readonly onSilenceTimeout?: () => void;
  readonly onMaxDuration?: () => void;
  /** A write failed: the recording stopped; `finish()` will reject with the same error. */
  readonly onError?: (error: VoxmailError) => void;
  readonly logger?: Logger;
  readonly openFile?: OpenRecordingFile;
}

export interface RecordingResult {
  readonly path: string;
  /** Samples in the file (after trimming). */
  readonly samples: number;
  readonly durationMs: number;
  readonly endedBy: RecordingEndReason;
  /** Whether any frame was above the silence threshold (false: the caller said nothing). */
  readonly heardVoice: boolean;
  /** Samples lost because the disk fell more than `maxBacklogMs` behind. */
  readonly droppedSamples: number;
}

export interface RecorderStats {
  readonly samples: number;
  /** Audio writes completed (the header writes not counted). */
  readonly flushes: number;
  readonly droppedSamples: number;
}

/** dBFS relative to a full-scale square wave (RMS 32768): a full-scale sine is -3 dBFS. */
function energyPerSampleAt(dbfs: number): number {
  const rms = 32768 * 10 ** (dbfs / 20);
  return rms * rms;
}

/** The 44-byte header with the "unknown length" sizes of a recording in progress. */
function provisionalHeader(): Buffer {
  const h = wavHeader(0);
  h.writeUInt32LE(0xffffffff, 4);
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

/** RIFF sizes are 32-bit: the data chunk can hold at most this many bytes. */
const MAX_DATA_BYTES = 0xffffffff - 36;
const COPY_CHUNK_BYTES = 64 * 1024;
const BIG_ENDIAN_HOST = endianness() === 'BE';

const defaultOpen: OpenRecordingFile = (path, flags) => openFileHandle(path, flags);

async function writeAll(file: RecordingFile, buf: Uint8Array, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    // Regular files practically never take a partial write, but the API allows it.
    const { bytesWritten } = await file.write(buf, done, length - done, position + done);
    if (bytesWritten <= 0) throw new Error('write made no progress');
    done += bytesWritten;
  }
}

/**
 * Buffers that finished their write wait here for the next recorder of this thread (one
 * list per size). A recorder holds the buffer it fills plus those still being written —
 * usually one — instead of keeping its own spare: at 2,500 recordings of 1 s buffers that
 * is 40 MB less (issue 7, memory per call). Bounded: a burst of finished writes beyond
 * the cap is left to the GC.
 */
const spares = new Map<number, Buffer[]>();
const MAX_SPARES_PER_SIZE = 256;

function takeSpare(bytes: number): Buffer {
  // Buffer.alloc gives each buffer its own ArrayBuffer: aligned for the Int16Array view.
  return spares.get(bytes)?.pop() ?? Buffer.alloc(bytes);
}

function giveSpare(buf: Buffer): void {
  let list = spares.get(buf.length);
  if (list === undefined) spares.set(buf.length, (list = []));
  if (list.length < MAX_SPARES_PER_SIZE) list.push(buf);
}

interface WriteJob {
  readonly buf: Buffer;
  readonly length: number;
  readonly position: number;
}

export class Recorder {
  readonly path: string;
  private readonly file: RecordingFile;
  private readonly openFile: OpenRecordingFile;
  private readonly log: Logger | undefined;
  private readonly options: RecorderOptions;
  private readonly frameSamples: number;
  private readonly maxSamples: number;
  private readonly bufferSamples: number;
  /** Samples in the current buffer at which it is written: `firstFlushMs` for the first, then full buffers. */
  private flushAt: number;
  private readonly maxBuffers: number;
  private readonly voiceEnergy: number;
  private readonly silenceTimeoutSamples: number;
  /** The buffer being filled (undefined while every buffer waits for the disk). */
  private current: Buffer | undefined;
  private currentView: Int16Array | undefined;
  private filled = 0;
  private readonly queue: WriteJob[] = [];
  /** File offset of the next buffer to queue. */
  private nextPosition = WAV_HEADER_BYTES;
  private writing: Promise<void> | undefined;
  private samples = 0;
  private dropped = 0;
  private flushes = 0;
  private firstVoice = -1;
  private lastVoiceEnd = 0;
  private silentRun = 0;
  /** Energy (sum of squares) of the samples the last `append` took, dropped ones included. */
  private appendedEnergy = 0;
  private accepting = true;
  private selfEndedBy: RecordingEndReason | undefined;
  private failure: VoxmailError | undefined;
  private finishing: Promise<RecordingResult> | undefined;
  private readonly onAbort = (): void => void this.close();

  private constructor(path: string, file: RecordingFile, options: RecorderOptions) {
    this.path = path;
    this.file = file;
    this.options = options;
    this.openFile = options.openFile ?? defaultOpen;
    this.log = options.logger;
    this.frameSamples = samplesForMs(options.ptime ?? DEFAULT_PTIME_MS);
    this.maxSamples = samplesForMs(Math.round(options.maxDurationMs));
    const flushMs = options.flushIntervalMs ?? 1000;
    this.bufferSamples = samplesForMs(Math.max(1, Math.round(flushMs)));
    const firstMs = options.firstFlushMs;
    this.flushAt = firstMs === undefined ? this.bufferSamples : Math.min(this.bufferSamples, samplesForMs(Math.max(1, Math.round(firstMs))));
    this.maxBuffers = 1 + Math.max(1, Math.ceil((options.maxBacklogMs ?? 3000) / flushMs));
    this.voiceEnergy = energyPerSampleAt(options.silence?.thresholdDbfs ?? -45);
    const timeoutMs = options.silence?.timeoutMs;
    this.silenceTimeoutSamples = timeoutMs === undefined || timeoutMs <= 0 ? 0 : samplesForMs(Math.round(timeoutMs));
    this.takeBuffer();
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Create the file (refusing to overwrite unless `overwrite`), write the provisional
   * header, and return a recorder ready for `push()`. Rejects with
   * `VM_MEDIA_RECORD_IO` when the file cannot be created.
   */
  static async open(path: string, options: RecorderOptions): Promise<Recorder> {
    if (!(options.maxDurationMs > 0) || options.maxDurationMs * 16 > MAX_DATA_BYTES) {
      throw new RangeError('maxDurationMs must be > 0 and fit a 32-bit WAV');
    }
    if (options.flushIntervalMs !== undefined && !(options.flushIntervalMs >= 20 && options.flushIntervalMs <= 10_000)) {
      throw new RangeError('flushIntervalMs must be within 20..10000');
    }
    if (options.firstFlushMs !== undefined && !(options.firstFlushMs >= 20 && options.firstFlushMs <= (options.flushIntervalMs ?? 1000))) {
      throw new RangeError('firstFlushMs must be within 20..flushIntervalMs');
    }
    samplesForMs(options.ptime ?? DEFAULT_PTIME_MS); // throws RangeError before any fd is opened
    options.signal?.throwIfAborted();
    const open = options.openFile ?? defaultOpen;
    let file: RecordingFile;
    try {
      // Read access too: trimming reads the audio back at finish.
      file = await open(path, options.overwrite === true ? 'w+' : 'wx+');
    } catch (e) {
      throw new VoxmailError('VM_MEDIA_RECORD_IO', `cannot create recording ${path}: ${String(e)}`, { cause: e });
    }
    try {
      const header = provisionalHeader();
      await writeAll(file, header, header.length, 0);
    } catch (e) {
      await file.close().catch(() => undefined);
      throw new VoxmailError('VM_MEDIA_RECORD_IO', `cannot write recording ${path}: ${String(e)}`, { cause: e });
    }
    const recorder = new Recorder(path, file, options);
    if (options.signal?.aborted === true) void recorder.close();
    return recorder;
  }

  /**
   * Append one frame of received audio; `null` is a missing frame (lost or late packet)
   * and records `ptime` of silence so the recording keeps real time. The frame is
   * copied before `push` returns (the caller may reuse it). Frames after the recording
   * ended (max duration, silence timeout, finish, error) are ignored.
   */
  push(frame: Int16Array | null): void {
    if (!this.accepting) return;
    const n = frame === null ? this.frameSamples : frame.length;
    const take = Math.min(n, this.maxSamples - this.samples);
    if (take <= 0) return;
    const start = this.samples;
    const kept = this.append(frame, null, take, 0);
    this.account(start, kept, take, frame !== null && this.appendedEnergy > this.voiceEnergy * take);
  }

  /**
   * `push` of G.711 codes, decoded through `table` (the codec's `decodeTable`) as they
   * are copied: the receive path's one pass over a frame instead of a decode into a
   * buffer and a second pass over that buffer. Same result as `push(decode(codes))`.
   * `offset`/`length`: the frame inside `codes` (a payload inside its datagram, no view).
   */
  pushCoded(codes: Uint8Array, table: Int16Array, offset = 0, length = codes.length - offset): void {
    if (!this.accepting) return;
    const take = Math.min(length, this.maxSamples - this.samples);
    if (take <= 0) return;
    const start = this.samples;
    const kept = this.append(codes, table, take, offset);
    this.account(start, kept, take, this.appendedEnergy > this.voiceEnergy * take);
  }

  /** After an append: the voice/silence bookkeeping, and the recorder's own ends. */
  private account(start: number, kept: number, take: number, voiced: boolean): void {
    this.samples += kept;
    if (voiced) {
      if (this.firstVoice < 0) this.firstVoice = start;
      this.lastVoiceEnd = start + kept;
      this.silentRun = 0;
    } else {
      this.silentRun += take;
    }

    if (this.samples >= this.maxSamples) {
      this.end('max-duration', this.options.onMaxDuration);
    } else if (this.silenceTimeoutSamples > 0 && this.silentRun >= this.silenceTimeoutSamples) {
      this.end('silence', this.options.onSilenceTimeout);
    }
  }

  /** The reason the recorder ended itself (silence, max duration), if it did. */
  get endedBy(): RecordingEndReason | undefined {
    return this.selfEndedBy;
  }

  get stats(): RecorderStats {
    return { samples: this.samples, flushes: this.flushes, droppedSamples: this.dropped };
  }

  /**
   * Write what is buffered, optionally trim silence, fix the header sizes, fsync and
   * close the file. `endedBy` defaults to the recorder's own reason if it ended itself
   * (that reason wins: it came first), else 'hangup'. Idempotent: later calls return
   * the same promise. Rejects with `VM_MEDIA_RECORD_IO` if a write failed.
   */
  finish(endedBy?: RecordingEndReason): Promise<RecordingResult> {
    this.finishing ??= this.doFinish(this.selfEndedBy ?? endedBy ?? 'hangup');
    return this.finishing;
  }

  /**
   * Release the recorder: an unfinished recording is finished as 'aborted' (the audio
   * is kept, a valid WAV; the flow decides whether to delete it). Idempotent, never
   * rejects (failures are logged and were reported through `onError`/`finish()`).
   */
  async close(): Promise<void> {
    try {
      await this.finish('aborted');
    } catch (e) {
      this.log?.warn({ err: e, code: 'VM_MEDIA_RECORD_IO', path: this.path }, 'recording could not be finished');
    }
  }

  private end(reason: RecordingEndReason, callback: (() => void) | undefined): void {
    this.accepting = false;
    this.selfEndedBy = reason;
    try {
      callback?.();
    } catch (e) {
      // The caller is the RTP receive path: a faulty flow callback must not break it.
      this.log?.error({ err: e, path: this.path }, `recorder ${reason} callback threw`);
    }
  }

  /**
   * Copy `take` samples (silence for null) into the buffers; returns how many were kept.
   * `frame` is PCM, or G.711 codes when `table` is given (decoded as they are copied; the
   * casts below follow that rule), whose first sample is `frame[base]` (0 for PCM).
   * Sums the samples' energy into `appendedEnergy` in the same pass (one loop over the
   * frame instead of two: measured 0.2–0.4 µs instead of 0.35–0.8 µs per 20 ms frame).
   */
  private append(frame: Int16Array | Uint8Array | null, table: Int16Array | null, take: number, base: number): number {
    let copied = 0;
    let energy = 0;
    while (copied < take) {
      const view = this.currentView;
      if (view === undefined) {
        // Every buffer is waiting for the disk: drop rather than grow without bound.
        const lost = take - copied;
        if (this.dropped === 0) {
          this.log?.warn({ code: 'VM_MEDIA_RECORD_BACKLOG', path: this.path }, 'disk too slow for recording: dropping audio');
        }
        this.dropped += lost;
        if (frame !== null) energy += table === null ? sumSquares(frame as Int16Array, copied, take) : sumSquaresCoded(frame as Uint8Array, table, base + copied, base + take);
        break;
      }
      const n = Math.min(take - copied, this.flushAt - this.filled);
      if (frame === null) {
        view.fill(0, this.filled, this.filled + n);
      } else if (table === null) {
        energy += copyMeasured(frame as Int16Array, copied, copied + n, view, this.filled - copied);
      } else {
        energy += decodeMeasured(frame as Uint8Array, table, base + copied, base + copied + n, view, this.filled - copied - base);
      }
      this.filled += n;
      copied += n;
      if (this.filled === this.flushAt) this.flush();
    }
    this.appendedEnergy = energy;
    return copied;
  }

  /** Queue the buffer being filled for writing and take a fresh one. */
  private flush(): void {
    const buf = this.current;
    if (buf === undefined || this.filled === 0) return;
    const length = this.filled * 2;
    if (BIG_ENDIAN_HOST) buf.swap16(); // WAV is little-endian; Int16Array is host order
    this.queue.push({ buf, length, position: this.nextPosition });
    this.nextPosition += length;
    this.current = undefined;
    this.currentView = undefined;
    this.filled = 0;
    this.flushAt = this.bufferSamples;
    this.writing ??= this.drain();
    this.takeBuffer();
  }

  private takeBuffer(): void {
    if (this.current !== undefined) return;
    // At most maxBuffers held: the one filling and those waiting for the disk (the backlog bound).
    if (this.queue.length + 1 > this.maxBuffers) return;
    const buf = takeSpare(this.bufferSamples * 2);
    this.current = buf;
    this.currentView = new Int16Array(buf.buffer, buf.byteOffset, this.bufferSamples);
  }

  /** Write queued buffers one at a time, in order (so the file is always a prefix). */
  private async drain(): Promise<void> {
    // Let the caller's synchronous code finish first (and keep `writing` assigned
    // before this loop can clear it).
    await Promise.resolve();
    for (;;) {
      const job = this.queue[0];
      if (job === undefined || this.failure !== undefined) break;
      try {
        await writeAll(this.file, job.buf, job.length, job.position);
        if (this.options.syncEachFlush === true) await this.file.sync();
      } catch (e) {
        this.fail(e);
        break;
      }
      this.queue.shift();
      this.flushes++;
      giveSpare(job.buf);
      if (this.accepting) this.takeBuffer();
    }
    this.writing = undefined;
  }

  private fail(e: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new VoxmailError('VM_MEDIA_RECORD_IO', `writing recording ${this.path} failed: ${String(e)}`, { cause: e });
    this.accepting = false;
    this.queue.length = 0;
    this.log?.error({ err: e, code: 'VM_MEDIA_RECORD_IO', path: this.path }, 'recording write failed');
    try {
      this.options.onError?.(this.failure);
    } catch (cbErr) {
      this.log?.error({ err: cbErr, path: this.path }, 'recorder onError callback threw');
    }
  }

  private async doFinish(endedBy: RecordingEndReason): Promise<RecordingResult> {
    this.accepting = false;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    try {
      this.flush();
      while (this.writing !== undefined) await this.writing;
      if (this.failure !== undefined) throw this.failure;
      if (this.current !== undefined) giveSpare(this.current);
      this.current = undefined;
      this.currentView = undefined;

      if (this.options.trimSilence === true) {
        const trimmed = await this.trim();
        if (trimmed !== undefined) {
          await this.file.close();
          return this.result(trimmed, endedBy);
        }
      }
      const header = wavHeader(this.samples * 2);
      await writeAll(this.file, header, header.length, 0);
      // The one fsync of the recording: the message is durable before anyone is told of it.
      await this.file.sync();
      await this.file.close();
      return this.result(this.samples, endedBy);
    } catch (e) {
      await this.file.close().catch(() => undefined);
      if (e instanceof VoxmailError) throw e;
      throw new VoxmailError('VM_MEDIA_RECORD_IO', `finishing recording ${this.path} failed: ${String(e)}`, { cause: e });
    }
  }

  private result(samples: number, endedBy: RecordingEndReason): RecordingResult {
    return { path: this.path, samples, durationMs: msForSamples(samples), endedBy, heardVoice: this.firstVoice >= 0, droppedSamples: this.dropped };
  }

  /**
   * Copy the voiced span (plus padding) into a temporary file and rename it over the
   * recording: the original stays intact (and recoverable) until the atomic rename.
   * Returns the new sample count, or undefined when there is nothing to trim or the
   * trim failed (then the untrimmed recording is kept: never lose a message to a trim).
   */
  private async trim(): Promise<number | undefined> {
    const pad = samplesForMs(Math.round(this.options.trimPaddingMs ?? 200));
    const total = this.samples;
    const from = this.firstVoice < 0 ? 0 : Math.max(0, this.firstVoice - pad);
    const to = this.firstVoice < 0 ? 0 : Math.min(total, this.lastVoiceEnd + pad);
    if (from === 0 && to === total) return undefined;
    const tmpPath = `${this.path}.trim.tmp`;
    let tmp: RecordingFile | undefined;
    try {
      tmp = await this.openFile(tmpPath, 'w');
      const header = wavHeader((to - from) * 2);
      await writeAll(tmp, header, header.length, 0);
      const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(2, (to - from) * 2)));
      let src = WAV_HEADER_BYTES + from * 2;
      const end = WAV_HEADER_BYTES + to * 2;
      let dst = WAV_HEADER_BYTES;
      while (src < end) {
        const want = Math.min(chunk.length, end - src);
        const { bytesRead } = await this.file.read(chunk, 0, want, src);
        if (bytesRead <= 0) throw new Error('recording shorter than expected');
        await writeAll(tmp, chunk, bytesRead, dst);
        src += bytesRead;
        dst += bytesRead;
      }
      await tmp.sync();
      await tmp.close();
      tmp = undefined;
      // Atomic replace. (The directory entry itself is not fsynced: after a power cut the
      // old, recoverable file may be what survives, which loses nothing.)
      await rename(tmpPath, this.path);
      return to - from;
    } catch (e) {
      await tmp?.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      this.log?.warn({ err: e, code: 'VM_MEDIA_RECORD_IO', path: this.path }, 'trimming silence failed; keeping the untrimmed recording');
      return undefined;
    }
  }
}

// One loop per input kind (PCM, codes) so that each stays monomorphic on the per-packet path.

/** Copy frame[from, to) to view[from + offset …]; returns the energy (sum of squares) copied. */
function copyMeasured(frame: Int16Array, from: number, to: number, view: Int16Array, offset: number): number {
  let energy = 0;
  for (let i = from; i < to; i++) {
    const s = frame[i]!;
    energy += s * s;
    view[offset + i] = s;
  }
  return energy;
}

/** Decode codes[from, to) through `table` into view[from + offset …]; returns the energy. */
function decodeMeasured(codes: Uint8Array, table: Int16Array, from: number, to: number, view: Int16Array, offset: number): number {
  let energy = 0;
  for (let i = from; i < to; i++) {
    const s = table[codes[i]!]!;
    energy += s * s;
    view[offset + i] = s;
  }
  return energy;
}

function sumSquares(frame: Int16Array, from: number, to: number): number {
  let energy = 0;
  for (let i = from; i < to; i++) energy += frame[i]! * frame[i]!;
  return energy;
}

function sumSquaresCoded(codes: Uint8Array, table: Int16Array, from: number, to: number): number {
  let energy = 0;
  for (let i = from; i < to; i++) {
    const s = table[codes[i]!]!;
    energy += s * s;
  }
  return energy;
}
