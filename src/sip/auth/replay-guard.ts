/**
 * Remembers, for each nonce that authenticated a request, the highest nonce-count
 * seen, so a captured request cannot be replayed: RFC 7616 §3.3 ("the server can
 * detect request replays by maintaining its own copy of this count — if the same
 * nc-value is seen twice, then the request is a replay") and §5.5.
 *
 * Bounded: at most `capacity` nonces, least recently used dropped first. Dropping a
 * nonce that is still within its lifetime would let its old counts be replayed, so
 * the guard keeps a watermark — the newest issue time among the live nonces it
 * dropped — and refuses any nonce it does not know that was issued at or before it.
 * (Such a client gets `stale=true` and simply retries with a new nonce.) Under normal
 * load (fewer than `capacity` authentications per nonce lifetime) nothing live is
 * ever dropped.
 */
export class ReplayGuard {
  /** nonce → highest nc and issue time; Map order is the LRU order (oldest first). */
  private readonly seen = new Map<string, { nc: number; issuedAt: number }>();
  private watermark = -Infinity;

  constructor(
    readonly capacity: number,
    private readonly ttlMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('ReplayGuard capacity must be a positive integer');
  }

  /**
   * Accept (and remember) nc for a nonce issued at `issuedAt`, or refuse it as a
   * replay: an nc not above the highest already seen, or a forgotten nonce.
   */
  accept(nonce: string, issuedAt: number, nc: number, now: number): boolean {
    const entry = this.seen.get(nonce);
    if (entry) {
      if (nc <= entry.nc) return false;
      this.seen.delete(nonce);
      this.seen.set(nonce, { nc, issuedAt });
      return true;
    }
    if (issuedAt <= this.watermark) return false;
    this.seen.set(nonce, { nc, issuedAt });
    while (this.seen.size > this.capacity) {
      const oldest = this.seen.entries().next().value;
      if (oldest === undefined) break;
      const [key, e] = oldest;
      this.seen.delete(key);
      // An expired nonce is refused anyway; only a live one needs the watermark.
      if (now - e.issuedAt <= this.ttlMs && e.issuedAt > this.watermark) this.watermark = e.issuedAt;
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
