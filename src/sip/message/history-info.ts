import { err, ok, type Result } from '../../shared/result.js';
import type { NameAddr } from './name-addr.js';
import { parseNameAddrList } from './name-addr-list.js';
import { parseReason, type ReasonValue } from './reason-header.js';
import { uriHeaders } from './uri-headers.js';
import { uriCause } from './voicemail-uri.js';

/**
 * RFC 7044 History-Info: one entry per target the request was sent to, in the order
 * they were tried (chronological — the opposite of Diversion):
 *
 *   History-Info: <sip:bob@example.com>;index=1,
 *     <sip:bob@192.0.2.5?Reason=SIP%3Bcause%3D408%3Btext%3D%22Request%20Timeout%22>;index=1.1;rc=1,
 *     <sip:voicemail@example.com;target=sip:bob%40example.com;cause=408>;index=1.2;mp=1
 *
 *   History-Info = "History-Info" HCOLON hi-entry *(COMMA hi-entry)
 *   hi-entry     = hi-targeted-to-uri *(SEMI hi-param)
 *   hi-targeted-to-uri = name-addr
 *   hi-param     = hi-index / hi-target-param / hi-extension
 *   hi-index     = "index" EQUAL index-val
 *   index-val    = number *("." number)
 *   hi-target-param = rc-param / mp-param / np-param
 *   rc-param = "rc" EQUAL index-val    ; retargeted to a contact of the same user
 *   mp-param = "mp" EQUAL index-val    ; retargeted to another user (diversion)
 *   np-param = "np" EQUAL index-val    ; retargeted, no change of user
 *
 * Why a request was retargeted is said twice: a `cause` URI parameter (RFC 4458 codes)
 * in the NEW target's URI, and the response the OLD target gave, as a `Reason` header
 * escaped in the old target's URI. `Privacy=history` escaped in a URI marks that entry
 * private.
 * @see RFC 7044 §4 (syntax and parameters); RFC 3326 (Reason); RFC 4458 and RFC 8119 (cause)
 */
export interface HistoryInfoEntry {
  readonly nameAddr: NameAddr;
  /** `1.1.2` as written, or null when absent (RFC 4244-era senders). */
  readonly index: string | null;
  readonly rc: string | null;
  readonly mp: string | null;
  readonly np: string | null;
  /** The `cause` URI parameter of the targeted-to URI (a status code), or null. */
  readonly cause: number | null;
  /** The `Reason` header escaped in the targeted-to URI, or null. */
  readonly reason: ReasonValue | null;
  /** `Privacy=history` escaped in the targeted-to URI. */
  readonly privacy: boolean;
}

/** History-Info entries we accept in one request. */
export const MAX_HISTORY_INFO_ENTRIES = 64;
/** Index values longer than this are refused (a deep chain of 1.1.1... is a loop). */
const MAX_INDEX_CHARS = 64;
const INDEX_RE = /^[0-9]{1,5}(\.[0-9]{1,5})*$/;

/**
 * Parse every History-Info field of a request (`headers.getAll('history-info')`), in
 * wire order. An error when any entry is malformed, including a bad index / rc / mp /
 * np value. Never throws.
 */
export function parseHistoryInfo(fields: readonly string[], maxEntries = MAX_HISTORY_INFO_ENTRIES): Result<HistoryInfoEntry[]> {
  const list = parseNameAddrList(fields, maxEntries);
  if (!list.ok) return list;
  const out: HistoryInfoEntry[] = [];
  for (const na of list.value) {
    const idx: Record<'index' | 'rc' | 'mp' | 'np', string | null> = { index: null, rc: null, mp: null, np: null };
    for (const k of ['index', 'rc', 'mp', 'np'] as const) {
      const v = na.params.get(k);
      if (v === undefined) continue;
      if (v === null || v.length > MAX_INDEX_CHARS || !INDEX_RE.test(v)) return err(`History-Info ${k} is not an index value`);
      idx[k] = v;
    }
    const headers = na.uri.kind === 'sip' ? uriHeaders(na.uri) : new Map<string, string>();
    const reasonText = headers.get('reason');
    const privacy = headers.get('privacy');
    out.push({
      nameAddr: na,
      ...idx,
      cause: uriCause(na.uri),
      reason: reasonText === undefined ? null : parseReason(reasonText),
      privacy: privacy !== undefined && privacy.split(';').some((p) => p.trim().toLowerCase() === 'history'),
    });
  }
  return ok(out);
}

/**
 * The entry whose target the call was diverted FROM before it reached the last entry
 * (normally: us). Follows the last entry's `mp` (or `np`, or its index's parent), then
 * up any `rc` links, since an rc entry is only one of that user's registered contacts:
 *
 *   <sip:bob@example.com>;index=1                     <- returned
 *   <sip:bob@192.0.2.5>;index=1.1;rc=1                   (bob's phone, no answer)
 *   <sip:vm@example.com;cause=408>;index=1.2;mp=1     <- last entry
 *
 * Without indexes (RFC 4244-era senders), the entry before the last. Null when there
 * is only one entry or the chain is broken.
 */
export function divertedFrom(entries: readonly HistoryInfoEntry[]): HistoryInfoEntry | null {
  const last = entries[entries.length - 1];
  if (!last || entries.length < 2) return null;
  if (last.index === null) return entries[entries.length - 2] ?? null;
  const byIndex = new Map<string, HistoryInfoEntry>();
  for (const e of entries) if (e.index !== null && !byIndex.has(e.index)) byIndex.set(e.index, e);
  let ref = last.mp ?? last.np ?? parentIndex(last.index);
  // Each step moves to a different entry; more steps than entries means a cycle.
  for (let steps = 0; ref !== null && steps < entries.length; steps++) {
    const e = byIndex.get(ref);
    if (!e || e === last) return null;
    if (e.rc === null) return e;
    ref = e.rc;
  }
  return null;
}

/** `1.2.3` → `1.2`; `1` → null. */
function parentIndex(index: string): string | null {
  const dot = index.lastIndexOf('.');
  return dot < 0 ? null : index.slice(0, dot);
}
