import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';

/**
 * Stateless nonces: the server keeps nothing per challenge. A nonce is 31 bytes,
 *
 *   +-------+------------------+-------------+------------------------------------------+
 *   | 0x01  | issued at, ms    | random      | HMAC-SHA-256(key, epoch | bytes 0..14)   |
 *   | 1 B   | 6 B, big-endian  | 8 B         | first 16 B                               |
 *   +-------+------------------+-------------+------------------------------------------+
 *
 * in base64url (42 characters). The timestamp is on the injected clock, which is
 * monotonic within one process, so nonces are only valid for the issuer's lifetime:
 * the MAC also covers a random per-instance `epoch`, and the replay memory
 * (ReplayGuard) is not persisted either, so a nonce captured before a restart can
 * never be replayed after it. The random part keeps two nonces issued in the same
 * millisecond apart.
 * @see RFC 7616 §3.3 (nonce: "time-stamp H(time-stamp ":" ETag ":" secret-data)"), §5.4–§5.5
 */
export class NonceIssuer {
  private readonly epoch = randomBytes(8);

  constructor(
    private readonly key: Buffer,
    private readonly clock: Clock,
    readonly ttlMs: number,
  ) {}

  issue(): string {
    const body = Buffer.alloc(BODY_BYTES);
    body[0] = VERSION;
    body.writeUIntBE(Math.max(0, Math.floor(this.clock.now())), 1, 6);
    randomBytes(8).copy(body, 7);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /**
   * `fresh` (ours, within its lifetime), `expired` (ours, too old), or `unknown` (not
   * made by this issuer: forged, mangled, or from before a restart).
   */
  check(nonce: string): { status: 'fresh' | 'expired'; issuedAt: number } | { status: 'unknown' } {
    if (nonce.length !== NONCE_CHARS || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { status: 'unknown' };
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== BODY_BYTES + MAC_BYTES || raw[0] !== VERSION) return { status: 'unknown' };
    const body = raw.subarray(0, BODY_BYTES);
    if (!timingSafeEqual(this.mac(body), raw.subarray(BODY_BYTES))) return { status: 'unknown' };
    const issuedAt = body.readUIntBE(1, 6);
    const age = this.clock.now() - issuedAt;
    // A nonce from the future cannot be ours (the clock is monotonic): treat it as unknown.
    if (age < -1) return { status: 'unknown' };
    return { status: age <= this.ttlMs ? 'fresh' : 'expired', issuedAt };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.key).update(this.epoch).update(body).digest().subarray(0, MAC_BYTES);
  }
}

const VERSION = 1;
const BODY_BYTES = 1 + 6 + 8;
const MAC_BYTES = 16;
const NONCE_CHARS = Math.ceil(((BODY_BYTES + MAC_BYTES) * 4) / 3);
