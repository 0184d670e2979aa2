/**
 * SMPP addresses with their type of number and numbering plan (SMPP 3.4 §5.2.5–5.2.6).
 * An E.164 number "+79161234567" goes as TON 1 (international), NPI 1 (ISDN/E.164) and
 * the digits without "+"; a number without "+" as TON 0 (unknown), NPI 1, for the SMSC
 * to interpret; a sender name such as "Voxmail" as TON 5 (alphanumeric), NPI 0, at most
 * 11 characters (3GPP TS 23.040 §9.1.2.5 fits 11 GSM characters in the address field).
 */
import { err, ok, type Result } from '../../shared/result.js';

export const TON = { unknown: 0, international: 1, alphanumeric: 5 } as const;
export const NPI = { unknown: 0, isdn: 1 } as const;

export interface SmppAddress {
  readonly ton: number;
  readonly npi: number;
  readonly addr: string;
}

/** The destination of submit_sm; `number` is already normalised (digits, optional "+"). */
export function destinationAddress(number: string): SmppAddress {
  return number.startsWith('+') ? { ton: TON.international, npi: NPI.isdn, addr: number.slice(1) } : { ton: TON.unknown, npi: NPI.isdn, addr: number };
}

/**
 * The configured source: empty (the SMSC fills in the account's default), a number, or
 * an alphanumeric sender name.
 */
export function sourceAddress(source: string | undefined): Result<SmppAddress, string> {
  const s = (source ?? '').trim();
  if (s === '') return ok({ ton: TON.unknown, npi: NPI.unknown, addr: '' });
  if (/^\+[0-9]{3,15}$/.test(s)) return ok({ ton: TON.international, npi: NPI.isdn, addr: s.slice(1) });
  if (/^[0-9]{2,15}$/.test(s)) return ok({ ton: TON.unknown, npi: NPI.isdn, addr: s });
  if (/^[A-Za-z0-9 ._-]{1,11}$/.test(s)) return ok({ ton: TON.alphanumeric, npi: NPI.unknown, addr: s });
  return err(`sourceAddr must be a number (+ and up to 15 digits) or a sender name of at most 11 Latin letters, digits, space . _ - (got ${JSON.stringify(s)})`);
}
