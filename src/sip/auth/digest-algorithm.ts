import { createHash } from 'node:crypto';

/**
 * The digest algorithms we verify: SHA-256 (preferred) and MD5 (what most SIP phones
 * still send). The `-sess` variants and SHA-512-256 are not offered, so credentials
 * using them are refused.
 * @see RFC 8760 §2.1 (algorithms for SIP), RFC 7616 §3.4.1–§3.4.3 (computations)
 */
export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'SHA-256': 'sha256', MD5: 'md5' };

/** Length of the hex digest (`response=`) for each algorithm. */
export const DIGEST_HEX_LENGTH: Readonly<Record<DigestAlgorithm, number>> = { 'SHA-256': 64, MD5: 32 };

/** The algorithm named in a challenge or credentials (case-insensitive), or null. */
export function digestAlgorithmOf(name: string): DigestAlgorithm | null {
  const upper = name.toUpperCase();
  return upper === 'SHA-256' ? 'SHA-256' : upper === 'MD5' ? 'MD5' : null;
}

/**
 * H(data) as lower-case hex. Strings are hashed as given bytes: callers pass latin1
 * strings of wire bytes (`wire: true`) or JS text to encode as UTF-8.
 */
export function digestHash(algorithm: DigestAlgorithm, parts: readonly DigestPart[]): string {
  const h = createHash(NODE_HASH[algorithm]);
  parts.forEach((p, i) => {
    if (i > 0) h.update(':', 'latin1');
    if (typeof p === 'string') h.update(p, 'latin1');
    else h.update(p.text, 'utf8');
  });
  return h.digest('hex');
}

/** One colon-separated field of a digest input: wire text (latin1) or UTF-8 text. */
export type DigestPart = string | { readonly text: string };

/** Inputs of a qop=auth digest response. */
export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  /** Wire bytes (latin1 string), as in the `username` directive. */
  readonly username: string;
  /** Wire bytes (latin1 string). */
  readonly realm: string;
  /** The user's password (JS text, hashed as UTF-8). */
  readonly password: string;
  readonly method: string;
  /** The `uri` directive (digest-uri-value). */
  readonly uri: string;
  readonly nonce: string;
  /** 8 hex digits, as sent. */
  readonly nc: string;
  readonly cnonce: string;
  readonly qop: 'auth';
}

/** HA1 = H(username ":" realm ":" password) — RFC 7616 §3.4.2 (non-session variant). */
export function digestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, [username, realm, { text: password }]);
}

/**
 * The expected `response` for qop=auth:
 *
 *   response = KD( H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2) )
 *   A1 = username ":" realm ":" password      A2 = method ":" digest-uri
 *   KD(secret, data) = H(secret ":" data)
 *
 * @see RFC 7616 §3.4.1, §3.4.2, §3.4.3; RFC 3261 §22.4; RFC 8760 §2.2 (hex form)
 */
export function digestResponse(input: DigestInput): string {
  const ha1 = digestHa1(input.algorithm, input.username, input.realm, input.password);
  return digestResponseFromHa1(input.algorithm, ha1, input);
}

/** The same, from a stored HA1 (so a password store may keep H(A1) instead of the password). */
export function digestResponseFromHa1(
  algorithm: DigestAlgorithm,
  ha1: string,
  input: Pick<DigestInput, 'method' | 'uri' | 'nonce' | 'nc' | 'cnonce' | 'qop'>,
): string {
  const ha2 = digestHash(algorithm, [input.method, input.uri]);
  return digestHash(algorithm, [ha1, input.nonce, input.nc, input.cnonce, input.qop, ha2]);
}
