/**
 * Audio from people (uploads, browser recordings) and from text, made into what the
 * voicemail plays: 8 kHz mono 16-bit PCM WAV at an even loudness. Implements the
 * voicemail's `AudioConverter` port (src/voicemail/ports.ts) structurally: media knows
 * nothing of voicemail, so the shapes are declared here again and tsc checks that they
 * fit where the composition root plugs this in.
 *
 * One ffmpeg process per conversion (no separate ffprobe): it reads the upload from
 * stdin and writes 8 kHz mono float samples to stdout; everything else — length
 * checks, silence detection, loudness normalisation, the WAV — happens here on the
 * samples (loudness.ts says why not `loudnorm`). The input is untrusted, so ffmpeg gets:
 * only the `pipe` protocol (an HLS or concat playlist cannot make it open files or
 * URLs), only the demuxers and decoders of the documented formats, `-t` so a small file
 * that decodes to hours stops early, a timeout, SIGKILL on abort; stdout and stderr are
 * bounded (run-process.ts). At most `concurrency` conversions run at once, the rest wait
 * in order.
 */
import { VoxmailError } from '../../shared/errors.js';
import { toWav } from '../audio/wav.js';
import { readFfmpegReport, sniff, wavHeaderDurationMs } from './ffmpeg-report.js';
import { Limiter } from './limiter.js';
import { applyGain, gainFor, measureLoudness, SILENCE_LOUDNESS } from './loudness.js';
import { runProcess } from './run-process.js';

/** 8 kHz mono 16-bit PCM WAV. */
export interface ConvertedAudio {
  readonly wav: Buffer;
  readonly durationMs: number;
}

export type ConvertRejection =
  | { readonly ok: false; readonly code: 'unsupported'; readonly message: string }
  | { readonly ok: false; readonly code: 'too-long'; readonly message: string }
  | { readonly ok: false; readonly code: 'empty'; readonly message: string };

export type ConvertResult = { readonly ok: true; readonly audio: ConvertedAudio } | ConvertRejection;

export type SpeechLanguage = 'ru' | 'en';

export interface FfmpegConverterOptions {
  /** Default `ffmpeg` (found on PATH; Debian installs /usr/bin/ffmpeg). */
  readonly ffmpegPath?: string;
  /** Default `espeak-ng`. */
  readonly espeakPath?: string;
  /** ffmpeg/espeak-ng processes at once; default 2 (the machines have 2 cores). */
  readonly concurrency?: number;
  /** Conversions that may wait for a slot (each holds its upload in memory); more are refused (VM_MEDIA_CONVERTER_BUSY). Default 16. */
  readonly maxWaiting?: number;
  /** Per process; default 60 s (10 minutes of audio decode in well under 1 s). */
  readonly timeoutMs?: number;
  /** Largest input accepted; default 32 MiB (the API stops at 20 MB). */
  readonly maxInputBytes?: number;
}

/** Shorter than this is "empty": nobody says anything useful in 0.3 s. */
export const MIN_AUDIO_MS = 300;
/** Decoded audio a little over the limit (an MP3's encoder padding) is cut, not refused. */
export const LENGTH_TOLERANCE_MS = 250;
/** Longest text spoken (the API allows 1000 characters). */
export const MAX_SPEECH_CHARS = 5000;
/** Longest limit a caller may ask for. */
const MAX_LIMIT_MS = 60 * 60 * 1000;
const RATE = 8000;

/** Demuxers ffmpeg may use: the documented upload formats (`matroska,webm` is one demuxer). */
const FORMATS = 'wav,mp3,ogg,matroska,webm';
/** Decoders ffmpeg may use: WAV's PCM/float/G.711, MP3, Vorbis, Opus. */
const DECODERS = [
  'pcm_u8',
  'pcm_s16le',
  'pcm_s16be',
  'pcm_s24le',
  'pcm_s32le',
  'pcm_f32le',
  'pcm_f64le',
  'pcm_mulaw',
  'pcm_alaw',
  'mp3float',
  'mp3',
  'vorbis',
  'libvorbis',
  'opus',
  'libopus',
].join(',');

/**
 * The voices and settings of scripts/make-prompts.sh, so a greeting made from text
 * sounds like the built-in phrases around it.
 */
const VOICES: Readonly<Record<SpeechLanguage, string>> = { ru: 'ru', en: 'en-us' };
const SPEECH_SPEED = '150';
const SPEECH_PITCH = '50';

