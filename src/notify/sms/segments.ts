/**
 * Splits an SMS text into what goes into submit_sm PDUs: the coding (GSM 7-bit when every
 * character allows it, else UCS-2) and one or more parts.
 *
 * The user data of one SMS is 140 octets (3GPP TS 23.040 §9.2.3.16): 160 septets or 70
 * UCS-2 characters. A longer text is sent as a concatenated SMS: every part starts with a
 * User Data Header holding the 8-bit-reference concatenation element (TS 23.040
 * §9.2.3.24.1: UDHL 05, IEI 00, length 03, reference, total, sequence), which leaves
 * 134 octets: 153 septets (the 6 UDH octets are 48 bits, padded to 7 septets) or 67
 * UCS-2 characters. In SMPP the UDH is the start of short_message and esm_class has the
 * UDHI bit 0x40 (SMPP 3.4 §5.2.12).
 *
 * UCS-2 is sent as UTF-16BE: a character outside the BMP (emoji) is a surrogate pair and
 * is never split across parts, nor is an extension character's ESC from its code in
 * 7-bit, so every part decodes on its own.
 */
import { err, ok, type Result } from '../../shared/result.js';
import { encodeGsm7Unpacked, gsm7CharSeptets, gsm7Septets } from './gsm7.js';

export type SmsCoding = 'gsm7' | 'ucs2';

/** SMPP data_coding (SMPP 3.4 §5.2.19): 0x00 SMSC default alphabet (GSM 7-bit here), 0x08 UCS2. */
export const DATA_CODING: Readonly<Record<SmsCoding, number>> = { gsm7: 0x00, ucs2: 0x08 };

/** esm_class UDHI: short_message starts with a User Data Header (SMPP 3.4 §5.2.12). */
export const ESM_CLASS_UDHI = 0x40;

/** Units (septets or UTF-16 code units) of a single SMS and of one part of a concatenated one. */
export const SMS_LIMITS: Readonly<Record<SmsCoding, { readonly single: number; readonly part: number }>> = {
  gsm7: { single: 160, part: 153 },
  ucs2: { single: 70, part: 67 },
};

/** The concatenation reference and counters are one octet each (TS 23.040 §9.2.3.24.1). */
export const MAX_PARTS = 255;

export interface SmsPart {
  readonly text: string;
  /** The 6-octet concatenation header, or null for a single SMS. */
  readonly udh: Buffer | null;
  /** What goes into submit_sm's short_message: UDH (if any) + encoded text. */
  readonly shortMessage: Buffer;
}

export interface SegmentedSms {
  readonly coding: SmsCoding;
  readonly dataCoding: number;
  /** 0x00, or ESM_CLASS_UDHI for the parts of a concatenated SMS. */
  readonly esmClass: number;
  readonly parts: readonly SmsPart[];
}

/** GSM 7-bit when the whole text fits the alphabet (TS 23.038 §6.2.1), else UCS-2. */
export function chooseCoding(text: string): SmsCoding {
  return gsm7Septets(text) === null ? 'ucs2' : 'gsm7';
}

function units(char: string, coding: SmsCoding): number {
  // A code point outside the BMP is two UTF-16 code units: a surrogate pair.
  return coding === 'ucs2' ? char.length : (gsm7CharSeptets(char) ?? 1);
}

/** The texts of the parts, cut only between whole characters (surrogate pairs, ESC sequences). */
export function splitSmsText(text: string, coding: SmsCoding): string[] {
  const limits = SMS_LIMITS[coding];
  let total = 0;
  for (const char of text) total += units(char, coding);
  if (total <= limits.single) return [text];
  const parts: string[] = [];
  let current = '';
  let used = 0;
  for (const char of text) {
    const cost = units(char, coding);
    if (used + cost > limits.part) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += cost;
  }
  if (current !== '') parts.push(current);
  return parts;
}

export function encodeUcs2(text: string): Buffer {
  // UTF-16LE from Node, byte-swapped to the big-endian order of TS 23.038 §6.2.3.
  return Buffer.from(text, 'utf16le').swap16();
}

export function decodeUcs2(octets: Buffer): string {
  return Buffer.from(octets).swap16().toString('utf16le');
}

/** The 8-bit-reference concatenation UDH: 05 00 03 ref total seq. */
export function concatUdh(reference: number, total: number, seq: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq]);
}

/**
 * Encodes `text` into parts. `reference` (0–255) must differ between the concatenated
 * messages a phone may be reassembling at the same time; the sender counts it per message.
 */
export function segmentSms(text: string, reference: number): Result<SegmentedSms, string> {
  if (!Number.isInteger(reference) || reference < 0 || reference > 255) return err(`concatenation reference must be 0–255 (got ${String(reference)})`);
  const coding = chooseCoding(text);
  const texts = splitSmsText(text, coding);
  if (texts.length > MAX_PARTS) return err(`text too long for one SMS: ${String(texts.length)} parts (at most ${String(MAX_PARTS)})`);
  const encode = coding === 'gsm7' ? encodeGsm7Unpacked : encodeUcs2;
  const multi = texts.length > 1;
  const parts = texts.map((t, i): SmsPart => {
    const udh = multi ? concatUdh(reference, texts.length, i + 1) : null;
    const body = encode(t);
    return { text: t, udh, shortMessage: udh ? Buffer.concat([udh, body]) : body };
  });
  return ok({ coding, dataCoding: DATA_CODING[coding], esmClass: multi ? ESM_CLASS_UDHI : 0x00, parts });
}
