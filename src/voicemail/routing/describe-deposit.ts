import {
  divertedFrom,
  firstDiversion,
  lastDiversion,
  parseDiversion,
  parseHistoryInfo,
  parseUri,
  voicemailUriParams,
  type DiversionEntry,
  type HistoryInfoEntry,
  type SipRequest,
  type Uri,
} from '../../sip/index.js';
import type { DiversionReason } from '../model.js';
import { callerOf } from './caller.js';
import { normalizeNumber, partyOf } from './numbers.js';
import { reasonFromCause, reasonFromDiversion, reasonFromQ850, reasonFromResponse } from './reasons.js';

/** What an INVITE says about the deposit it asks for. See README.md for the rules. */
export interface DepositRouting {
  /** Mailbox ids or numbers to look up, most trusted first, without duplicates. */
  readonly candidates: readonly string[];
  /** Why the call came to voicemail. */
  readonly reason: DiversionReason;
  /** The number (or user) the caller dialled: the original called party. */
  readonly calledNumber: string | null;
  readonly callerNumber: string | null;
  /** Display name as text (UTF-8 decoded), or null. */
  readonly callerName: string | null;
  /** Headers we could not use (malformed Diversion / History-Info), for the log. */
  readonly problems: readonly string[];
}

export interface DescribeDepositOptions {
  /**
   * Request-URI users that name the voicemail service rather than a mailbox
   * (case-insensitive). Default: voicemail, vm, vmail, voice-mail, mailbox, vms.
   */
  readonly serviceNames?: readonly string[];
  /**
   * In a chain of diversions (A→B→voicemail), whose mailbox comes first: the
   * original called party A (default; Cisco Unity Connection's default too), or the
   * last diverting party B. The other one is still tried after it.
   */
  readonly mailboxFrom?: 'original-called' | 'last-diverting';
}

export const DEFAULT_SERVICE_NAMES: readonly string[] = ['voicemail', 'vm', 'vmail', 'voice-mail', 'mailbox', 'vms'];

/**
 * Read an INVITE to voicemail: which mailbox, why, who called whom.
 *
 * Mailbox candidates, most trusted first:
 *   1. the Request-URI user, unless it is a service name (`voicemail`): the router
 *      chose it for us;
 *   2. RFC 4458 `target=` of the Request-URI: set for exactly this purpose;
 *   3. Diversion: the original called party (last entry), then the last diverting
 *      party (first entry) — swapped by `mailboxFrom: 'last-diverting'`;
 *   4. History-Info: the original target (first entry), then the entry the call was
 *      diverted from before it reached us — swapped likewise.
 * Reason: RFC 4458 `cause` of the Request-URI, else the newest Diversion's `reason`,
 * else History-Info (`cause` of the last entry, else an escaped `Reason`), else unknown.
 * Never throws: malformed headers are skipped and listed in `problems`.
 */
export function describeDeposit(request: SipRequest, options: DescribeDepositOptions = {}): DepositRouting {
  const service = new Set((options.serviceNames ?? DEFAULT_SERVICE_NAMES).map((s) => s.toLowerCase()));
  const lastFirst = options.mailboxFrom === 'last-diverting';
  const problems: string[] = [];
  // A party that names the voicemail service itself says nothing about the mailbox.
  const keep = (p: string | null): string | null => (p === null || service.has(p.toLowerCase()) ? null : p);
  const party = (uri: Uri | null): string | null => (uri === null ? null : keep(partyOf(uri)));

  const rfc4458 = voicemailUriParams(request.uri);
  const diversion = parseList('Diversion', parseDiversion(request.headers.getAll('diversion')), problems);
  const history = parseList('History-Info', parseHistoryInfo(request.headers.getAll('history-info')), problems);

  const divOriginal = party(firstDiversion(diversion)?.nameAddr.uri ?? null);
  const divLast = party(lastDiversion(diversion)?.nameAddr.uri ?? null);
  const hiOriginal = party(history[0]?.nameAddr.uri ?? null);
  const hiFrom = party(divertedFrom(history)?.nameAddr.uri ?? null);
  const target = rfc4458?.target ? keep(targetParty(rfc4458.target)) : null;

  const candidates = unique([
    party(request.uri),
    target,
    ...(lastFirst ? [divLast, divOriginal] : [divOriginal, divLast]),
    ...(lastFirst ? [hiFrom, hiOriginal] : [hiOriginal, hiFrom]),
  ]);

  const caller = callerOf(request);
  return {
    candidates,
    reason: reasonOf(rfc4458?.cause ?? null, diversion, history),
    calledNumber: divOriginal ?? hiOriginal ?? party(request.to.uri) ?? target ?? party(request.uri),
    callerNumber: caller.number,
    callerName: caller.name,
    problems,
  };
}

function parseList<T>(name: string, r: { ok: true; value: T[] } | { ok: false; error: string }, problems: string[]): T[] {
  if (r.ok) return r.value;
  problems.push(`${name}: ${r.error}`);
  return [];
}

/**
 * The party of an RFC 4458 target (unescaped): usually a SIP or tel URI
 * (`sip:+15555551002@example.com`), sometimes a bare number or mailbox id.
 */
function targetParty(target: string): string | null {
  const uri = parseUri(target);
  if (uri.ok) return partyOf(uri.value);
  const n = normalizeNumber(target);
  if (n !== '') return n;
  return /^[A-Za-z0-9._~+-]{1,64}$/.test(target) ? target : null;
}

function reasonOf(cause: number | null, diversion: readonly DiversionEntry[], history: readonly HistoryInfoEntry[]): DiversionReason {
  if (cause !== null) {
    const r = reasonFromCause(cause);
    if (r !== 'unknown') return r;
  }
  const d = reasonFromDiversion(lastDiversion(diversion)?.reason ?? null);
  if (d !== 'unknown') return d;
  return reasonFromHistory(history);
}

/** The last entry's `cause` (RFC 4458 codes), else the newest escaped Reason an entry carries. */
function reasonFromHistory(history: readonly HistoryInfoEntry[]): DiversionReason {
  const last = history[history.length - 1];
  if (!last) return 'unknown';
  const byCause = reasonFromCause(last.cause);
  if (byCause !== 'unknown') return byCause;
  for (let i = history.length - 1; i >= 0; i--) {
    const reason = history[i]!.reason;
    if (reason === null || reason.cause === null) continue;
    const r = reason.protocol === 'SIP' ? reasonFromResponse(reason.cause) : reason.protocol === 'Q.850' ? reasonFromQ850(reason.cause) : 'unknown';
    if (r !== 'unknown') return r;
  }
  return 'unknown';
}

function unique(values: readonly (string | null)[]): string[] {
  const out: string[] = [];
  for (const v of values) if (v !== null && v !== '' && !out.includes(v)) out.push(v);
  return out;
}

