import { parseBoundedInt, trimWs } from '../message/charset.js';
import { parseParams, splitList } from '../message/params.js';
import type { SipRequest } from '../message/types.js';

/**
 * The headers of SIP events (RFC 6665 §8.2): Event, Expires, Subscription-State, Accept.
 */

/** An Event header value: the package and its `id` (RFC 6665 §8.2.1). */
export interface EventValue {
  /** Lower-cased event-type, e.g. `message-summary`. */
  readonly package: string;
  /** The `id` parameter (a token, compared case-sensitively), or null. */
  readonly id: string | null;
}

/**
 * Parse an Event header. A SUBSCRIBE without one is read as a subscription to PINT
 * events (RFC 6665 §4.2.3, PINT compatibility): returned as such, so it gets 489.
 * Null when the value does not parse.
 */
export function parseEvent(value: string | undefined): EventValue | null {
  if (value === undefined) return { package: 'pint', id: null };
  const semi = value.indexOf(';');
  const pkg = trimWs(semi < 0 ? value : value.slice(0, semi)).toLowerCase();
  if (!/^[a-z0-9!%*_+`'~.-]+$/.test(pkg)) return null;
  if (semi < 0) return { package: pkg, id: null };
  const p = parseParams(value, semi);
  if (!p.ok) return null;
  return { package: pkg, id: p.value.params.get('id') ?? null };
}

/** The Event header we write: the package, with the subscription's id if it had one. */
export function formatEvent(e: EventValue): string {
  return e.id === null ? e.package : `${e.package};id=${e.id}`;
}

/** Largest Expires we read (RFC 3261 §20.19: delta-seconds up to 2^32-1). */
const MAX_DELTA_SECONDS = 0xffffffff;

/**
 * The Expires of a SUBSCRIBE in seconds (RFC 6665 §3.1.1, RFC 3261 §20.19): the number,
 * `fallback` when absent, or 'invalid' when it is not a delta-seconds.
 */
export function requestedExpires(req: SipRequest, fallback: number): number | 'invalid' {
  const v = req.headers.get('expires');
  if (v === undefined) return fallback;
  const n = parseBoundedInt(trimWs(v), MAX_DELTA_SECONDS);
  return n === null ? 'invalid' : n;
}

/** Why a subscription ends, as the Subscription-State `reason` (RFC 6665 §4.1.3). */
export type TerminationReason = 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource' | 'invariant';

/** `active;expires=N` or `terminated;reason=R[;retry-after=S]` (RFC 6665 §8.2.3, §4.1.3). */
export function subscriptionStateValue(state: { active: true; expires: number } | { active: false; reason: TerminationReason; retryAfter?: number }): string {
  if (state.active) return `active;expires=${String(state.expires)}`;
  return `terminated;reason=${state.reason}${state.retryAfter !== undefined ? `;retry-after=${String(state.retryAfter)}` : ''}`;
}

/**
 * Whether the Accept fields of a SUBSCRIBE allow `type` (RFC 6665 §4.2.1.1: 406 when
 * the notifier cannot produce an accepted body; no Accept means the package's default).
 */
export function acceptsType(req: SipRequest, type: string): boolean {
  const fields = req.headers.getAll('accept');
  if (fields.length === 0) return true;
  const [major] = type.split('/', 1);
  for (const f of fields) {
    if (trimWs(f) === '') continue;
    const parts = splitList(f);
    if (!parts.ok) continue;
    for (const p of parts.value) {
      const t = trimWs(p.split(';', 1)[0]!).toLowerCase();
      if (t === type || t === `${major ?? ''}/*` || t === '*/*') return true;
    }
  }
  return false;
}

/** The Expires granted to a SUBSCRIBE, or the response that refuses it. */
export type ExpiresDecision =
  | { readonly ok: true; readonly seconds: number }
  | { readonly ok: false; readonly status: 400 | 423; readonly reason?: string; readonly headers: readonly (readonly [string, string])[] };

/**
 * RFC 6665 §4.2.1.1: the notifier may shorten the duration (to `maxS`) but must not
 * lengthen it, so a non-zero Expires below `minS` gets 423 Interval Too Brief with
 * Min-Expires; 0 stays 0 (unsubscribe, or a fetch: §4.4.3). Absent: `defaultS`.
 */
export function grantExpires(req: SipRequest, defaultS: number, minS: number, maxS: number): ExpiresDecision {
  const r = requestedExpires(req, defaultS);
  if (r === 'invalid') return { ok: false, status: 400, reason: 'Bad Expires', headers: [] };
  if (r > 0 && r < minS) return { ok: false, status: 423, headers: [['Min-Expires', String(minS)]] };
  return { ok: true, seconds: Math.min(r, maxS) };
}

/** Our Contact for a flow (`<sip:user@host:port;transport=tcp>`), user as on the wire. */
export function contactValue(me: { transport: string; host: string; port: number }, user: string | null): string {
  const hostText = me.host.includes(':') ? `[${me.host}]` : me.host;
  return `<sip:${user ? `${user}@` : ''}${hostText}:${String(me.port)}${me.transport === 'tcp' ? ';transport=tcp' : ''}>`;
}

/**
 * Reason phrases of the codes SIP events add, missing from the core table
 * (message/reason-phrases.ts): 489 (RFC 6665 §8.3.2) and 423 (RFC 3261 §21.4.17).
 */
export function eventReasonPhrase(status: number): string | undefined {
  return status === 489 ? 'Bad Event' : status === 423 ? 'Interval Too Brief' : undefined;
}
