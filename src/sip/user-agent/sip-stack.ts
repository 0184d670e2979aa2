import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { systemClock, type Clock } from '../../shared/clock.js';
import { lazyChild, type Logger } from '../../shared/logger.js';
import { createResponse, createResponseFromRaw, newTag } from '../message/build.js';
import { reasonPhrase } from '../message/reason-phrases.js';
import { serializeMessage } from '../message/serializer.js';
import type { SipMessage, SipParseError, SipRequest, SipResponse } from '../message/types.js';
import { dialogKey } from '../dialog/dialog.js';
import { DEFAULT_SIP_LIMITS, DEFAULT_SIP_TIMERS, type SipLimits, type SipStackOptions } from '../options.js';
import type { ClientRequest, ClientTransactionHandlers } from '../transaction/client-transaction.js';
import { InviteServerTransaction, type ServerTransaction } from '../transaction/server-transaction.js';
import { transactionTimers, type TransactionTimers } from '../transaction/timers.js';
import { TransactionLayer } from '../transaction/transaction-layer.js';
import { responseDestination, stampVia } from '../transport/response-route.js';
import { TransportLayer } from '../transport/transport-layer.js';
import type { BoundAddress, Destination, MessageSource, TransportProtocol } from '../transport/types.js';
import type { IncomingSubscription } from '../subscription/incoming-subscription.js';
import { sendOutOfDialogNotify, type SendNotifyOptions } from '../subscription/out-of-dialog-notify.js';
import { SubscriptionManager } from '../subscription/subscription-manager.js';
import { ALLOW_EVENTS, type NotifyBody, type SubscriptionApplication, type SubscriptionLimits } from '../subscription/types.js';
import { extractSdp } from './body.js';
import { ACCEPT_HEADER, ALLOW_HEADER, ALLOW_HEADER_WITH_SUBSCRIBE, SUPPORTED_EXTENSIONS } from './capabilities.js';
import { IncomingCall, type CallHost } from './incoming-call.js';
import { checkRequest } from './request-checks.js';

/** What the SIP stack hands to the layer above (the voicemail call flows, or a test app). */
export interface SipApplication {
  /**
   * A new INVITE outside any dialog that passed every check. The application must
   * answer it (`progress`/`accept`/`reject`); if it never does, the stack sends 480
   * after `answerTimeoutMs`.
   */
  onInvite(call: IncomingCall): void;
}

/** Until call flows exist, nobody is configured: every call gets 404 (the same for all users). */
export const notFoundApplication: SipApplication = {
  onInvite: (call) => call.reject(404),
};

/**
 * The SIP user agent core (RFC 3261 §8.2, §12, §13): receives from the transports,
 * matches transactions, runs the UAS checks, answers OPTIONS and CANCEL, routes
 * in-dialog requests to their call, and gives new INVITEs to the application.
 */
export class SipStack implements CallHost {
  readonly transport: TransportLayer;
  readonly transactions: TransactionLayer;
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly userAgent: string;
  readonly answerTimeoutMs: number;
  readonly maxCallDurationMs: number;
  private readonly log: Logger;
  private readonly limits: SipLimits;
  private readonly forceRport: boolean;
  private readonly realm: string;
  private readonly advertisedAddress: string | undefined;
  private readonly dialogs = new Map<string, IncomingCall>();
  private readonly pendingInvites = new Map<ServerTransaction, IncomingCall>();
  /** New INVITEs not yet given to the application (see startNewCall), oldest first. */
  private readonly newCalls: IncomingCall[] = [];
  private app: SipApplication;
  /** Set by setSubscriptionHandler; while null, SUBSCRIBE gets 405 as before. */
  private subscriptions: SubscriptionManager | null = null;
  private closed = false;
  private lastOverloadLog = -Infinity;
  private lastParseLog = -Infinity;
  private suppressedParseLogs = 0;