export class FfmpegAudioConverter {
  readonly #ffmpeg: string;
  readonly #espeak: string;
  readonly #timeoutMs: number;
  readonly #maxInput: number;
  readonly #limiter: Limiter;

  constructor(options: FfmpegConverterOptions = {}) {
    this.#ffmpeg = options.ffmpegPath ?? 'ffmpeg';
    this.#espeak = options.espeakPath ?? 'espeak-ng';
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#maxInput = options.maxInputBytes ?? 32 * 1024 * 1024;
    this.#limiter = new Limiter(options.concurrency ?? 2, options.maxWaiting ?? 16);
  }

  /** Conversions running and waiting (for tests and metrics). */
  get load(): { readonly running: number; readonly waiting: number } {
    return { running: this.#limiter.running, waiting: this.#limiter.waiting };
  }

  /**
   * `input` (WAV, MP3, OGG/Vorbis, OGG/Opus, WebM/Opus) → 8 kHz mono 16-bit WAV,
   * loudness-normalised. Rejects (as a result) what is not such audio, longer than
   * `maxMs`, shorter than 0.3 s or silent. Throws only when ffmpeg cannot be run or
   * `signal` aborts.
   */
  convert(input: Buffer, options: { readonly maxMs: number; readonly signal?: AbortSignal }): Promise<ConvertResult> {
    checkLimit(options.maxMs);
    if (input.length === 0) return Promise.resolve(reject('empty', 'the file is empty (0 bytes)'));
    if (input.length > this.#maxInput) return Promise.resolve(reject('unsupported', `the file has ${mb(input.length)}, more than the ${mb(this.#maxInput)} accepted`));
    return this.#limiter.run(() => this.#convertNow(input, options.maxMs, options.signal), options.signal);
  }

  /**
   * `text` spoken by espeak-ng with the built-in prompts' voice, then converted like an
   * upload (so the level matches other greetings). The text goes on stdin, never on the
   * command line (a text starting with "-" is not an option). One slot of the limit
   * covers both processes.
   */
  speak(text: string, language: SpeechLanguage, options: { readonly signal?: AbortSignal } = {}): Promise<ConvertResult> {
    const clean = text.trim();
    if (clean === '') return Promise.resolve(reject('empty', 'there is no text to speak'));
    if (clean.length > MAX_SPEECH_CHARS) return Promise.resolve(reject('too-long', `the text has ${String(clean.length)} characters, more than ${String(MAX_SPEECH_CHARS)}`));
    return this.#limiter.run(async () => {
      const args = ['-v', VOICES[language], '-s', SPEECH_SPEED, '-p', SPEECH_PITCH, '-b', '1', '--stdin', '--stdout'];
      const r = await this.#run(this.#espeak, args, Buffer.from(clean, 'utf8'), 64 * 1024 * 1024, options.signal);
      if (r.code !== 0 || r.stdout.length === 0) {
        throw new VoxmailError('VM_MEDIA_TTS_FAILED', `espeak-ng failed (${r.timedOut ? 'timed out' : `exit ${String(r.code)}`}): ${r.stderr.trim().slice(-200)}`);
      }
      return this.#convertNow(r.stdout, MAX_LIMIT_MS, options.signal);
    }, options.signal);
  }

