import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';

/** RFC 3261 §17.1.1.1 timer base values, milliseconds. */
export interface SipTimerValues {
  /** RTT estimate; default 500. */
  readonly t1: number;
  /** Max retransmit interval for non-INVITE requests and INVITE responses; default 4000. */
  readonly t2: number;
  /** Max time a message stays in the network; default 5000. */
  readonly t4: number;
}

/** Hard limits on what a peer may make us hold. Nothing from the network is unbounded. */
export interface SipLimits {
  /** Largest message (headers + body) accepted on any transport, bytes. */
  readonly maxMessageBytes: number;
  /** Most header fields (lines after unfolding) in one message. */
  readonly maxHeaders: number;
  /** Longest single header line (after unfolding), bytes. */
  readonly maxLineBytes: number;
  /** Most simultaneous TCP connections (inbound + outbound). */
  readonly tcpMaxConnections: number;
  /** Close a TCP connection that carried no complete message for this long, ms. */
  readonly tcpIdleTimeoutMs: number;
  /** A message whose first byte arrived must be complete within this time, ms. */
  readonly tcpMessageTimeoutMs: number;
  /**
   * Most server transactions alive at once; beyond it new requests get 503. A completed
   * non-INVITE transaction lives 64×T1 (32 s), so 250,000 carries ~7,800 requests/s.
   */
  readonly maxTransactions: number;
  /**
   * New INVITEs received and not yet given to the application (they reach it one per
   * event-loop turn, after the in-dialog work read with them); beyond it a new INVITE gets
   * 503 with Retry-After at once. At about a millisecond per new call, 2,000 waiting is a
   * server two seconds behind.
   */
  readonly maxWaitingNewCalls: number;
}

export const DEFAULT_SIP_TIMERS: SipTimerValues = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

export const DEFAULT_SIP_LIMITS: SipLimits = Object.freeze({
  maxMessageBytes: 65_535,
  maxHeaders: 256,
  maxLineBytes: 16_384,
  tcpMaxConnections: 1_024,
  tcpIdleTimeoutMs: 120_000,
  tcpMessageTimeoutMs: 10_000,
  maxTransactions: 250_000,
  maxWaitingNewCalls: 2_000,
});

export interface SipListenAddress {
  /** An IPv4 or IPv6 literal, e.g. `127.0.0.1`, `::1`, `0.0.0.0`, `::`. */
  readonly host: string;
  readonly port: number;
}

export interface SipStackOptions {
  /** One UDP socket and/or TCP listener per entry and transport. Port 0 picks a free port. */
  readonly listen: readonly SipListenAddress[];
  readonly transports: readonly ('udp' | 'tcp')[];
  readonly timers?: Partial<SipTimerValues>;
  readonly limits?: Partial<SipLimits>;
  /**
   * Send responses to the source port of the request even when the Via has no `rport`
   * (RFC 3581 behaviour for every request). Default true, as NAT makes the sent-by port
   * unreliable (Asterisk's pjsip does the same by default).
   */
  readonly forceRport?: boolean;
  /** Value of our User-Agent / Server header. */
  readonly userAgent?: string;
  /** Realm named in our authentication challenges. */
  readonly realm?: string;
  /** Our address for Contact/Via when listening on a wildcard (0.0.0.0 or ::). */
  readonly advertisedAddress?: string;
  /** The application must answer an INVITE within this time, or the stack sends 480. */
  readonly answerTimeoutMs?: number;
  /**
   * A backstop on call length: an established call is hung up (BYE) after this long,
   * so a dialog whose BYE was lost cannot live forever. Default 4 hours.
   */
  readonly maxCallDurationMs?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}
