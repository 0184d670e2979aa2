import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import type { Via } from '../message/via.js';
import type { Destination, TransportSender } from '../transport/types.js';
import { ClientTransaction, type ClientRequest, type ClientTransactionHandlers } from './client-transaction.js';
import { cancelTargetKey, clientKey, clientKeyOf, mergeKey, serverKey } from './keys.js';
import { InviteServerTransaction, NonInviteServerTransaction, type ServerTransaction, type ServerTransactionContext } from './server-transaction.js';
import type { TransactionTimers } from './timers.js';

export type RequestMatch =
  /** A retransmission (or non-2xx ACK) absorbed by an existing transaction. */
  | { readonly kind: 'absorbed' }
  /** A new request with its new server transaction; ACKs get none (kind 'ack'). */
  | { readonly kind: 'new'; readonly tx: ServerTransaction }
  /** An ACK that matched no transaction: the ACK for a 2xx, for the dialog layer. */
  | { readonly kind: 'ack' }
  /** §8.2.2.2: same request arriving by another path; answer 482. */
  | { readonly kind: 'merged'; readonly tx: ServerTransaction }
  /** Too many transactions alive: answer 503 without keeping state. */
  | { readonly kind: 'overloaded' };

/**
 * Holds all transactions (RFC 3261 §17) and matches incoming messages to them. Every
 * transaction ends by its own timers, so the maps cannot grow without bound; a hard cap
 * (`maxTransactions`) protects against floods.
 */
export class TransactionLayer {
  private readonly server = new Map<string, ServerTransaction>();
  private readonly merged = new Map<string, ServerTransaction>();
  private readonly client = new Map<string, ClientTransaction>();
  /** Shared by every server transaction (one object, not one per request). */
  private readonly serverCtx: ServerTransactionContext;

  constructor(
    private readonly opts: {
      transport: TransportSender;
      clock: Clock;
      timers: TransactionTimers;
      log: Logger;
      maxTransactions: number;
    },
  ) {
    this.serverCtx = {
      transport: opts.transport,
      clock: opts.clock,
      timers: opts.timers,
      log: opts.log,
      onTerminated: (t: ServerTransaction) => this.forgetServer(t),
    };
  }

  get serverCount(): number {
    return this.server.size;
  }

  get clientCount(): number {
    return this.client.size;
  }

  /** Match a request to a server transaction or create one (§17.2.3). */
  matchRequest(req: SipRequest, topVia: Via, dest: Destination): RequestMatch {
    const key = serverKey(req);
    const existing = this.server.get(key);
    if (req.method === 'ACK') {
      if (existing instanceof InviteServerTransaction && existing.finalStatus >= 300) {
        existing.receiveAck();
        return { kind: 'absorbed' };
      }
      return { kind: 'ack' };
    }
    if (existing) {
      existing.receiveRetransmission();
      return { kind: 'absorbed' };
    }
    if (this.server.size >= this.opts.maxTransactions) return { kind: 'overloaded' };

    const ctx = this.serverCtx;
    const mk = req.method === 'CANCEL' ? null : mergeKey(req);
    const tx =
      req.method === 'INVITE'
        ? new InviteServerTransaction(key, req, topVia, dest, ctx, mk)
        : new NonInviteServerTransaction(key, req, topVia, dest, ctx, mk);
    this.server.set(key, tx);

    if (mk !== null) {
      const first = this.merged.get(mk);
      if (first && first.state !== 'terminated') return { kind: 'merged', tx };
      this.merged.set(mk, tx);
    }
    return { kind: 'new', tx };
  }

  /** The INVITE server transaction a CANCEL targets (§9.2), if still known. */
  findInviteForCancel(cancel: SipRequest): InviteServerTransaction | null {
    const tx = this.server.get(cancelTargetKey(cancel));
    return tx instanceof InviteServerTransaction ? tx : null;
  }

  private forgetServer(tx: ServerTransaction): void {
    if (this.server.get(tx.key) === tx) this.server.delete(tx.key);
    const mk = tx.mergeKey;
    if (mk !== null && this.merged.get(mk) === tx) this.merged.delete(mk);
  }

  /** Send a request in a new client transaction (§17.1). */
  sendRequest(request: ClientRequest, dest: Destination, handlers: ClientTransactionHandlers): ClientTransaction {
    const key = clientKey(request.branch, request.method);
    const tx = new ClientTransaction(key, request, dest, handlers, {
      transport: this.opts.transport,
      clock: this.opts.clock,
      timers: this.opts.timers,
      log: this.opts.log,
      onTerminated: (t) => {
        if (this.client.get(t.key) === t) this.client.delete(t.key);
      },
    });
    this.client.set(key, tx);
    tx.start();
    return tx;
  }

  /** Route a response to its client transaction; false if none matched (a stray). */
  matchResponse(res: SipResponse): boolean {
    const key = clientKeyOf(res);
    const tx = key ? this.client.get(key) : undefined;
    if (!tx) return false;
    tx.receiveResponse(res);
    return true;
  }
}
