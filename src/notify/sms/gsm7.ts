/**
 * The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1 and
 * §6.2.1.1). A text is sent in 7-bit when every character is in one of them: 160
 * characters in one SMS instead of 70 in UCS-2. Characters of the extension table are
 * sent as ESC (0x1B) + code, so they cost two septets.
 *
 * Voxmail hands the SMSC one septet per octet ("unpacked", data_coding 0x00 in SMPP 3.4
 * §5.2.19); the SMSC packs them for the air interface (TS 23.038 §6.1.2.1).
 */

/** Code 0x00–0x7F of the default alphabet; 0x1B is the escape to the extension table, never a character. */
const DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table (TS 23.038 §6.2.1.1): character → code after ESC. */
const EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

export const GSM7_ESCAPE = 0x1b;

const BASIC = new Map<string, number>();
for (let i = 0; i < DEFAULT_ALPHABET.length; i++) {
  if (i !== GSM7_ESCAPE) BASIC.set(DEFAULT_ALPHABET.charAt(i), i);
}
const EXTENDED = new Map<string, number>(EXTENSION);
const EXTENDED_DECODE = new Map<number, string>(EXTENSION.map(([c, code]) => [code, c]));

if (DEFAULT_ALPHABET.length !== 128) throw new Error('GSM 7-bit default alphabet must have 128 entries');

/** Septets one character takes: 1 (default alphabet), 2 (extension table), or null (not in GSM 7-bit). */
export function gsm7CharSeptets(char: string): 1 | 2 | null {
  if (BASIC.has(char)) return 1;
  if (EXTENDED.has(char)) return 2;
  return null;
}

/** Septets the whole text takes in GSM 7-bit, or null when a character is not in the alphabet (then UCS-2 is used). */
export function gsm7Septets(text: string): number | null {
  let n = 0;
  for (const char of text) {
    const s = gsm7CharSeptets(char);
    if (s === null) return null;
    n += s;
  }
  return n;
}

/** One septet per octet (unpacked); the text must be GSM 7-bit (checked with gsm7Septets). */
export function encodeGsm7Unpacked(text: string): Buffer {
  const out: number[] = [];
  for (const char of text) {
    const basic = BASIC.get(char);
    if (basic !== undefined) {
      out.push(basic);
      continue;
    }
    const ext = EXTENDED.get(char);
    if (ext === undefined) throw new RangeError(`not a GSM 7-bit character: U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase()}`);
    out.push(GSM7_ESCAPE, ext);
  }
  return Buffer.from(out);
}

/**
 * Decodes unpacked septets. An ESC followed by a code the extension table lacks shows the
 * default-alphabet character, as TS 23.038 §6.2.1.1 asks receivers to do.
 */
export function decodeGsm7Unpacked(octets: Uint8Array): string {
  let out = '';
  for (let i = 0; i < octets.length; i++) {
    const code = (octets[i] ?? 0) & 0x7f;
    if (code === GSM7_ESCAPE && i + 1 < octets.length) {
      const next = (octets[++i] ?? 0) & 0x7f;
      out += EXTENDED_DECODE.get(next) ?? DEFAULT_ALPHABET.charAt(next);
      continue;
    }
    out += code === GSM7_ESCAPE ? ' ' : DEFAULT_ALPHABET.charAt(code);
  }
  return out;
}
