import { ok, type Result } from '../../shared/result.js';
import { parseBoundedInt } from './charset.js';
import type { NameAddr } from './name-addr.js';
import { parseNameAddrList, unquoteParam } from './name-addr-list.js';

/**
 * RFC 5806 Diversion, as PBXs and carriers send it:
 *
 *   Diversion: <sip:+74951234567@pbx.example.com;user=phone>;reason=no-answer;counter=1;privacy=off,
 *              <sip:100@pbx.example.com>;reason=user-busy;counter=1
 *
 *   Diversion        = "Diversion" HCOLON diversion-params *(COMMA diversion-params)
 *   diversion-params = name-addr *(SEMI (diversion-reason / diversion-counter /
 *                      diversion-limit / diversion-privacy / diversion-screen /
 *                      diversion-extension))
 *   diversion-reason = "reason" EQUAL ("unknown" / "user-busy" / "no-answer" /
 *                      "unavailable" / "unconditional" / "time-of-day" /
 *                      "do-not-disturb" / "deflection" / "follow-me" /
 *                      "out-of-service" / "away" / token / quoted-string)
 *   diversion-counter = "counter" EQUAL 1*2DIGIT     (also limit)
 *   diversion-privacy = "privacy" EQUAL ("full" / "name" / "uri" / "off" / token / quoted-string)
 *   diversion-screen  = "screen" EQUAL ("yes" / "no" / token / quoted-string)
 *
 * Order: each diverting proxy adds its entry ABOVE the ones already there, so the
 * list is newest first — the FIRST entry is the last diversion (the party whose
 * phone sent the call on, e.g. to voicemail) and the LAST entry is the first
 * diversion, whose address is the original called number. (RFC 7544, which maps
 * Diversion to History-Info, reverses it: History-Info is chronological.) `counter` says how
 * many diversions one entry stands for when a proxy folded several into it.
 * @see RFC 5806 §4 (syntax, as corrected by erratum 3177), RFC 7544
 */
export interface DiversionEntry {
  /** The diverting party: display name, URI, and every parameter as written. */
  readonly nameAddr: NameAddr;
  /** Lower-cased, unquoted `reason` (`user-busy`, `no-answer`, ... or a vendor token), or null. */
  readonly reason: string | null;
  readonly counter: number | null;
  readonly limit: number | null;
  /** Lower-cased, unquoted `privacy` (`full`, `name`, `uri`, `off`), or null. */
  readonly privacy: string | null;
  /** Lower-cased, unquoted `screen` (`yes`, `no`), or null. */
  readonly screen: string | null;
}

/** Diversion entries we accept in one request (RFC 5806 counters stop at 99). */
export const MAX_DIVERSION_ENTRIES = 32;

/**
 * Parse every Diversion field of a request (`headers.getAll('diversion')`), newest
 * first as on the wire. An error when any entry is malformed: entry positions carry
 * meaning, so a list with a hole in it is not used at all. Never throws.
 */
export function parseDiversion(fields: readonly string[], maxEntries = MAX_DIVERSION_ENTRIES): Result<DiversionEntry[]> {
  const list = parseNameAddrList(fields, maxEntries);
  if (!list.ok) return list;
  return ok(
    list.value.map((na) => ({
      nameAddr: na,
      reason: lower(unquoteParam(na.params.get('reason'))),
      counter: count(na.params.get('counter')),
      limit: count(na.params.get('limit')),
      privacy: lower(unquoteParam(na.params.get('privacy'))),
      screen: lower(unquoteParam(na.params.get('screen'))),
    })),
  );
}

/** The last diversion (the diverting party nearest to us): the first entry. */
export function lastDiversion(entries: readonly DiversionEntry[]): DiversionEntry | null {
  return entries[0] ?? null;
}

/** The first diversion, whose address is the original called number: the last entry. */
export function firstDiversion(entries: readonly DiversionEntry[]): DiversionEntry | null {
  return entries[entries.length - 1] ?? null;
}

function lower(s: string | null): string | null {
  return s === null ? null : s.toLowerCase();
}

function count(v: string | null | undefined): number | null {
  const s = unquoteParam(v);
  return s === null ? null : parseBoundedInt(s, 99);
}
