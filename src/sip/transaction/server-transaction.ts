import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { serializeMessage } from '../message/serializer.js';
import type { OutgoingMessage, SipRequest } from '../message/types.js';
import type { Via } from '../message/via.js';
import type { Destination, TransportSender } from '../transport/types.js';
import type { TransactionTimers } from './timers.js';

export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export interface ServerTransactionContext {
  readonly transport: TransportSender;
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly log: Logger;
  /** Called once when the transaction ends, so the layer can forget it. */
  onTerminated(tx: ServerTransaction): void;
}

/**
 * Common part of the two server transactions (RFC 3261 §17.2): the request, where its
 * responses go, the last response sent (re-sent on request retransmissions).
 */
export abstract class ServerTransaction {
  state: ServerTransactionState;
  protected lastResponse: Buffer | null = null;
  protected lastStatus = 0;
  private readonly timersSet: TimerHandle[] = [];
  /** Called when the transaction gives up waiting for an ACK (Timer H) or similar. */
  onTimeout: (() => void) | null = null;

  private req: SipRequest | null;
  private via: Via | null;
  private childLog: Logger | undefined;
  /** Kept apart from the request (which is released) for the transaction's log lines. */
  private readonly callId: string;
  /** §8.2.2.2 merged-request key, kept as text so the request itself can be released. */
  readonly mergeKey: string | null;

  constructor(
    readonly key: string,
    request: SipRequest,
    /** The top Via as stamped with received/rport by the transport. */
    topVia: Via,
    readonly destination: Destination,
    protected readonly ctx: ServerTransactionContext,
    initial: ServerTransactionState,
    mergeKey: string | null,
  ) {
    this.state = initial;
    this.req = request;
    this.via = topVia;
    this.callId = request.callId;
    this.mergeKey = mergeKey;
  }

  /** A child logger for this transaction, made on first use (most never log). */
  protected get log(): Logger {
    return (this.childLog ??= this.ctx.log.child({ callId: this.callId, tx: this.key }));
  }

  /** The request; only while a response may still be built (not after a non-INVITE final). */
  get request(): SipRequest {
    if (!this.req) throw new Error('server transaction already released its request');
    return this.req;
  }

  get topVia(): Via {
    if (!this.via) throw new Error('server transaction already released its request');
    return this.via;
  }

  /**
   * A completed transaction only re-sends its response bytes, so it drops the parsed
   * request: at thousands of requests per second, with Timer J at 32 s, keeping it
   * would hold gigabytes (measured: ~6.7 KB per transaction).
   */
  protected release(): void {
    this.req = null;
    this.via = null;
  }

  get reliable(): boolean {
    return this.destination.transport !== 'udp';
  }

  get finalStatus(): number {
    return this.lastStatus >= 200 ? this.lastStatus : 0;
  }

  /**
   * The TU's response; ignored (and logged) if the transaction already has a final one.
   * `onSent`: see TransportSender.send (called at once when the response is ignored).
   */
  abstract respond(response: OutgoingMessage, status: number, onSent?: () => void): void;

  /** A retransmission of the request arrived. */
  abstract receiveRetransmission(): void;

  protected send(msg: OutgoingMessage, status: number, onSent?: () => void): void {
    this.lastResponse = serializeMessage(msg);
    this.lastStatus = status;
    this.ctx.transport.send(this.lastResponse, this.destination, onSent);
  }

  protected resend(): void {
    if (this.lastResponse) this.ctx.transport.send(this.lastResponse, this.destination);
  }

  protected timer(ms: number, fn: () => void): void {
    this.timersSet.push(this.ctx.clock.setTimer(ms, fn));
  }

  protected terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of this.timersSet) t.cancel();
    this.timersSet.length = 0;
    this.ctx.onTerminated(this);
  }
}

/**
 * INVITE server transaction, RFC 3261 §17.2.1 with the RFC 6026 'accepted' state:
 *
 *             INVITE / 100 Trying
 *                   |
 *              Proceeding --1xx--> (send)
 *          2xx /    |   \ 300-699
 *      Accepted     |    Completed --(Timer G: resend; Timer H: give up)
 *   (Timer L)       |        | ACK
 *        |          |    Confirmed --(Timer I)
 *        +------ Terminated --+
 *
 * 2xx retransmission until ACK is the UAS core's job (§13.3.1.4), done by the dialog.
 */
export class InviteServerTransaction extends ServerTransaction {
  constructor(key: string, request: SipRequest, topVia: Via, destination: Destination, ctx: ServerTransactionContext, mergeKey: string | null) {
    super(key, request, topVia, destination, ctx, 'proceeding', mergeKey);
  }

  respond(response: OutgoingMessage, status: number, onSent?: () => void): void {
    if (this.state !== 'proceeding') {
      this.log.debug({ status, state: this.state }, 'response after final response ignored');
      onSent?.();
      return;
    }
    this.send(response, status, onSent);
    const t = this.ctx.timers;
    if (status < 200) return;
    if (status < 300) {
      this.state = 'accepted';
      this.timer(t.L, () => this.terminate());
      return;
    }
    this.state = 'completed';
    if (!this.reliable) this.retransmitFinal(t.G);
    this.timer(t.H, () => {
      this.log.info({ code: 'VM_SIP_ACK_TIMEOUT', status }, 'no ACK for final response (Timer H)');
      this.onTimeout?.();
      this.terminate();
    });
  }

  private retransmitFinal(interval: number): void {
    this.timer(interval, () => {
      if (this.state !== 'completed') return;
      this.resend();
      this.retransmitFinal(Math.min(2 * interval, this.ctx.timers.T2));
    });
  }

  receiveRetransmission(): void {
    // Proceeding: re-send the last provisional; Completed: the final. Accepted: absorb
    // (the 2xx is re-sent by the UAS core on its own schedule).
    if (this.state === 'proceeding' || this.state === 'completed') this.resend();
  }

  /** An ACK for our non-2xx final response. */
  receiveAck(): void {
    if (this.state !== 'completed') return;
    this.state = 'confirmed';
    this.timer(this.ctx.timers.I(this.reliable), () => this.terminate());
  }

  /** CANCEL arrived: whether the INVITE can still be answered with 487. */
  get cancellable(): boolean {
    return this.state === 'proceeding';
  }
}

/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2:
 * Trying --1xx--> Proceeding --final--> Completed --(Timer J)--> Terminated.
 */
export class NonInviteServerTransaction extends ServerTransaction {
  constructor(key: string, request: SipRequest, topVia: Via, destination: Destination, ctx: ServerTransactionContext, mergeKey: string | null) {
    super(key, request, topVia, destination, ctx, 'trying', mergeKey);
  }

  respond(response: OutgoingMessage, status: number, onSent?: () => void): void {
    if (this.state === 'completed' || this.state === 'terminated') {
      onSent?.();
      return;
    }
    this.send(response, status, onSent);
    if (status < 200) {
      this.state = 'proceeding';
      return;
    }
    this.state = 'completed';
    this.release();
    this.timer(this.ctx.timers.J(this.reliable), () => this.terminate());
  }

  receiveRetransmission(): void {
    if (this.state === 'proceeding' || this.state === 'completed') this.resend();
  }
}
