/**
 * What ffmpeg's stderr says about an input: the container it recognised, the streams it
 * found, the duration the header gives, the reason it gave up. Used only for messages
 * to people ("found png_pipe", "found a video stream (h264) and no audio"), never for
 * decisions about the audio itself. Never throws.
 */

export interface FfmpegReport {
  /** Demuxer name: `wav`, `mp3`, `ogg`, `matroska,webm`, or one refused (`png_pipe`). */
  readonly container: string | null;
  /** `audio: opus`, `video: h264`... */
  readonly streams: readonly string[];
  /** From the `Duration:` line, when the header knows it (WAV does; piped MP3 and OGG do not). */
  readonly durationMs: number | null;
  /** The last line that looks like an error, for messages. */
  readonly lastError: string | null;
  /** The container was recognised but is not one we accept (ffmpeg's format whitelist). */
  readonly formatRefused: boolean;
}

export function readFfmpegReport(stderr: string): FfmpegReport {
  const lines = stderr.split(/\r?\n|\r/);
  let container: string | null = null;
  let durationMs: number | null = null;
  let lastError: string | null = null;
  let formatRefused = false;
  const streams: string[] = [];
  for (const line of lines) {
    const input = /^Input #0, (.+?), from /.exec(line);
    if (input?.[1] !== undefined) container = input[1];
    const refused = /^\[([\w,]+) @ [^\]]+\] Format not on whitelist/.exec(line);
    if (refused?.[1] !== undefined) {
      container = refused[1];
      formatRefused = true;
    }
    const d = /^\s*Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
    if (d?.[1] !== undefined && d[2] !== undefined && d[3] !== undefined) {
      durationMs = Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000);
    }
    // Input streams only: output streams come after "Output #0" and "Stream mapping".
    if (/^Output #0/.test(line) || /^Stream mapping:/.test(line)) break;
    const s = /^\s*Stream #0:\d+\S*: (Audio|Video|Subtitle|Data|Attachment): ([\w-]+)/.exec(line);
    if (s?.[1] !== undefined && s[2] !== undefined) streams.push(`${s[1].toLowerCase()}: ${s[2]}`);
  }
  for (const line of lines) {
    if (/error|invalid|not on whitelist|matches no streams|could not|failed/i.test(line)) lastError = line.replace(/^\[[^\]]+\]\s*/, '').trim().slice(0, 200);
  }
  return { container, streams, durationMs, lastError, formatRefused };
}

/** Magic numbers of things people upload by mistake, to name them when ffmpeg cannot. */
const SIGNATURES: readonly (readonly [string, (b: Buffer) => boolean])[] = [
  ['a PNG image', (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['a JPEG image', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['a GIF image', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
  ['a PDF document', (b) => b.subarray(0, 5).toString('latin1') === '%PDF-'],
  ['a ZIP archive (or an office document)', (b) => b.subarray(0, 4).toString('latin1') === 'PK\x03\x04'],
  ['an MP4/M4A/MOV file (not supported: record or export as MP3, OGG or WebM)', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
  ['a FLAC file (not supported: export as WAV or MP3)', (b) => b.subarray(0, 4).toString('latin1') === 'fLaC'],
  ['an AVI file', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'AVI '],
  ['text', (b) => b.length > 0 && b.subarray(0, 512).every((c) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c < 0x7f))],
];

/** A few words naming what `input` looks like, or null. */
export function sniff(input: Buffer): string | null {
  for (const [name, test] of SIGNATURES) if (test(input)) return name;
  return null;
}

/**
 * The length a WAV header announces (`data` size ÷ byte rate), which ffmpeg cannot give
 * for piped input; null for anything else or a size left unknown by a streaming writer.
 */
export function wavHeaderDurationMs(input: Buffer): number | null {
  if (input.length < 12 || input.toString('latin1', 0, 4) !== 'RIFF' || input.toString('latin1', 8, 12) !== 'WAVE') return null;
  let byteRate = 0;
  let offset = 12;
  for (let chunks = 0; chunks < 64 && offset + 8 <= input.length; chunks++) {
    const id = input.toString('latin1', offset, offset + 4);
    const size = input.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= input.length) byteRate = input.readUInt32LE(offset + 8 + 8);
    if (id === 'data') {
      if (byteRate === 0 || size === 0 || size === 0xffffffff) return null;
      return Math.round((size / byteRate) * 1000);
    }
    offset += 8 + size + (size % 2);
  }
  return null;
}
