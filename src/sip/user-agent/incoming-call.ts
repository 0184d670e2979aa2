import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { createResponse, newTag } from '../message/build.js';
import { serializeMessage, utf8ToWire } from '../message/serializer.js';
import type { OutgoingMessage, SipRequest, SipResponse } from '../message/types.js';
import { answerReoffer, capabilitiesOf, serializeSdp, type SessionDescription } from '../sdp/index.js';
import { Dialog, refreshedTarget } from '../dialog/dialog.js';
import type { ClientRequest, ClientTransactionHandlers } from '../transaction/client-transaction.js';
import type { InviteServerTransaction, ServerTransaction } from '../transaction/server-transaction.js';
import type { TransactionTimers } from '../transaction/timers.js';
import type { Destination, MessageSource, TransportProtocol, TransportSender } from '../transport/types.js';
import { ALLOW_HEADER, SUPPORTED_EXTENSIONS } from './capabilities.js';
import { extractSdp } from './body.js';

/** Why a call ended; passed to 'terminated' handlers. */
export type CallEndReason =
  | 'rejected' // we answered the INVITE with a final non-2xx
  | 'cancelled' // the caller sent CANCEL before we answered
  | 'remote-bye' // the caller hung up
  | 'local-bye' // we hung up
  | 'ack-timeout' // our 2xx was never ACKed within 64×T1 (we then send BYE)
  | 'no-answer' // the application never answered the INVITE in time
  | 'max-duration' // the call reached the stack's maximum length and we sent BYE
  | 'shutdown'; // the stack is closing

export type CallState = 'incoming' | 'early' | 'answered' | 'confirmed' | 'terminated';

interface CallEvents {
  /** The ACK to our 2xx to the INVITE arrived (once); `answer` is its SDP when we offered in the 2xx. */
  ack: (answer: SessionDescription | null) => void;
  cancel: () => void;
  bye: (request: SipRequest) => void;
  /** INFO in the dialog (already answered 200): DTMF relay and the like. */
  info: (request: SipRequest) => void;
  terminated: (reason: CallEndReason) => void;
}

/** What a call needs from the user agent core. */
export interface CallHost {
  readonly transport: TransportSender;
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly userAgent: string;
  readonly answerTimeoutMs: number;
  readonly maxCallDurationMs: number;
  registerDialog(call: IncomingCall): void;
  unregisterDialog(call: IncomingCall): void;
  sendRequest(request: ClientRequest, dest: Destination, handlers: ClientTransactionHandlers): void;
  /** Our host/port for Via and Contact, for the flow a call came on. */
  localContactAddress(flow: MessageSource): { transport: TransportProtocol; host: string; port: number };
}

/**
 * One incoming INVITE and, once answered, its dialog (RFC 3261 §13.3, §12, §15):
 * the application answers with `progress`/`accept`/`reject` and hangs up with
 * `hangup`; the call re-sends its 2xx until ACKed (§13.3.1.4), answers BYE, re-INVITE,
 * UPDATE, INFO and OPTIONS in the dialog, and ends exactly once with 'terminated'.
 */
export class IncomingCall {
  state: CallState = 'incoming';
  readonly localTag = newTag();
  readonly log: Logger;
  /** The SDP offer in the INVITE, or null when the INVITE had none (we offer in the 2xx). */
  readonly offer: SessionDescription | null;
  dialog: Dialog | null = null;
  /** Our current session description (answer or offer), reused when media is unchanged. */
  localSdp: SessionDescription | null = null;
  /**
   * Answer to a re-INVITE/UPDATE offer. Returns the answer, or null to refuse it (488).
   * The default negotiates the new offer against the media we already use (same
   * address, port, codecs: RFC 3264 §8), so hold/resume and refreshes are answered
   * correctly, with the same o= version when nothing changed.
   */
  onReoffer: (offer: SessionDescription, call: IncomingCall) => SessionDescription | null = (offer) => {
    const prev = this.localSdp;
    const caps = prev ? capabilitiesOf(prev) : null;
    if (!prev || !caps) return null;
    const r = answerReoffer(prev, offer, caps);
    return r.ok ? r.value.answer : null;
  };

