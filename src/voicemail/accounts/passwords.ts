/**
 * Passwords of web and API users: checked for length only (NIST SP 800-63B: length
 * matters, composition rules do not), stored as argon2id with the same OWASP
 * parameters as PINs (src/voicemail/pin.ts). A password never appears in an error,
 * a log line or any output: the rule is reported, never the value.
 */
import { hash, verify } from '@node-rs/argon2';
import type { Result } from '../../shared/result.js';
import { err, ok } from '../../shared/result.js';
import { PIN_HASH_OPTIONS } from '../pin.js';

export const PASSWORD_MIN = 10;
/** argon2 takes any length; the cap keeps one login request from costing more than a normal one. */
export const PASSWORD_MAX = 256;
export const PASSWORD_RULE = `must be ${String(PASSWORD_MIN)}–${String(PASSWORD_MAX)} characters`;

/** Length in code points, so a passphrase in Cyrillic counts like one in Latin letters. */
export function validatePassword(password: string): Result<string, string> {
  if (typeof password !== 'string') return err(PASSWORD_RULE);
  const length = [...password].length;
  return length >= PASSWORD_MIN && length <= PASSWORD_MAX ? ok(password) : err(PASSWORD_RULE);
}

/** The argon2id PHC string (fresh random salt). Throws RangeError for a password that breaks the rule: callers validate first. */
export async function hashPassword(password: string): Promise<string> {
  if (!validatePassword(password).ok) throw new RangeError(`hashPassword: the password ${PASSWORD_RULE}`);
  return hash(password, PIN_HASH_OPTIONS);
}

/** Whether `password` matches; a malformed hash or an out-of-rule password is a mismatch, never an exception. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (!validatePassword(password).ok) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the time of one verification against a hash nobody's password matches, so
 * that a login for an unknown user takes as long as one with a wrong password and the
 * answer time does not tell which logins exist.
 */
export async function verifyDummy(password: string): Promise<false> {
  dummyHash ??= hash('voxmail-timing-equaliser', PIN_HASH_OPTIONS);
  try {
    await verify(await dummyHash, password.length > 0 ? password : 'x');
  } catch {
    // Equal timing only; the answer is always "no".
  }
  return false;
}
