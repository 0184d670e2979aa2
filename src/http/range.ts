/**
 * The `Range` request header for one representation of `size` bytes (RFC 9110 §14.2),
 * enough for audio players to seek: `bytes=first-last`, `bytes=first-`, `bytes=-suffix`.
 * Written here rather than taken from a package because the whole rule is these few
 * lines, and it must follow the project's parser convention: never throw on what a
 * client sends, return a result.
 *
 * - No header, another unit, a syntax error, or several ranges → `full` (RFC 9110 lets a
 *   server ignore Range; players ask for one range at a time).
 * - A range that starts at or beyond the end, or a zero-length suffix → `unsatisfiable`
 *   (416 with `Content-Range: bytes *\/size`).
 * - `last` beyond the end is cut to the end; a suffix longer than the file means all of it.
 */
export type RangeResult =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeResult = { kind: 'full' };
const SPEC = /^bytes[ \t]*=[ \t]*(\d*)[ \t]*-[ \t]*(\d*)[ \t]*$/i;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined || header.length > 200) return FULL;
  const m = SPEC.exec(header);
  if (!m) return FULL;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return FULL;
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? Infinity : Number(last);
  if (!Number.isSafeInteger(start) || (last !== '' && (!Number.isSafeInteger(end) || end < start))) return FULL;
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