  private readonly handlers: { [K in keyof CallEvents]: CallEvents[K][] } = { ack: [], cancel: [], bye: [], info: [], terminated: [] };
  private answerTimer: TimerHandle | null;
  private durationTimer: TimerHandle | null = null;
  private retransmit: { wire: Buffer; timer: TimerHandle | null; giveUp: TimerHandle | null; cseq: number } | null = null;
  /** An INVITE transaction (initial or re-INVITE) of theirs still waiting for our answer or its ACK. */
  private pendingInvite = false;
  /** Whether our last 2xx carried an offer (so its ACK carries the answer). */
  private offeredIn2xx = false;

  constructor(
    readonly request: SipRequest,
    readonly source: MessageSource,
    private readonly tx: InviteServerTransaction,
    private readonly host: CallHost,
    log: Logger,
    offer: SessionDescription | null,
  ) {
    this.log = log;
    this.offer = offer;
    this.pendingInvite = true;
    this.answerTimer = host.clock.setTimer(host.answerTimeoutMs, () => {
      if (this.state === 'incoming' || this.state === 'early') {
        this.log.warn({ code: 'VM_SIP_NO_ANSWER' }, 'application did not answer the INVITE in time; sending 480');
        this.finalResponse(480);
        this.end('no-answer');
      }
    });
  }

  get callId(): string {
    return this.request.callId;
  }

  on<K extends keyof CallEvents>(event: K, fn: CallEvents[K]): this {
    this.handlers[event].push(fn);
    return this;
  }

  private emit<K extends keyof CallEvents>(event: K, ...args: Parameters<CallEvents[K]>): void {
    for (const fn of this.handlers[event]) {
      try {
        (fn as (...a: Parameters<CallEvents[K]>) => void)(...args);
      } catch (e) {
        this.log.error({ err: e, event }, 'call event handler threw');
      }
    }
  }

