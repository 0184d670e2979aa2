import type { Clock, TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { parseBoundedInt, trimWs } from '../message/charset.js';
import { createResponse, newTag } from '../message/build.js';
import { parseNameAddr } from '../message/name-addr.js';
import { parseParams } from '../message/params.js';
import { sipfragStatus } from '../message/sipfrag.js';
import { parseUri } from '../message/uri.js';
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
  /**
   * NOTIFY with `Event: refer` about a REFER we sent (already answered 200): `status`
   * is the code of its message/sipfrag Status-Line (`SIP/2.0 200 OK` → 200). A NOTIFY
   * whose body has no Status-Line is answered 200 but not surfaced.
   */
  notify: (status: number, notify: ReferNotify) => void;
  terminated: (reason: CallEndReason) => void;
}

/** Options of `IncomingCall.refer`. */
export interface ReferOptions {
  /** Referred-By (RFC 3892): who asks for the transfer; a SIP URI or a name-addr. */
  readonly referredBy?: string;
}

/**
 * A NOTIFY reporting on our REFER (RFC 3515 §2.4.4–§2.4.5): the transferee's progress,
 * as the status line of a message/sipfrag body.
 */
export interface ReferNotify {
  /** Status code of the sipfrag Status-Line (`SIP/2.0 200 OK` → 200). */
  readonly status: number;
  /** The Event header's `id` (the CSeq number of the REFER it reports on), or null. */
  readonly id: number | null;
  /** Subscription-State without parameters, lower-cased (`active`, `terminated`), or null. */
  readonly subscriptionState: string | null;
  readonly request: SipRequest;
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

  private readonly handlers: { [K in keyof CallEvents]: CallEvents[K][] } = { ack: [], cancel: [], bye: [], info: [], notify: [], terminated: [] };
  /** CSeq numbers of the REFERs we sent: a NOTIFY for `refer` without any is for no subscription (481). */
  private readonly referSeqs: number[] = [];
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

