/**
 * The shape of AudioStore keys and partial-recording ids. Keys become file paths (and
 * later S3 object names), so they are checked before any path is built: relative,
 * `/`-separated segments of `[A-Za-z0-9._-]`, none starting with `.` (which rules out
 * `.`/`..` path traversal and keeps the store's own `.partial/` directory and
 * `.*.tmp` files out of reach of keys), at most 512 characters.
 */
import { StoreError } from '../../voicemail/ports.js';

export const AUDIO_KEY_MAX_LENGTH = 512;
export const AUDIO_KEY_RULE =
  'must be an audio key: relative "/"-separated segments of letters, digits, ".", "-" or "_", none starting with ".", at most 512 characters';

const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

/** Partial ids are deposit ids: they name a file, so the same alphabet as tenant and mailbox ids. */
export const PARTIAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const PARTIAL_ID_RULE = 'must be a recording id: 1–64 letters, digits, "-" or "_"';

export function isAudioKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > AUDIO_KEY_MAX_LENGTH) return false;
  return key.split('/').every((segment) => SEGMENT.test(segment));
}

/** Throws StoreError VM_STORE_INVALID unless `key` is a valid audio key. */
export function assertAudioKey(key: unknown): asserts key is string {
  if (!isAudioKey(key)) throw new StoreError('VM_STORE_INVALID', `audio key ${describe(key)}: ${AUDIO_KEY_RULE}`);
}

/** Throws StoreError VM_STORE_INVALID unless `id` can name a partial recording. */
export function assertPartialId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !PARTIAL_ID.test(id)) {
    throw new StoreError('VM_STORE_INVALID', `partial recording id ${describe(id)}: ${PARTIAL_ID_RULE}`);
  }
}

function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
