/**
 * Random secrets and their stored form. Session ids and API tokens are 256 random
 * bits; the store keeps only their SHA-256, which is enough for secrets with that much
 * entropy (no salt or slow hash is needed: nobody can guess a 256-bit value, and the
 * hash stops a copy of the database from being used to log in).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_PREFIX = 'vxm_';
/** `vxm_` + 43 base64url characters (32 bytes). */
const API_TOKEN_SHAPE = /^vxm_[A-Za-z0-9_-]{43}$/;
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

export function newSessionId(): string {
  return randomSecret();
}

export function isSessionIdShape(value: string): boolean {
  return SESSION_ID_SHAPE.test(value);
}

export interface NewTokenSecret {
  /** Shown once, to the person who created it. */
  readonly token: string;
  readonly hash: string;
  /** `vxm_` and the next 8 characters: enough to tell tokens apart in a list, useless to log in. */
  readonly prefix: string;
}

export function newApiToken(): NewTokenSecret {
  const token = `${API_TOKEN_PREFIX}${randomSecret()}`;
  return { token, hash: sha256Hex(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 8) };
}

export function isApiTokenShape(value: string): boolean {
  return API_TOKEN_SHAPE.test(value);
}

/**
 * The CSRF token of a session: derived from the session id (domain-separated hash), so
 * it needs no storage, changes with every login, and cannot be computed from the
 * database (which holds only SHA-256 of the bare id).
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`voxmail-csrf:${sessionId}`, 'utf8').digest('base64url');
}

/** Constant-time comparison of two strings (different lengths are simply unequal). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
