import { err, ok, type Result } from '../../shared/result.js';
import { GEN_VALUE, TOKEN, isWsp, skipWs } from './charset.js';

/** Header parameters, lower-cased names → value (null for a flag), insertion order kept. */
export type HeaderParams = Map<string, string | null>;

/**
 * Parse `*( SEMI generic-param )` from s[i..], with the LWS that SEMI and EQUAL allow.
 * generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string.
 * Stops at end of string, or at a top-level ',' when `stopAtComma` (list headers).
 * @see RFC 3261 §25.1
 */
export function parseParams(s: string, i: number, stopAtComma = false): Result<{ params: HeaderParams; end: number }> {
  const params: HeaderParams = new Map();
  i = skipWs(s, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x2c && stopAtComma) break;
    if (c !== 0x3b) return err(`unexpected "${s[i]}" where a ";" parameter was expected`);
    i = skipWs(s, i + 1);
    const nameStart = i;
    while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === nameStart) return err('empty parameter name');
    const name = s.slice(nameStart, i).toLowerCase();
    i = skipWs(s, i);
    let value: string | null = null;
    if (s.charCodeAt(i) === 0x3d /* = */) {
      i = skipWs(s, i + 1);
      if (s.charCodeAt(i) === 0x22) {
        const q = readQuoted(s, i);
        if (!q.ok) return q;
        value = s.slice(i, q.value.end);
        i = q.value.end;
      } else {
        const vs = i;
        while (i < s.length && GEN_VALUE[s.charCodeAt(i)] === 1) i++;
        if (i === vs) return err(`parameter "${name}" has an empty value`);
        value = s.slice(vs, i);
      }
      i = skipWs(s, i);
    }
    params.set(name, value);
  }
  return ok({ params, end: i });
}

/**
 * Read a quoted-string starting at s[i] === '"'. Returns the unescaped text and the
 * index after the closing quote. quoted-pair escapes any octet but CR/LF.
 * @see RFC 3261 §25.1 (quoted-string, quoted-pair)
 */
export function readQuoted(s: string, i: number): Result<{ text: string; end: number }> {
  let text = '';
  let j = i + 1;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return ok({ text, end: j + 1 });
    if (c === 0x5c /* \ */) {
      if (j + 1 >= s.length) break;
      const n = s.charCodeAt(j + 1);
      if (n === 0x0d || n === 0x0a) return err('quoted-pair escapes CR or LF');
      text += s[j + 1];
      j += 2;
      continue;
    }
    if (c === 0x0d || c === 0x0a) return err('quoted string holds CR or LF');
    text += s[j];
    j++;
  }
  return err('quoted string is not terminated');
}

/**
 * Split a header value into its comma-separated elements, ignoring commas inside
 * quoted strings and <...>. Elements are SP/HTAB-trimmed; an empty element is an error.
 * @see RFC 3261 §7.3.1
 */
export function splitList(s: string): Result<string[]> {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const q = readQuoted(s, i);
      if (!q.ok) return q;
      i = q.value.end;
      continue;
    }
    if (c === 0x3c) depth++;
    else if (c === 0x3e && depth > 0) depth--;
    else if (c === 0x2c && depth === 0) {
      const part = trimSp(s.slice(start, i));
      if (part.length === 0) return err('empty element in a comma-separated list');
      out.push(part);
      start = i + 1;
    }
    i++;
  }
  const last = trimSp(s.slice(start));
  if (last.length === 0) return err('empty element in a comma-separated list');
  out.push(last);
  return ok(out);
}

function trimSp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** Write params back as `;name=value;flag`. */
export function formatParams(params: ReadonlyMap<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
