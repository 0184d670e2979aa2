import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { SipHeaders } from '../message/headers.js';
import { serializeMessage } from '../message/serializer.js';
import type { SipResponse } from '../message/types.js';
import type { Destination, TransportSender } from '../transport/types.js';
import type { TransactionTimers } from './timers.js';

/** A request we send, with what the transaction needs to know about it. */
export interface ClientRequest {
  readonly method: string;
  readonly requestUri: string;
  /** Must include our Via (top) with `branch`, From, To, Call-ID, CSeq, Max-Forwards. */
  readonly headers: SipHeaders;
  readonly body: Buffer;
  readonly branch: string;
}

export interface ClientTransactionHandlers {
  /** Every response passed up: provisional, final, and 2xx retransmissions for INVITE. */
  onResponse(response: SipResponse): void;
  /** Timer B / Timer F fired with no final response (acts like a 408, §8.1.3.1). */
  onTimeout(): void;
}

export interface ClientTransactionContext {
  readonly transport: TransportSender;
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly log: Logger;
  onTerminated(tx: ClientTransaction): void;
}

/** How long an INVITE we sent may stay in Proceeding without a final response. */
const PROCEEDING_LIMIT_MS = 180_000;

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/**
 * Client transactions, RFC 3261 §17.1 (with RFC 6026 'accepted' for INVITE):
 *
 * INVITE:     Calling (Timer A resend, Timer B give up) --1xx--> Proceeding
 *             --2xx--> Accepted (Timer M) ; --300-699--> Completed: send ACK (Timer D)
 * non-INVITE: Trying (Timer E resend, Timer F give up) --1xx--> Proceeding
 *             --final--> Completed (Timer K)
 */
export class ClientTransaction {
  state: ClientTransactionState;
  private readonly wire: Buffer;
  private readonly timersSet: TimerHandle[] = [];
  private ackWire: Buffer | null = null;
  readonly isInvite: boolean;

  constructor(
    readonly key: string,
    readonly request: ClientRequest,
    readonly destination: Destination,
    private readonly handlers: ClientTransactionHandlers,
    private readonly ctx: ClientTransactionContext,
  ) {
    this.isInvite = request.method === 'INVITE';
    this.state = this.isInvite ? 'calling' : 'trying';
    this.wire = serializeMessage({ startLine: `${request.method} ${request.requestUri} SIP/2.0`, headers: request.headers, body: request.body });
  }

  get reliable(): boolean {
    return this.destination.transport !== 'udp';
  }

  start(): void {
    this.ctx.transport.send(this.wire, this.destination);
    const t = this.ctx.timers;
    if (!this.reliable) this.retransmit(this.isInvite ? t.A : t.E);
    this.timer(this.isInvite ? t.B : t.F, () => {
      if (this.state === 'calling' || this.state === 'trying' || (!this.isInvite && this.state === 'proceeding')) {
        this.handlers.onTimeout();
        this.terminate();
      }
    });
  }

  private retransmit(interval: number): void {
    this.timer(interval, () => {
      const resending = this.isInvite ? this.state === 'calling' : this.state === 'trying' || this.state === 'proceeding';
      if (!resending) return;
      this.ctx.transport.send(this.wire, this.destination);
      // INVITE doubles without cap (§17.1.1.2); non-INVITE caps at T2, and in
      // Proceeding resends every T2 (§17.1.2.2).
      const next = this.isInvite ? 2 * interval : this.state === 'proceeding' ? this.ctx.timers.T2 : Math.min(2 * interval, this.ctx.timers.T2);
      this.retransmit(next);
    });
  }

  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'calling':
      case 'trying':
      case 'proceeding':
        if (s < 200) {
          // An INVITE may ring for long (no Timer B after a 1xx), but never forever.
          if (this.isInvite && this.state === 'calling') {
            this.timer(PROCEEDING_LIMIT_MS, () => {
              if (this.state !== 'proceeding') return;
              this.handlers.onTimeout();
              this.terminate();
            });
          }
          this.state = 'proceeding';
          this.handlers.onResponse(res);
          return;
        }
        this.handlers.onResponse(res);
        if (this.isInvite && s < 300) {
          this.state = 'accepted';
          this.timer(this.ctx.timers.M, () => this.terminate());
          return;
        }
        this.state = 'completed';
        if (this.isInvite) {
          this.sendAck(res);
          this.timer(this.ctx.timers.D(this.reliable), () => this.terminate());
        } else {
          this.timer(this.ctx.timers.K(this.reliable), () => this.terminate());
        }
        return;
      case 'accepted':
        // 2xx retransmissions go to the TU, which re-sends its ACK (RFC 6026 §8.4).
        if (s >= 200 && s < 300) this.handlers.onResponse(res);
        return;
      case 'completed':
        if (this.isInvite && this.ackWire) this.ctx.transport.send(this.ackWire, this.destination);
        return;
      case 'terminated':
        return;
    }
  }

  /** ACK for a non-2xx final response: same branch, To from the response (§17.1.1.3). */
  private sendAck(res: SipResponse): void {
    const req = this.request;
    const h = new SipHeaders();
    const via = req.headers.get('via');
    if (via !== undefined) h.append('Via', via);
    for (const r of req.headers.getAll('route')) h.append('Route', r);
    h.append('From', req.headers.get('from') ?? '');
    h.append('To', res.to.raw);
    h.append('Call-ID', req.headers.get('call-id') ?? '');
    h.append('CSeq', `${res.cseq.seq} ACK`);
    h.append('Max-Forwards', '70');
    this.ackWire = serializeMessage({ startLine: `ACK ${req.requestUri} SIP/2.0`, headers: h, body: Buffer.alloc(0) });
    this.ctx.transport.send(this.ackWire, this.destination);
  }

  private timer(ms: number, fn: () => void): void {
    this.timersSet.push(this.ctx.clock.setTimer(ms, fn));
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const t of this.timersSet) t.cancel();
    this.timersSet.length = 0;
    this.ctx.onTerminated(this);
  }
}
