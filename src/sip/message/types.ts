import type { SipHeaders } from './headers.js';
import type { NameAddr } from './name-addr.js';
import type { Uri } from './uri.js';
import type { Via } from './via.js';

export interface CSeq {
  /** 0 ≤ seq < 2^31 (RFC 3261 §8.1.1.5). */
  readonly seq: number;
  readonly method: string;
}

/** The fields every request and response must carry, parsed once on arrival. */
interface ParsedCommon {
  readonly headers: SipHeaders;
  readonly body: Buffer;
  /** All Via values, top first. Never empty. */
  readonly via: readonly Via[];
  readonly from: NameAddr;
  readonly to: NameAddr;
  readonly callId: string;
  readonly cseq: CSeq;
  /** Lower-cased media type without parameters (`application/sdp`), or null. */
  readonly contentType: string | null;
}

export interface SipRequest extends ParsedCommon {
  readonly kind: 'request';
  /** Case-sensitive (RFC 3261 §7.1). */
  readonly method: string;
  readonly uri: Uri;
  /** null when absent (RFC 2543 peers). */
  readonly maxForwards: number | null;
}

export interface SipResponse extends ParsedCommon {
  readonly kind: 'response';
  readonly status: number;
  /** Latin1 string of the wire bytes (may be UTF-8 text). */
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** A message we build to send: a start line, header fields, a body. */
export interface OutgoingMessage {
  readonly startLine: string;
  readonly headers: SipHeaders;
  readonly body: Buffer;
}

/** Why a message was refused, and what we can still answer with. */
export interface SipParseError {
  readonly reason: string;
  /**
   * The response a UAS should send for a request: 400, 505 (version) or 513 (too
   * large); 0 when nothing can be answered (a response, or no usable header section).
   */
  readonly status: 0 | 400 | 505 | 513;
  /** Header fields as far as they could be split, for building that response. */
  readonly headers: SipHeaders | null;
}
