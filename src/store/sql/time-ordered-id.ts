/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then a counter, then random bits.
 * Text order is creation order — to the millisecond across processes, exactly within one
 * (the counter), so "oldest first" / "newest first" by id needs no extra column. The
 * ids are plain lowercase hex with dashes, valid store ids everywhere.
 */
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

export function timeOrderedId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    // 12 counter bits used up within one millisecond: borrow the next one.
    if (counter > 0xfff) {
      ms = ++lastMs;
      counter = 0;
    }
  } else {
    // Start low so that many ids fit into one millisecond, but not at 0 (less guessable).
    counter = randomBytes(1)[0] ?? 0;
  }
  lastMs = ms;
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
