/**
 * Mailbox PINs for the phone menu: checked against what callers may type, stored only as
 * an argon2id hash (PHC string), never as the PIN itself.
 *
 * Parameters are OWASP's minimum for argon2id (m = 19 MiB, t = 2, p = 1): about 20 ms per
 * hash on this machine class, cheap enough for a login over the phone, and each guess
 * costs an attacker with a stolen database the same. A 4-digit PIN still has only 10^4
 * values, so the phone menu must also limit attempts; the hash protects PINs reused
 * elsewhere, not the mailbox itself.
 */
import type { Algorithm } from '@node-rs/argon2';
import { hash, verify } from '@node-rs/argon2';
import type { Result } from '../shared/result.js';
import { err, ok } from '../shared/result.js';

/**
 * `Algorithm.Argon2id`. The package declares `Algorithm` as an ambient const enum, whose
 * members `verbatimModuleSyntax` forbids reading, so the value is written here; the type
 * annotation makes tsc refuse it if the package ever renumbers the enum.
 */
const ARGON2ID: Algorithm.Argon2id = 2;

/** OWASP Password Storage Cheat Sheet, argon2id minimum configuration. */
export const PIN_HASH_OPTIONS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export const PIN_MIN_DIGITS = 4;
export const PIN_MAX_DIGITS = 12;
export const PIN_RULE = `must be ${String(PIN_MIN_DIGITS)}–${String(PIN_MAX_DIGITS)} digits (0–9)`;

/**
 * Checks a PIN as typed on a keypad: 4–12 ASCII digits, nothing else. The error is the
 * rule (`must be 4–12 digits (0–9)`), never an echo of the PIN.
 */
export function validatePin(pin: string): Result<string, string> {
  const pattern = new RegExp(`^[0-9]{${String(PIN_MIN_DIGITS)},${String(PIN_MAX_DIGITS)}}$`);
  return pattern.test(pin) ? ok(pin) : err(PIN_RULE);
}

/** The argon2id PHC string of a valid PIN (a fresh random salt each time). */
export async function hashPin(pin: string): Promise<string> {
  const valid = validatePin(pin);
  // A programming error: callers validate first and report the rule to the user.
  if (!valid.ok) throw new RangeError(`hashPin: the PIN ${PIN_RULE}`);
  return hash(pin, PIN_HASH_OPTIONS);
}

/**
 * Whether `pin` matches `pinHash`. A malformed or foreign hash is a mismatch, not an
 * exception: the phone menu simply refuses the login.
 */
export async function verifyPin(pinHash: string, pin: string): Promise<boolean> {
  if (!validatePin(pin).ok) return false;
  try {
    return await verify(pinHash, pin);
  } catch {
    return false;
  }
}