  /** Send a provisional response (180 Ringing, 183 Session Progress with early media). */
  progress(status = 180, options: { sdp?: SessionDescription } = {}): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    if (status <= 100 || status >= 200) throw new RangeError('progress() takes a 101–199 status');
    this.ensureDialog();
    if (options.sdp) this.localSdp = options.sdp;
    this.state = 'early';
    this.tx.respond(this.response(this.tx, status, options.sdp ?? null, true), status);
  }

  /** Answer the call: 200 OK with our SDP (an answer, or an offer when the INVITE had none). */
  accept(options: { sdp: SessionDescription }): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    this.answerTimer?.cancel();
    this.ensureDialog();
    this.localSdp = options.sdp;
    this.offeredIn2xx = this.offer === null;
    this.state = 'answered';
    this.durationTimer = this.host.clock.setTimer(this.host.maxCallDurationMs, () => {
      this.log.warn({ code: 'VM_SIP_MAX_DURATION' }, 'call reached the maximum duration; hanging up');
      this.sendBye();
      this.end('max-duration');
    });
    this.send2xx(this.tx, options.sdp);
  }

  /** Refuse the call with a final response (404, 486, 488, 603...). */
  reject(status: number, options: { reason?: string; headers?: Iterable<readonly [string, string]> } = {}): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    if (status < 300) throw new RangeError('reject() takes a 3xx–6xx status');
    this.finalResponse(status, options);
    this.end('rejected');
  }

  /** Hang up: BYE once a dialog is established; a final 480 before that. */
  hangup(): void {
    if (this.state === 'terminated') return;
    if (this.state === 'incoming' || this.state === 'early') {
      this.finalResponse(480);
      this.end('local-bye');
      return;
    }
    this.sendBye();
    this.end('local-bye');
  }

  private finalResponse(status: number, options: { reason?: string; headers?: Iterable<readonly [string, string]> } = {}): void {
    this.answerTimer?.cancel();
    this.pendingInvite = false;
    const res = createResponse(this.request, this.tx.topVia, status, {
      toTag: this.localTag,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      headers: [['Server', this.host.userAgent], ...(options.headers ?? [])],
    });
    this.tx.respond(res, status);
  }

  private ensureDialog(): void {
    if (this.dialog) return;
    this.dialog = new Dialog(this.request, this.localTag, this.source);
    this.host.registerDialog(this);
  }

  /** A response that may establish the dialog: Contact, Record-Route, Allow, SDP. */
  private response(tx: ServerTransaction, status: number, sdp: SessionDescription | null, withDialog: boolean): OutgoingMessage {
    const req = tx.request;
    const me = this.host.localContactAddress(this.source);
    const user = req.uri.kind === 'sip' && req.uri.user ? `${req.uri.user}@` : '';
    const hostText = me.host.includes(':') ? `[${me.host}]` : me.host;
    const headers: [string, string][] = [];
    // §12.1.1: a 2xx to an INVITE copies that request's own Record-Route.
    if (withDialog) for (const rr of req.headers.getAll('record-route')) headers.push(['Record-Route', rr]);
    headers.push(['Contact', `<sip:${user}${hostText}:${me.port}${me.transport === 'tcp' ? ';transport=tcp' : ''}>`]);
    headers.push(['Allow', ALLOW_HEADER]);
    if (SUPPORTED_EXTENSIONS.length > 0) headers.push(['Supported', SUPPORTED_EXTENSIONS.join(', ')]);
    headers.push(['Server', this.host.userAgent]);
    return createResponse(req, tx.topVia, status, {
      toTag: this.localTag,
      headers,
      ...(sdp ? { body: Buffer.from(utf8ToWire(serializeSdp(sdp)), 'latin1'), contentType: 'application/sdp' } : {}),
    });
  }

  /**
   * Send a 2xx to an INVITE and keep re-sending it (T1, doubling to T2) until the ACK
   * comes; after 64×T1 without ACK, end the call with BYE (§13.3.1.4).
   */
  private send2xx(tx: ServerTransaction, sdp: SessionDescription | null): void {
    const req = tx.request;
    const res = this.response(tx, 200, sdp, true);
    tx.respond(res, 200);
    this.stopRetransmit();
    const wire = serializeMessage(res);
    const t = this.host.timers;
    const r = { wire, timer: null as TimerHandle | null, giveUp: null as TimerHandle | null, cseq: req.cseq.seq };
    this.retransmit = r;
    const schedule = (interval: number): void => {
      r.timer = this.host.clock.setTimer(interval, () => {
        if (this.retransmit !== r) return;
        this.host.transport.send(wire, tx.destination);
        schedule(Math.min(2 * interval, t.T2));
      });
    };
    // Over TCP the transport is reliable, but a lost ACK still needs the give-up timer.
    if (tx.destination.transport === 'udp') schedule(t.T1);
    r.giveUp = this.host.clock.setTimer(64 * t.T1, () => {
      if (this.retransmit !== r) return;
      this.log.warn({ code: 'VM_SIP_ACK_TIMEOUT' }, 'no ACK for our 2xx within 64×T1; ending the call');
      this.stopRetransmit();
      this.pendingInvite = false;
      this.sendBye();
      this.end('ack-timeout');
    });
  }

  private stopRetransmit(): void {
    if (!this.retransmit) return;
    this.retransmit.timer?.cancel();
    this.retransmit.giveUp?.cancel();
    this.retransmit = null;
  }

  /** The ACK for our 2xx (routed here by dialog id). */
  receiveAck(ack: SipRequest): void {
    if (!this.retransmit || ack.cseq.seq !== this.retransmit.cseq) return; // stray or duplicate ACK
    this.stopRetransmit();
    this.pendingInvite = false;
    let answer: SessionDescription | null = null;
    if (this.offeredIn2xx) {
      const sdp = extractSdp(ack);
      if (sdp.ok) answer = sdp.value;
      else this.log.info({ reason: sdp.error }, 'ACK carried an SDP answer we cannot parse');
      this.offeredIn2xx = false;
    }
    // 'ack' is the call's confirmation: once. ACKs of later re-INVITEs only stop the
    // 2xx retransmission.
    if (this.state === 'answered') {
      this.state = 'confirmed';
      if (this.dialog) this.dialog.state = 'confirmed';
      this.emit('ack', answer);
    }
  }

  /** CANCEL for our INVITE while it is still unanswered (the core already sent 200 to the CANCEL). */
  receiveCancel(): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    this.finalResponse(487);
    this.emit('cancel');
    this.end('cancelled');
  }

  /** A request inside our dialog (the core checked dialog id; we check CSeq order). */
  receiveInDialog(req: SipRequest, tx: ServerTransaction): void {
    const d = this.dialog!;
    if (!d.acceptRemoteSeq(req)) {
      tx.respond(this.plain(req, tx, 500, 'CSeq Out of Order'), 500);
      return;
    }
    switch (req.method) {
      case 'BYE':
        tx.respond(this.plain(req, tx, 200), 200);
        this.stopRetransmit();
        this.emit('bye', req);
        this.end('remote-bye');
        return;
      case 'INFO':
        tx.respond(this.plain(req, tx, 200), 200);
        this.emit('info', req);
        return;
      case 'OPTIONS':
        tx.respond(this.plain(req, tx, 200, undefined, [['Allow', ALLOW_HEADER]]), 200);
        return;
      case 'INVITE':
        this.receiveReInvite(req, tx);
        return;
      case 'UPDATE':
        this.receiveUpdate(req, tx);
        return;
      default:
        tx.respond(this.plain(req, tx, 405, undefined, [['Allow', ALLOW_HEADER]]), 405);
    }
  }

  /** re-INVITE (§14.2): 491 if another INVITE is in progress, else answer the offer. */
  private receiveReInvite(req: SipRequest, tx: ServerTransaction): void {
    if (this.pendingInvite || this.state !== 'confirmed') {
      tx.respond(this.plain(req, tx, 491, undefined, [['Retry-After', '1']]), 491);
      return;
    }
    const sdp = extractSdp(req);
    if (!sdp.ok) {
      tx.respond(this.plain(req, tx, 488, undefined), 488);
      return;
    }
    const answer = sdp.value ? this.onReoffer(sdp.value, this) : this.localSdp;
    if (!answer) {
      tx.respond(this.plain(req, tx, 488), 488);
      return;
    }
    const target = refreshedTarget(req);
    if (target) this.dialog!.remoteTarget = target;
    this.localSdp = answer;
    this.offeredIn2xx = sdp.value === null;
    this.pendingInvite = true;
    this.send2xx(tx, answer);
  }

  /** UPDATE (RFC 3311): an offer gets an answer in the 200; no offer, a plain 200. */
  private receiveUpdate(req: SipRequest, tx: ServerTransaction): void {
    const sdp = extractSdp(req);
    if (!sdp.ok) {
      tx.respond(this.plain(req, tx, 488), 488);
      return;
    }
    const target = refreshedTarget(req);
    if (target) this.dialog!.remoteTarget = target;
    if (sdp.value === null) {
      tx.respond(this.response(tx, 200, null, false), 200);
      return;
    }
    const answer = this.onReoffer(sdp.value, this);
    if (!answer) {
      tx.respond(this.plain(req, tx, 488), 488);
      return;
    }
    this.localSdp = answer;
    tx.respond(this.response(tx, 200, answer, false), 200);
  }

  private plain(req: SipRequest, tx: ServerTransaction, status: number, reason?: string, headers: [string, string][] = []): OutgoingMessage {
    return createResponse(req, tx.topVia, status, {
      ...(reason !== undefined ? { reason } : {}),
      headers: [...headers, ['Server', this.host.userAgent]],
    });
  }

  private sendBye(): void {
    const d = this.dialog;
    if (!d) return;
    const me = this.host.localContactAddress(this.source);
    const { request, destination } = d.buildRequest('BYE', me, [['User-Agent', this.host.userAgent]]);
    this.host.sendRequest(request, destination, {
      onResponse: (res: SipResponse) => {
        if (res.status >= 200) this.log.debug({ status: res.status }, 'BYE answered');
      },
      onTimeout: () => this.log.info({ code: 'VM_SIP_BYE_TIMEOUT' }, 'BYE got no answer'),
    });
  }

  /** End the call once: stop timers, forget the dialog, tell the application. */
  end(reason: CallEndReason): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    if (this.dialog) this.dialog.state = 'terminated';
    this.answerTimer?.cancel();
    this.answerTimer = null;
    this.durationTimer?.cancel();
    this.durationTimer = null;
    this.stopRetransmit();
    this.host.unregisterDialog(this);
    this.log.debug({ reason }, 'call ended');
    this.emit('terminated', reason);
  }
}