  async #convertNow(input: Buffer, maxMs: number, signal: AbortSignal | undefined): Promise<ConvertResult> {
    const capMs = maxMs + 1000;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-nostats',
      '-protocol_whitelist',
      'pipe',
      '-format_whitelist',
      FORMATS,
      '-codec_whitelist',
      DECODERS,
      '-i',
      'pipe:0',
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-t',
      (capMs / 1000).toFixed(3),
      // No DC or rumble: G.711 would spend its steps on them, and they skew the loudness.
      '-af',
      'highpass=f=60',
      '-ac',
      '1',
      '-ar',
      String(RATE),
      '-c:a',
      'pcm_f32le',
      '-f',
      'f32le',
      'pipe:1',
    ];
    const maxOut = Math.ceil((capMs / 1000) * RATE * 4) + 64 * 1024;
    const r = await this.#run(this.#ffmpeg, args, input, maxOut, signal);
    const report = readFfmpegReport(r.stderr);
    if (r.timedOut) return reject('unsupported', `decoding took longer than ${String(this.#timeoutMs / 1000)} s${found(report, input)}`);
    if (r.overflow) return reject('too-long', `the audio is longer than the limit of ${seconds(maxMs)}`);
    if (r.code !== 0 || r.stdout.length < 4) return reject('unsupported', unsupportedMessage(report, input));

    const samples = new Float32Array(Math.floor(r.stdout.length / 4));
    for (let i = 0; i < samples.length; i++) samples[i] = r.stdout.readFloatLE(i * 4);
    const decodedMs = Math.round((samples.length * 1000) / RATE);
    if (decodedMs > maxMs + LENGTH_TOLERANCE_MS) {
      const announced = report.durationMs ?? wavHeaderDurationMs(input);
      const length = announced !== null && announced > maxMs ? seconds(announced) : `more than ${seconds(decodedMs)}`;
      return reject('too-long', `the audio lasts ${length}; the limit is ${seconds(maxMs)}`);
    }
    const kept = decodedMs > maxMs ? samples.subarray(0, Math.floor((maxMs * RATE) / 1000)) : samples;
    const durationMs = Math.round((kept.length * 1000) / RATE);
    if (durationMs < MIN_AUDIO_MS) return reject('empty', `the audio lasts ${String(durationMs)} ms; at least ${String(MIN_AUDIO_MS)} ms are needed`);
    const loudness = measureLoudness(kept);
    if (!(loudness.loudestBlock > SILENCE_LOUDNESS)) {
      const level = Number.isFinite(loudness.loudestBlock) ? `${loudness.loudestBlock.toFixed(0)} dBFS` : 'digital silence';
      return reject('empty', `no sound: the loudest part is ${level} (quieter than ${String(SILENCE_LOUDNESS)} dBFS)`);
    }
    const pcm = applyGain(kept, gainFor(loudness));
    return { ok: true, audio: { wav: toWav(pcm, RATE), durationMs } };
  }

  async #run(file: string, args: readonly string[], stdin: Buffer, maxStdoutBytes: number, signal: AbortSignal | undefined) {
    try {
      return await runProcess(file, args, { stdin, maxStdoutBytes, timeoutMs: this.#timeoutMs, ...(signal ? { signal } : {}) });
    } catch (e) {
      if (signal?.aborted) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new VoxmailError(
        'VM_MEDIA_CONVERTER_MISSING',
        `cannot run ${file}${code === 'ENOENT' ? ': not installed (apt-get install -y ffmpeg espeak-ng)' : `: ${e instanceof Error ? e.message : String(e)}`}`,
        { cause: e },
      );
    }
  }
}

function checkLimit(maxMs: number): void {
  if (!(Number.isFinite(maxMs) && maxMs >= MIN_AUDIO_MS && maxMs <= MAX_LIMIT_MS)) {
    throw new RangeError(`convert: maxMs ${String(maxMs)} is not ${String(MIN_AUDIO_MS)}–${String(MAX_LIMIT_MS)}`);
  }
}

function reject(code: ConvertRejection['code'], message: string): ConvertRejection {
  return { ok: false, code, message };
}

function unsupportedMessage(report: ReturnType<typeof readFfmpegReport>, input: Buffer): string {
  const looks = sniff(input);
  if (report.container !== null && report.formatRefused) {
    return `${report.container} is not a supported format${looks ? ` (it looks like ${looks})` : ''}; send WAV, MP3, OGG (Vorbis or Opus) or WebM/Opus`;
  }
  if (report.container !== null && !report.streams.some((s) => s.startsWith('audio:'))) {
    return `found ${report.container} with no audio stream${report.streams.length > 0 ? ` (${report.streams.join(', ')})` : ''}`;
  }
  if (report.container !== null) {
    const audio = report.streams.filter((s) => s.startsWith('audio:')).map((s) => s.slice(7));
    return `found ${report.container}${audio.length > 0 ? ` with ${audio.join(', ')} audio` : ''}, which cannot be decoded${report.lastError ? ` (${report.lastError})` : ''}; send WAV (PCM, float, µ-law or A-law), MP3, OGG (Vorbis or Opus) or WebM/Opus`;
  }
  return `not audio in a format we read${looks ? ` (it looks like ${looks})` : ''}; send WAV, MP3, OGG (Vorbis or Opus) or WebM/Opus`;
}

function found(report: ReturnType<typeof readFfmpegReport>, input: Buffer): string {
  const what = report.container ?? sniff(input);
  return what === null ? '' : ` (found ${what})`;
}

function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${String(m)} min ${(s - m * 60).toFixed(1)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
