import type { SipTimerValues } from '../options.js';

/**
 * RFC 3261 timers (Table 4, §17) from T1/T2/T4. Timers that only pace retransmissions
 * are zero on reliable transports; Timer C is a proxy timer and not used by a UA.
 */
export interface TransactionTimers {
  /** INVITE request retransmit start (client, unreliable). */
  readonly A: number;
  /** INVITE client transaction timeout. */
  readonly B: number;
  /** Wait for response retransmits after a non-2xx to INVITE (client). */
  readonly D: (reliable: boolean) => number;
  /** Non-INVITE request retransmit start (client, unreliable). */
  readonly E: number;
  /** Non-INVITE client transaction timeout. */
  readonly F: number;
  /** INVITE final-response retransmit start (server, unreliable). */
  readonly G: number;
  /** Wait for ACK to a non-2xx final response (server). */
  readonly H: number;
  /** Wait for ACK retransmits (server, unreliable). */
  readonly I: (reliable: boolean) => number;
  /** Wait for non-INVITE request retransmits (server, unreliable). */
  readonly J: (reliable: boolean) => number;
  /** Wait for non-INVITE response retransmits (client, unreliable). */
  readonly K: (reliable: boolean) => number;
  /** RFC 6026 Timer L: keep an accepted INVITE server transaction to absorb retransmits. */
  readonly L: number;
  /** RFC 6026 Timer M: keep an accepted INVITE client transaction for 2xx retransmits. */
  readonly M: number;
  readonly T1: number;
  readonly T2: number;
  readonly T4: number;
}

export function transactionTimers(t: SipTimerValues): TransactionTimers {
  const { t1, t2, t4 } = t;
  return {
    A: t1,
    B: 64 * t1,
    D: (reliable) => (reliable ? 0 : 64 * t1),
    E: t1,
    F: 64 * t1,
    G: t1,
    H: 64 * t1,
    I: (reliable) => (reliable ? 0 : t4),
    J: (reliable) => (reliable ? 0 : 64 * t1),
    K: (reliable) => (reliable ? 0 : t4),
    L: 64 * t1,
    M: 64 * t1,
    T1: t1,
    T2: t2,
    T4: t4,
  };
}
