/**
 * Repairs a WAV file left behind by a recorder that died mid-recording.
 *
 * What such a file looks like (see recorder.ts): a RIFF/WAVE header whose RIFF and data
 * sizes are placeholders (0xFFFFFFFF, or 0 from other writers), followed by the audio
 * of every completed flush, possibly followed by part of a flush that was being written
 * when the process died (a torn write can end on an odd byte, i.e. half a sample).
 * Repair: keep the whole sample frames present on disk, drop the torn tail, and write
 * the true sizes into the header — in place, without copying the audio.
 *
 *   RIFF <riffSize> WAVE  { <id:4> <size:4 LE> <body, padded to even> }*
 *   riffSize = file bytes - 8;  the "data" chunk normally comes last.
 *
 * A file whose sizes already agree with its length is left untouched. The file must not
 * be open for writing by a live recorder (run this at start-up, before recording).
 */
import { open } from 'node:fs/promises';
import { err, ok, type Result } from '../shared/result.js';

export interface WavRecovery {
  /** True if the header was rewritten (and/or a torn tail cut). */
  readonly recovered: boolean;
  /** Sample frames in the (now valid) data chunk. */
  readonly samples: number;
}

/** Chunks before "data" (fmt, fact, LIST...) are small; do not scan further than this. */
const MAX_HEADER_SCAN = 64 * 1024;
const PLACEHOLDER = 0xffffffff;

/**
 * Make the WAV at `path` valid in place. Never throws: unreadable files, non-WAV files
 * and files without a fmt/data chunk are reported as errors and left unchanged.
 */
export async function recoverWav(path: string): Promise<Result<WavRecovery, string>> {
  let file;
  try {
    file = await open(path, 'r+');
  } catch (e) {
    return err(`cannot open ${path}: ${String(e)}`);
  }
  try {
    const fileSize = (await file.stat()).size;
    const head = Buffer.alloc(Math.min(fileSize, MAX_HEADER_SCAN));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const layout = parseLayout(head.subarray(0, bytesRead));
    if (!layout.ok) return layout;
    const { riffSize, dataSizeOffset, dataStart, declaredData, blockAlign } = layout.value;

    const available = fileSize - dataStart;
    const riffEnd = 8 + riffSize;
    const dataEnd = dataStart + declaredData + (declaredData & 1);
    const consistent =
      declaredData !== PLACEHOLDER &&
      riffSize !== PLACEHOLDER &&
      declaredData <= available &&
      declaredData % blockAlign === 0 &&
      riffEnd <= fileSize &&
      // data ends the RIFF form yet more bytes follow: audio appended after the sizes
      // were last written (the 0-placeholder case).
      !(dataEnd >= riffEnd && fileSize > riffEnd);
    if (consistent) return ok({ recovered: false, samples: declaredData / blockAlign });

    // Whole frames only (drops a torn half-sample), and what a 32-bit RIFF size can say.
    let dataBytes = available - (available % blockAlign);
    const maxData = PLACEHOLDER - (dataStart - 8);
    if (dataBytes > maxData) dataBytes = maxData - (maxData % blockAlign);

    const sizes = Buffer.alloc(4);
    sizes.writeUInt32LE(dataBytes, 0);
    await file.write(sizes, 0, 4, dataSizeOffset);
    sizes.writeUInt32LE(dataStart - 8 + dataBytes, 0);
    await file.write(sizes, 0, 4, 4);
    if (dataStart + dataBytes < fileSize) await file.truncate(dataStart + dataBytes);
    await file.sync();
    return ok({ recovered: true, samples: dataBytes / blockAlign });
  } catch (e) {
    return err(`cannot recover ${path}: ${String(e)}`);
  } finally {
    await file.close().catch(() => undefined);
  }
}

interface WavLayout {
  readonly riffSize: number;
  /** File offset of the data chunk's size field. */
  readonly dataSizeOffset: number;
  /** File offset of the first audio byte. */
  readonly dataStart: number;
  readonly declaredData: number;
  readonly blockAlign: number;
}

/** Walk the chunks up to "data"; untrusted bytes, so every read is bounds-checked. */
function parseLayout(b: Buffer): Result<WavLayout, string> {
  if (b.length < 12 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE') {
    return err('not a RIFF/WAVE file');
  }
  const riffSize = b.readUInt32LE(4);
  let blockAlign = 0;
  let pos = 12;
  while (pos + 8 <= b.length) {
    const id = b.toString('latin1', pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    if (id === 'fmt ') {
      if (size < 16 || pos + 8 + 16 > b.length) return err('truncated fmt chunk');
      const format = b.readUInt16LE(pos + 8);
      blockAlign = b.readUInt16LE(pos + 8 + 12);
      // PCM, IEEE float, A-law, µ-law, or WAVE_FORMAT_EXTENSIBLE: all fixed-size frames.
      if (![1, 3, 6, 7, 0xfffe].includes(format)) return err(`unsupported WAV format ${String(format)}`);
      if (blockAlign === 0) return err('fmt chunk has block align 0');
    } else if (id === 'data') {
      if (blockAlign === 0) return err('data chunk before fmt chunk');
      return ok({ riffSize, dataSizeOffset: pos + 4, dataStart: pos + 8, declaredData: size, blockAlign });
    }
    pos += 8 + size + (size & 1);
  }
  return err('no data chunk in the header');
}