  private constructor(options: SipStackOptions, app: SipApplication) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger;
    this.limits = { ...DEFAULT_SIP_LIMITS, ...options.limits };
    this.timers = transactionTimers({ ...DEFAULT_SIP_TIMERS, ...options.timers });
    this.forceRport = options.forceRport ?? true;
    this.userAgent = options.userAgent ?? 'Voxmail';
    this.realm = options.realm ?? 'voxmail';
    this.advertisedAddress = options.advertisedAddress;
    this.answerTimeoutMs = options.answerTimeoutMs ?? 180_000;
    this.maxCallDurationMs = options.maxCallDurationMs ?? 4 * 3600_000;
    this.app = app;
    this.transport = new TransportLayer(
      { listen: options.listen, transports: options.transports, limits: this.limits, logger: this.log, clock: this.clock },
      { onMessage: (m, s) => this.receive(m, s), onBadMessage: (e, s) => this.receiveBad(e, s) },
    );
    this.transactions = new TransactionLayer({
      transport: this.transport,
      clock: this.clock,
      timers: this.timers,
      log: this.log,
      maxTransactions: this.limits.maxTransactions,
    });
  }

  /** Bind the transports and start serving. */
  static async start(options: SipStackOptions, app: SipApplication = notFoundApplication): Promise<SipStack> {
    const stack = new SipStack(options, app);
    await stack.transport.start();
    stack.log.info({ addresses: stack.boundAddresses }, 'SIP stack listening');
    return stack;
  }

  get boundAddresses(): readonly BoundAddress[] {
    return this.transport.boundAddresses;
  }

  setApplication(app: SipApplication): void {
    this.app = app;
  }

  /**
   * Serve SUBSCRIBE for the event packages we know (message-summary, RFC 3842) and hand
   * new subscriptions to `app`; `null` stops (live subscriptions end with a final
   * NOTIFY). Until this is called SUBSCRIBE gets 405 and Allow does not list it.
   * @see RFC 6665 §4.2
   */
  setSubscriptionHandler(app: SubscriptionApplication | null, limits: Partial<SubscriptionLimits> = {}): void {
    this.subscriptions?.close();
    this.subscriptions = app ? new SubscriptionManager(this, app, limits, this.log.child({ module: 'subscriptions' })) : null;
  }

  /** The live subscriptions (pending, active or ending). */
  liveSubscriptions(): IncomingSubscription[] {
    return this.subscriptions?.subscriptions() ?? [];
  }

  /**
   * An unsolicited NOTIFY outside any dialog (e.g. message-summary to a phone that does
   * not subscribe): resolves with the final status, 408 when unanswered. Rejects with a
   * RangeError when `uri` is not a sip: URI with an IP address host.
   */
  sendNotify(uri: string, body: NotifyBody, options: SendNotifyOptions): Promise<{ status: number }> {
    if (this.closed) return Promise.resolve({ status: 503 });
    return sendOutOfDialogNotify(this, uri, body, options);
  }

  /** Live counts, for tests, metrics and leak checks (subscriptions: `subscriptionCount`). */
  stats(): { serverTransactions: number; clientTransactions: number; dialogs: number; tcpConnections: number } {
    return {
      serverTransactions: this.transactions.serverCount,
      clientTransactions: this.transactions.clientCount,
      dialogs: this.dialogs.size,
      tcpConnections: this.transport.tcp.connectionCount,
    };
  }

  /** Subscriptions alive (pending, active or ending); 0 without a subscription handler. */
  get subscriptionCount(): number {
    return this.subscriptions?.size ?? 0;
  }

  private receive(msg: SipMessage, source: MessageSource): void {
    if (this.closed) return;
    try {
      if (msg.kind === 'response') this.receiveResponse(msg);
      else this.receiveRequest(msg, source);
    } catch (e) {
      // A bug must not take the server down with it; the peer will retransmit.
      this.log.error({ err: e, code: 'VM_SIP_INTERNAL', callId: msg.callId }, 'error while handling a SIP message');
    }
  }

  private logOverload(what: string): void {
    // One line a second at most: a flood must not also flood the log.
    if (this.clock.now() - this.lastOverloadLog <= 1000) return;
    this.lastOverloadLog = this.clock.now();
    this.log.warn({ code: 'VM_SIP_OVERLOAD' }, what);
  }

  private receiveResponse(res: SipResponse): void {
    if (!this.transactions.matchResponse(res)) this.log.debug({ callId: res.callId, status: res.status }, 'stray response dropped');
  }

  /** A message that failed to parse: answer 400/505/513 when it is a request we can answer. */
  private receiveBad(error: SipParseError, source: MessageSource): void {
    // At most one line a second, with a count of what was not logged: garbage floods
    // must not become log floods.
    const now = this.clock.now();
    if (now - this.lastParseLog >= 1000) {
      this.log.info(
        { code: 'VM_SIP_PARSE', reason: error.reason, from: `${source.remoteAddress}:${source.remotePort}`, suppressed: this.suppressedParseLogs },
        'malformed SIP message',
      );
      this.lastParseLog = now;
      this.suppressedParseLogs = 0;
    } else this.suppressedParseLogs++;
    if (this.closed || error.status === 0 || !error.headers) return;
    const extra: [string, string][] = [['Server', this.userAgent]];
    const res = createResponseFromRaw(error.headers, error.status, `${reasonPhrase(error.status)} (${error.reason})`, extra);
    if (!res) return;
    // The Via may be what is broken, so answer where the bytes came from.
    this.transport.send(serializeMessage(res), {
      transport: source.transport,
      address: source.remoteAddress,
      port: source.remotePort,
      localAddress: source.localAddress,
      localPort: source.localPort,
      connectionId: source.connectionId,
    });
  }

  private receiveRequest(req: SipRequest, source: MessageSource): void {
    const topVia = stampVia(req.via[0]!, source);
    const dest = responseDestination(topVia, source, this.forceRport);
    const match = this.transactions.matchRequest(req, topVia, dest);
    switch (match.kind) {
      case 'absorbed':
        return;
      case 'ack':
        this.receiveAck(req);
        return;
      case 'overloaded':
        this.logOverload('too many transactions; answering 503');
        this.transport.send(serializeMessage(createResponse(req, topVia, 503, { headers: [['Retry-After', '5']] })), dest);
        return;
      case 'merged':
        this.reply(match.tx, 482);
        return;
      case 'new':
        break;
    }
    const tx = match.tx;

    const failure = checkRequest(req, this.realm, { subscribe: this.subscriptions !== null });
    if (failure) {
      this.reply(tx, failure.status, failure.headers, failure.reason);
      return;
    }
    if (req.method === 'CANCEL') {
      this.receiveCancel(req, tx);
      return;
    }
    const toTag = req.to.params.get('tag');
    if (toTag) {
      const key = dialogKey(req.callId, toTag, req.from.params.get('tag') ?? '');
      const call = this.dialogs.get(key);
      const subscription = call ? undefined : this.subscriptions?.find(key);
      if (call) call.receiveInDialog(req, tx);
      else if (subscription) subscription.receiveInDialog(req, tx);
      else this.reply(tx, 481);
      return;
    }
    switch (req.method) {
      case 'OPTIONS':
        this.reply(tx, 200, [
          ['Allow', this.subscriptions ? ALLOW_HEADER_WITH_SUBSCRIBE : ALLOW_HEADER],
          ['Accept', ACCEPT_HEADER],
          ['Accept-Encoding', 'identity'],
          ['Accept-Language', 'en, ru'],
          // §11.2: list our extensions; the list is empty today, which the grammar allows.
          ['Supported', SUPPORTED_EXTENSIONS.join(', ')],
          // RFC 6665 §4.4.4: the packages we serve as a notifier.
          ...(this.subscriptions ? [['Allow-Events', ALLOW_EVENTS] as [string, string]] : []),
        ]);
        return;
      case 'INVITE':
        this.receiveInvite(req, source, tx);
        return;
      case 'SUBSCRIBE':
        // Only reachable when checkRequest let SUBSCRIBE through, i.e. a handler is set.
        if (this.subscriptions) this.subscriptions.receive(req, source, tx);
        else this.reply(tx, 405, [['Allow', ALLOW_HEADER]]);
        return;
      default:
        // BYE, INFO, UPDATE only make sense inside a dialog (§12.2.2).
        this.reply(tx, 481);
    }
  }

  private receiveInvite(req: SipRequest, source: MessageSource, tx: ServerTransaction): void {
    if (!(tx instanceof InviteServerTransaction)) return;
    const log = lazyChild(this.log, { callId: req.callId });
    const offer = extractSdp(req);
    if (!offer.ok) {
      log.info({ reason: offer.error }, 'INVITE with an SDP body we cannot parse');
      this.reply(tx, 488, [], 'Not Acceptable Here (bad SDP)');
      return;
    }
    if (this.newCalls.length >= this.limits.maxWaitingNewCalls) {
      this.logOverload('too many new calls waiting; answering 503');
      this.reply(tx, 503, [['Retry-After', '5']]);
      return;
    }
    this.reply(tx, 100);
    const inviteTx = tx;
    const call = new IncomingCall(req, source, inviteTx, this, log, offer.value);
    this.pendingInvites.set(tx, call);
    call.on('terminated', () => this.pendingInvites.delete(tx));
    call.on('ack', () => this.pendingInvites.delete(tx));
    inviteTx.onTimeout = () => call.end('rejected');
    this.newCalls.push(call);
    if (this.newCalls.length === 1) setImmediate(this.startNewCall);
  }

  /**
   * Give the oldest waiting new call to the application, then let the event loop read
   * again before the next one. A new call costs the application a millisecond or more
   * (mailbox lookup, the deposit's row, media, the answer); an ACK, a BYE or a response
   * costs a fraction of that, and a caller waits for each of them too (the ACK starts
   * the greeting). So under load the datagrams read together are handled in-dialog
   * first and new calls after them, one per event-loop turn: in-dialog work is not
   * queued behind a burst of INVITEs (RFC 6357 §4: prefer the work that completes calls
   * already accepted). The 100 Trying went out on receipt. At most
   * `limits.maxWaitingNewCalls` wait (receiveInvite answers 503 beyond it).
   */
  private readonly startNewCall = (): void => {
    const call = this.newCalls.shift();
    if (this.newCalls.length > 0) setImmediate(this.startNewCall);
    // Cancelled while it waited, or the stack is closing (close() answered it 503).
    if (call === undefined || this.closed || call.state !== 'incoming') return;
    try {
      this.app.onInvite(call);
    } catch (e) {
      call.log.error({ err: e, code: 'VM_SIP_APP_ERROR' }, 'application threw on INVITE');
      call.reject(500);
    }
  };

  /** §9.2: 200 to the CANCEL; 487 to the INVITE if it is still unanswered. */
  private receiveCancel(req: SipRequest, tx: ServerTransaction): void {
    const inviteTx = this.transactions.findInviteForCancel(req);
    if (!inviteTx) {
      this.reply(tx, 481);
      return;
    }
    const call = this.pendingInvites.get(inviteTx);
    // §9.2: the 200 to a CANCEL carries the To tag of the INVITE's responses.
    this.reply(tx, 200, [], undefined, call?.localTag);
    if (call && inviteTx.cancellable) call.receiveCancel();
  }

  private receiveAck(ack: SipRequest): void {
    const toTag = ack.to.params.get('tag');
    if (!toTag) return;
    this.dialogs.get(dialogKey(ack.callId, toTag, ack.from.params.get('tag') ?? ''))?.receiveAck(ack);
  }

  private reply(tx: ServerTransaction, status: number, headers: readonly (readonly [string, string])[] = [], reason?: string, toTag?: string): void {
    const res = createResponse(tx.request, tx.topVia, status, {
      ...(reason !== undefined ? { reason } : {}),
      toTag: status > 100 ? (toTag ?? newTag()) : null,
      headers: [...headers, ['Server', this.userAgent]],
    });
    tx.respond(res, status);
  }

  // --- CallHost -------------------------------------------------------------------

  registerDialog(call: IncomingCall): void {
    if (call.dialog) this.dialogs.set(call.dialog.key, call);
  }

  unregisterDialog(call: IncomingCall): void {
    if (call.dialog && this.dialogs.get(call.dialog.key) === call) this.dialogs.delete(call.dialog.key);
  }

  sendRequest(request: ClientRequest, dest: Destination, handlers: ClientTransactionHandlers): void {
    if (this.closed) return;
    this.transactions.sendRequest(request, dest, handlers);
  }

  /**
   * The address to put in our Contact and Via for a flow: the local address the request
   * arrived on, or, when we listen on a wildcard, the configured advertised address or
   * the first non-internal interface address of that family.
   */
  localContactAddress(flow: MessageSource): { transport: TransportProtocol; host: string; port: number } {
    let host = flow.localAddress;
    if (host === '0.0.0.0' || host === '::' || host === '') host = this.advertisedAddress ?? pickInterfaceAddress(isIPv6(flow.remoteAddress));
    return { transport: flow.transport, host, port: this.sipPortFor(flow) };
  }

  private sipPortFor(flow: MessageSource): number {
    if (flow.transport === 'udp') return flow.localPort;
    const b = this.boundAddresses.find((a) => a.transport === 'tcp' && (a.host === flow.localAddress || flow.localAddress === ''));
    return b?.port ?? flow.localPort;
  }

  /** Stop serving: end every call (BYE for answered ones), close sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    // INVITEs still waiting for the application (ringing included): tell the caller to
    // try elsewhere. Then hang up answered calls.
    for (const call of [...this.pendingInvites.values()]) {
      if (call.state === 'incoming' || call.state === 'early') call.reject(503, { headers: [['Retry-After', '30']] });
    }
    for (const call of [...this.dialogs.values()]) {
      if (call.state === 'answered' || call.state === 'confirmed') call.hangup();
      else call.end('shutdown');
    }
    // Subscriptions: undecided ones get 503, live ones a final NOTIFY (probation).
    this.subscriptions?.close();
    this.closed = true;
    // Let the BYEs leave before the sockets close.
    await new Promise((r) => setTimeout(r, 20));
    await this.transport.close();
  }
}

function pickInterfaceAddress(v6: boolean): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && (a.family === 'IPv6') === v6) return a.address;
  }
  return v6 ? '::1' : '127.0.0.1';
}