  /**
   * Answer the call: 200 OK with our SDP (an answer, or an offer when the INVITE had none).
   * `onSent`: called once the 200 is on its way (handed to the kernel), or at once if the
   * call can no longer be answered — media that must follow the answer waits for it.
   */
  accept(options: { sdp: SessionDescription }, onSent?: () => void): void {
    if (this.state !== 'incoming' && this.state !== 'early') {
      onSent?.();
      return;
    }
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
    this.send2xx(this.tx, options.sdp, onSent);
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
  private send2xx(tx: ServerTransaction, sdp: SessionDescription | null, onSent?: () => void): void {
    const req = tx.request;
    const res = this.response(tx, 200, sdp, true);
    tx.respond(res, 200, onSent);
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
      case 'NOTIFY':
        this.receiveNotify(req, tx);
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

  /**
   * Transfer the caller (RFC 3515): send REFER in the dialog with Refer-To `target`
   * (a SIP/tel URI or a name-addr) and resolve with the final response's status —
   * normally 202 — or 408 when none came (Timer F). The transferee then reports with
   * NOTIFYs (`Event: refer`), surfaced as 'notify' events; after a 2xx there, the
   * usual next step is `hangup()`. On a call answered but not yet ACKed, the REFER
   * waits for the ACK; on an ended call it resolves 481 at once.
   * @see RFC 3515 §2.4; RFC 3892 (Referred-By); RFC 3261 §12.2.1.1
   */
  refer(target: string, options: ReferOptions = {}): Promise<{ status: number }> {
    const referTo = addressValue(target);
    if (referTo === null) return Promise.reject(new RangeError('refer(): target is not a URI or name-addr'));
    const referredBy = options.referredBy === undefined ? null : addressValue(options.referredBy);
    if (options.referredBy !== undefined && referredBy === null) {
      return Promise.reject(new RangeError('refer(): referredBy is not a URI or name-addr'));
    }
    if (this.state === 'incoming' || this.state === 'early') return Promise.reject(new Error('refer(): the call is not answered'));
    return new Promise((resolve) => {
      let settled = false;
      const settle = (status: number): void => {
        if (settled) return;
        settled = true;
        resolve({ status });
      };
      const send = (): void => {
        const d = this.dialog;
        if (this.state !== 'confirmed' || !d) {
          settle(481);
          return;
        }
        const me = this.host.localContactAddress(this.source);
        const hostText = me.host.includes(':') ? `[${me.host}]` : me.host;
        const user = this.request.uri.kind === 'sip' && this.request.uri.user ? `${this.request.uri.user}@` : '';
        const headers: [string, string][] = [['Refer-To', referTo]];
        if (referredBy !== null) headers.push(['Referred-By', referredBy]);
        // A REFER is a target refresh request, so it carries our Contact (RFC 3261 §8.1.1.8; RFC 3515).
        headers.push(['Contact', `<sip:${user}${hostText}:${me.port}${me.transport === 'tcp' ? ';transport=tcp' : ''}>`]);
        headers.push(['User-Agent', this.host.userAgent]);
        const { request, destination } = d.buildRequest('REFER', me, headers);
        this.referSeqs.push(d.localSeq);
        // Timer F ends the transaction after 64×T1; this guard only matters if the
        // request could not be sent at all (the stack is closing).
        const guard = this.host.clock.setTimer(64 * this.host.timers.T1 + 1000, () => settle(408));
        this.host.sendRequest(request, destination, {
          onResponse: (res: SipResponse) => {
            if (res.status < 200) return;
            guard.cancel();
            this.log.debug({ status: res.status }, 'REFER answered');
            settle(res.status);
          },
          onTimeout: () => {
            guard.cancel();
            this.log.info({ code: 'VM_SIP_REFER_TIMEOUT' }, 'REFER got no answer');
            settle(408);
          },
        });
      };
      if (this.state === 'answered') {
        // §13.3.1.4: the dialog is confirmed by the ACK; send then (or give up if the call ends first).
        this.on('ack', send);
        this.on('terminated', () => settle(481));
        return;
      }
      send();
    });
  }

  /**
   * NOTIFY in the dialog. Only the implicit subscription of a REFER we sent is served:
   * `Event: refer` → 200 and a 'notify' event; another event package → 489; `refer`
   * when we never sent a REFER → 481. NOTIFY refreshes the remote target.
   * @see RFC 3515 §2.4.4, §2.4.5; RFC 6665 §4.1.3 and its 489 Bad Event
   */
  private receiveNotify(req: SipRequest, tx: ServerTransaction): void {
    const event = parseEventHeader(req.headers.get('event'));
    if (event === null || event.package !== 'refer') {
      tx.respond(this.plain(req, tx, 489, undefined, [['Allow-Events', 'refer']]), 489);
      return;
    }
    if (this.referSeqs.length === 0) {
      tx.respond(this.plain(req, tx, 481), 481);
      return;
    }
    const target = refreshedTarget(req);
    if (target) this.dialog!.remoteTarget = target;
    tx.respond(this.plain(req, tx, 200), 200);
    const status = sipfragStatus(req.body);
    if (status === null) {
      this.log.info({ contentType: req.contentType }, 'NOTIFY for our REFER without a sipfrag Status-Line');
      return;
    }
    const state = req.headers.get('subscription-state');
    this.emit('notify', status, {
      status,
      id: event.id,
      subscriptionState: state === undefined ? null : trimWs(state.split(';', 1)[0]!).toLowerCase(),
      request: req,
    });
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

/**
 * A URI or name-addr given by the application, as a header value (`<uri>` or the
 * name-addr, UTF-8 display names in wire form), or null when it does not parse or
 * could break out of the header (control characters).
 */
function addressValue(s: string): string | null {
  const t = s.trim();
  // eslint-disable-next-line no-control-regex
  if (t.length === 0 || t.length > 1024 || /[\x00-\x1f\x7f]/.test(t)) return null;
  const wire = utf8ToWire(t);
  if (wire.includes('<')) return parseNameAddr(wire).ok ? wire : null;
  return parseUri(wire).ok ? `<${wire}>` : null;
}

/** `Event: refer;id=93809824` → package and id (RFC 6665 Event header; RFC 3515 §2.4.6). */
function parseEventHeader(value: string | undefined): { package: string; id: number | null } | null {
  if (value === undefined) return null;
  const semi = value.indexOf(';');
  const pkg = trimWs(semi < 0 ? value : value.slice(0, semi)).toLowerCase();
  if (pkg.length === 0) return null;
  if (semi < 0) return { package: pkg, id: null };
  const p = parseParams(value, semi);
  const id = p.ok ? p.value.params.get('id') : undefined;
  return { package: pkg, id: id ? parseBoundedInt(id, 0x7fffffff) : null };
}
