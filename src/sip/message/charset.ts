/**
 * Character classes of the RFC 3261 §25.1 grammar as 256-entry lookup tables.
 * Header text is handled as latin1 strings (one char per byte), so a table lookup by
 * `charCodeAt` is exact and cheap on the hot path.
 */

function table(chars: string, ranges: readonly [number, number][] = []): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: [number, number][] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);

/** Characters of a URI's user part: unreserved / escaped / user-unreserved. */
export const USER = table("-_.!~*'()%&=+$,;?/", ALNUM);

/** Characters of a URI's password: unreserved / escaped / "&" / "=" / "+" / "$" / ",". */
export const PASSWORD = table("-_.!~*'()%&=+$,", ALNUM);

/** hostname / IPv4 characters (underscore tolerated: real systems send it). */
export const HOST = table('-._', ALNUM);

/** IPv6reference content (hex, ':', '.' for an embedded IPv4 tail). */
export const IPV6 = table(':.', [
  [0x30, 0x39],
  [0x41, 0x46],
  [0x61, 0x66],
]);

/** paramchar = param-unreserved / unreserved / escaped (URI parameters). */
export const PARAMCHAR = table("[]/:&+$-_.!~*'()%", ALNUM);

/** Header parameter values: token, host (incl. IPv6 with or without brackets). */
export const GEN_VALUE = table("-.!%*_+`'~:[]", ALNUM);

/** URI header part characters (`?h=v&h2=v2`). */
export const URI_HEADERS = table("[]/?:+$-_.!~*'()%&=", ALNUM);

/** A scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
export const SCHEME = table('+-.', ALNUM);

export const DIGIT = table('', [[0x30, 0x39]]);

export function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** True if every char of s[from..to) is in the table (and the range is non-empty). */
export function allIn(t: Uint8Array, s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c > 255 || t[c] !== 1) return false;
  }
  return true;
}

/** Index of the first non-SP/HTAB char at or after i. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/** Trim SP/HTAB only (String.prototype.trim also strips other whitespace). */
export function trimWs(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** Parse a decimal made only of digits, refusing values above max (no float surprises). */
export function parseBoundedInt(s: string, max: number): number | null {
  if (s.length === 0 || s.length > 16) return null;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n <= max ? n : null;
}
