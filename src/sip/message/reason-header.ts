import { parseBoundedInt, TOKEN, allIn, trimWs } from './charset.js';
import { unquoteParam } from './name-addr-list.js';
import { parseParams } from './params.js';

/**
 * One Reason value:
 *
 *   Reason: SIP ;cause=486 ;text="Busy Here"
 *   Reason: Q.850 ;cause=17 ;text="User busy"
 *
 *   reason-value = protocol *(SEMI reason-params)
 *   protocol     = "SIP" / "Q.850" / token
 *   reason-params = protocol-cause / reason-text / reason-extension
 *
 * @see RFC 3326 §2
 */
export interface ReasonValue {
  /** Upper-cased protocol token: `SIP`, `Q.850`, ... */
  readonly protocol: string;
  /** The cause (a SIP status code for `SIP`, a Q.850 cause value for `Q.850`), or null. */
  readonly cause: number | null;
  readonly text: string | null;
}

/** Parse one Reason value (not a list). Null when it is not well formed. Never throws. */
export function parseReason(value: string): ReasonValue | null {
  const s = trimWs(value);
  const semi = s.indexOf(';');
  const protocol = trimWs(semi < 0 ? s : s.slice(0, semi));
  if (!allIn(TOKEN, protocol)) return null;
  const p = parseParams(s, semi < 0 ? s.length : semi);
  if (!p.ok) return null;
  const causeText = p.value.params.get('cause');
  return {
    protocol: protocol.toUpperCase(),
    cause: causeText ? parseBoundedInt(causeText, 999) : null,
    text: unquoteParam(p.value.params.get('text')),
  };
}
