import { DIGIT, allIn } from './charset.js';
import { decodeUriPart, type Uri } from './uri.js';

/**
 * The Request-URI parameters a proxy adds when it sends a call to voicemail:
 *
 *   INVITE sip:voicemail@example.com;target=sip:+15555551002%40example.com;user=phone;cause=486 SIP/2.0
 *   INVITE sip:voicemail@example.com;target=sip%3A%2B1234%40example.com;cause=408 SIP/2.0
 *
 *   target-param = "target" EQUAL pvalue     ; the URI (escaped) the call was meant for
 *   cause-param  = "cause" EQUAL Status-Code ; why it was retargeted (table below)
 *
 * The cause is a redirecting reason written as a status code, not the response the
 * target gave: 404 unknown/not available, 486 user busy, 408 no reply,
 * 302 unconditional, 487 deflection during alerting, 480 deflection immediate
 * response, 503 mobile subscriber not reachable. RFC 7044 reuses `cause` in the
 * hi-targeted-to-uri of History-Info entries.
 * @see RFC 4458 (target and cause URI parameters, the cause table); RFC 8119 (cause in History-Info)
 */
export interface VoicemailUriParams {
  /** The target unescaped (`sip:+15555551002@example.com`, `tel:+1...`, or a bare number), or null. */
  readonly target: string | null;
  /** The cause as a number (100–699), or null when absent or not a status code. */
  readonly cause: number | null;
}

/** Longest target we keep (after unescaping). */
const MAX_TARGET_CHARS = 512;

/** `target` and `cause` of a SIP URI; null when it has neither (or is not a SIP URI). */
export function voicemailUriParams(uri: Uri): VoicemailUriParams | null {
  if (uri.kind !== 'sip') return null;
  const t = uri.params.get('target');
  const target = t ? decodeUriPart(t).slice(0, MAX_TARGET_CHARS) : null;
  const cause = uriCause(uri);
  return target === null && cause === null ? null : { target, cause };
}

/** The `cause` URI parameter as a status code, or null. */
export function uriCause(uri: Uri): number | null {
  if (uri.kind !== 'sip') return null;
  const c = uri.params.get('cause');
  if (!c || c.length !== 3 || !allIn(DIGIT, c)) return null;
  const n = Number(c);
  return n >= 100 && n <= 699 ? n : null;
}
