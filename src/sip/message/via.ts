import { err, ok, type Result } from '../../shared/result.js';
import { DIGIT, HOST, IPV6, TOKEN, parseBoundedInt, skipWs } from './charset.js';
import { parseParams, type HeaderParams } from './params.js';

/**
 * One Via value:
 *
 *   SIP / 2.0 / UDP  sent-by-host [ : port ] *( ; via-param )
 *
 * SLASH and COLON allow LWS around them (RFC 4475 §3.1.1.1 uses it).
 * @see RFC 3261 §20.42, §25.1; RFC 3581 (rport)
 */
export interface Via {
  /** Upper-cased transport token: UDP, TCP, TLS, SCTP, WS, or any extension. */
  readonly transport: string;
  /** As written; IPv6 keeps brackets. */
  readonly host: string;
  readonly port: number | null;
  readonly params: HeaderParams;
  readonly branch: string | null;
}

export const MAGIC_COOKIE = 'z9hG4bK';

export function parseVia(s: string): Result<Via> {
  let i = skipWs(s, 0);
  const parts: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      i = skipWs(s, i);
      if (s.charCodeAt(i) !== 0x2f) return err('Via sent-protocol is not NAME/VERSION/TRANSPORT');
      i = skipWs(s, i + 1);
    }
    const st = i;
    while (i < s.length && TOKEN[s.charCodeAt(i)] === 1) i++;
    if (i === st) return err('Via sent-protocol has an empty part');
    parts.push(s.slice(st, i));
  }
  if (parts[0]!.toUpperCase() !== 'SIP' || parts[1] !== '2.0') return err('Via protocol is not SIP/2.0');
  const afterProto = i;
  i = skipWs(s, i);
  if (i === afterProto) return err('Via needs whitespace before sent-by');

  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0 || !s.slice(i + 1, close).includes(':')) return err('Via IPv6 sent-by is not valid');
    for (let j = i + 1; j < close; j++) if (IPV6[s.charCodeAt(j)] !== 1) return err('Via IPv6 sent-by is not valid');
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const st = i;
    while (i < s.length && HOST[s.charCodeAt(i)] === 1) i++;
    if (i === st) return err('Via sent-by host is missing');
    host = s.slice(st, i);
  }
  let port: number | null = null;
  const beforeColon = i;
  i = skipWs(s, i);
  if (s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1);
    const st = i;
    while (i < s.length && DIGIT[s.charCodeAt(i)] === 1) i++;
    port = parseBoundedInt(s.slice(st, i), 65535);
    if (port === null) return err('Via port is not a number 0–65535');
  } else {
    i = beforeColon;
  }
  const p = parseParams(s, i);
  if (!p.ok) return err(`Via: ${p.error}`);
  const branch = p.value.params.get('branch');
  if (branch === null) return err('Via branch has no value');
  return ok({ transport: parts[2]!.toUpperCase(), host, port, params: p.value.params, branch: branch ?? null });
}

/** Serialize a Via value (used when we add `received`/`rport` or build our own Via). */
export function formatVia(v: Via): string {
  let out = `SIP/2.0/${v.transport} ${v.host}`;
  if (v.port !== null) out += `:${v.port}`;
  for (const [k, val] of v.params) out += val === null ? `;${k}` : `;${k}=${val}`;
  return out;
}
