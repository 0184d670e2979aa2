/**
 * The webhook signature: `X-Voxmail-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
 * HMAC-SHA256(secret, "<t>.<raw body>") — the scheme Stripe made familiar, so integrators
 * can reuse code they already have. The timestamp is inside the MAC, so a captured request
 * cannot be replayed later under a fresh `t`; receivers reject an old `t` (5 minutes) and
 * de-duplicate by the delivery id (delivery is at least once).
 *
 * This module is also the reference verifier: integrators and our tests use
 * `verifyWebhookSignature`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far `t` may be from the receiver's clock (either way) before the request is refused. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The scheme tag; a future scheme gets a new tag and receivers ignore tags they do not know. */
const SCHEME = 'v1';
const HEX_SHA256 = /^[0-9a-f]{64}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** Hex HMAC-SHA256(secret, "<t>.<raw body>"). The body must be the exact bytes sent. */
export function computeSignature(secret: string, timestampSeconds: number, rawBody: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${String(timestampSeconds)}.`).update(rawBody).digest('hex');
}

/** The `X-Voxmail-Signature` value for `rawBody` signed at `timestampSeconds`. */
export function signatureHeader(secret: string, rawBody: string | Uint8Array, timestampSeconds: number): string {
  return `t=${String(timestampSeconds)},${SCHEME}=${computeSignature(secret, timestampSeconds, rawBody)}`;
}

interface ParsedHeader {
  readonly t: number;
  readonly v1: readonly string[];
}

/**
 * `t=…,v1=…[,v1=…]`. Several v1 are allowed (a sender rotating secrets may sign with
 * both); unknown keys are ignored; a missing or repeated `t` makes the header invalid.
 */
function parseHeader(header: string): ParsedHeader | null {
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== null || !UNIX_SECONDS.test(value)) return null;
      t = Number(value);
    } else if (key === SCHEME && HEX_SHA256.test(value)) {
      v1.push(value);
    }
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * True when `header` carries a v1 signature of `rawBody` by `secret` whose timestamp is
 * within `toleranceSeconds` of `nowSeconds` (past or future, for clock skew). The
 * comparison is constant-time, so the response time tells an attacker nothing about
 * how close a forged signature was. Pass the raw body bytes as received: re-serialising
 * parsed JSON changes them.
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | null | undefined,
  rawBody: string | Uint8Array,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  if (secret.length === 0 || !header || !Number.isFinite(nowSeconds)) return false;
  const parsed = parseHeader(header);
  if (!parsed || Math.abs(nowSeconds - parsed.t) > toleranceSeconds) return false;
  const expected = Buffer.from(computeSignature(secret, parsed.t, rawBody), 'hex');
  let match = false;
  // Every candidate is compared (no early exit) so timing does not depend on which matched.
  for (const candidate of parsed.v1) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) match = true;
  }
  return match;
}
