import type { TimerHandle } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import { Dialog, refreshedTarget } from '../dialog/dialog.js';
import { createResponse, newTag } from '../message/build.js';
import type { NameAddr } from '../message/name-addr.js';
import type { SipRequest } from '../message/types.js';
import { decodeUriPart } from '../message/uri.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { MessageSource } from '../transport/types.js';
import { contactValue, eventReasonPhrase, formatEvent, grantExpires, parseEvent, subscriptionStateValue, type EventValue, type TerminationReason } from './headers.js';
import { NotifyQueue, type NotifyJob } from './notify-queue.js';
import { requestStatus } from './request-status.js';
import { ALLOW_EVENTS, type EventPackage, type NotifyBody, type StateReader, type SubscriptionEndReason, type SubscriptionHost, type SubscriptionLimits } from './types.js';

export type SubscriptionStatus = 'pending' | 'active' | 'terminating' | 'terminated';

/** What a subscription tells the registry that holds it (the SubscriptionManager). */
export interface SubscriptionContext {
  readonly host: SubscriptionHost;
  readonly limits: SubscriptionLimits;
  /** The dialog exists: route in-dialog requests with its id here. */
  established(sub: IncomingSubscription): void;
  /** Ended: forget it and free its place in the limits. */
  ended(sub: IncomingSubscription): void;
}

interface Job extends NotifyJob {
  /** For the final NOTIFY: its reason, and why the subscription then ends. */
  readonly terminated?: { readonly reason: TerminationReason; readonly retryAfter?: number; readonly end: SubscriptionEndReason };
}

/**
 * NOTIFY answers that end the subscription (RFC 6665 §4.2.2, after RFC 5057): 404, 405,
 * 410, 416, 480–485, 489, 501, 604 — and no answer at all (Timer F, seen as 408).
 */
function endsSubscription(status: number): boolean {
  return [404, 405, 408, 410, 416, 489, 501, 604].includes(status) || (status >= 480 && status <= 485);
}

const toBuffer = (b: NotifyBody): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);

/**
 * One subscription, notifier side (RFC 6665 §4.2): the application decides with
 * `accept(state)` / `reject(status)`; once accepted the stack answers 200 (Expires,
 * Contact), creates the dialog and sends the first NOTIFY at once (§4.2.1.2), answers
 * refreshes in the dialog (§4.2.1) with a NOTIFY each, and ends the subscription with
 * a final NOTIFY (`terminated;reason=timeout`) when it is not refreshed or the subscriber
 * unsubscribes. It ends exactly once, with 'terminated'.
 */
export class IncomingSubscription {
  status: SubscriptionStatus = 'pending';
  readonly localTag = newTag();
  readonly log: Logger;
  /** The Request-URI user, %-decoded (e.g. `100`), or null when it has none. */
  readonly user: string | null;
  readonly from: NameAddr;
  dialog: Dialog | null = null;
  private expiresAt = 0;
  private expiryTimer: TimerHandle | null = null;
  private answerTimer: TimerHandle | null;
  private reader: StateReader | null = null;
  private lastBody: Buffer = Buffer.alloc(0);
  private readonly queue = new NotifyQueue<Job>((job) => this.runJob(job));
  private readonly endHandlers: ((reason: SubscriptionEndReason) => void)[] = [];

  constructor(
    readonly request: SipRequest,
    readonly source: MessageSource,
    private readonly tx: ServerTransaction,
    private readonly ctx: SubscriptionContext,
    readonly event: EventValue,
    private readonly pkg: EventPackage,
    /** The duration granted to the initial SUBSCRIBE, seconds (0: a fetch). */
    readonly grantedS: number,
    log: Logger,
  ) {
    this.log = log;
    this.user = request.uri.kind === 'sip' && request.uri.user !== null ? decodeUriPart(request.uri.user) : null;
    this.from = request.from;
    this.answerTimer = ctx.host.clock.setTimer(ctx.limits.answerTimeoutMs, () => {
      if (this.status !== 'pending') return;
      this.log.warn({ code: 'VM_SIP_SUBSCRIBE_NO_ANSWER' }, 'application did not decide on a SUBSCRIBE in time; sending 480');
      this.respond(this.tx, 480, [['Retry-After', '60']]);
      this.end('no-answer');
    });
  }

  get callId(): string {
    return this.request.callId;
  }

  /** Seconds left before the subscription expires (0 once it is not active). */
  get expiresInS(): number {
    if (this.status !== 'active') return 0;
    return Math.max(1, Math.ceil((this.expiresAt - this.ctx.host.clock.now()) / 1000));
  }

  on(_event: 'terminated', fn: (reason: SubscriptionEndReason) => void): this {
    this.endHandlers.push(fn);
    return this;
  }

  /**
   * Accept: `state` is read now for the first NOTIFY, and again for every NOTIFY the
   * stack sends on its own (refresh, expiry, unsubscribe). If it throws before the
   * first NOTIFY, the SUBSCRIBE gets 500 with Retry-After instead.
   */
  accept(state: StateReader): void {
    if (this.status !== 'pending' || this.reader) return;
    this.reader = state;
    void this.readState().then((body) => {
      if (this.status !== 'pending') return; // answered meanwhile (no-answer, shutdown)
      if (body === null) {
        this.respond(this.tx, 500, [['Retry-After', '60']]);
        this.end('rejected');
        return;
      }
      this.establish(body);
    });
  }

  /** Refuse with a final response (403, 404...): the same for every reason the application has. */
  reject(status: number, options: { reason?: string; headers?: readonly (readonly [string, string])[] } = {}): void {
    if (this.status !== 'pending') return;
    if (status < 300 || status > 699) throw new RangeError('reject() takes a 3xx–6xx status');
    this.respond(this.tx, status, options.headers ?? [], options.reason);
    this.end('rejected');
  }

  /**
   * Send the resource's new state (`body`, or what the state reader returns when
   * omitted). Resolves with the NOTIFY's final status (408: no answer; 481 at once when
   * the subscription is not active). A status that ends the subscription ends it.
   */
  async notify(body?: NotifyBody): Promise<{ status: number }> {
    if (this.status !== 'active') return { status: 481 };
    return { status: await this.queue.push({ body: body === undefined ? null : toBuffer(body), final: false }) };
  }

  /** End it from our side: a final NOTIFY `terminated;reason=<reason>` (default noresource, §4.1.3). */
  async terminate(reason: TerminationReason = 'noresource'): Promise<{ status: number }> {
    if (this.status === 'pending') {
      this.reject(403);
      return { status: 403 };
    }
    if (this.status !== 'active') return { status: 481 };
    return { status: await this.finish({ reason, end: 'local' }) };
  }

  /** A request in our dialog (the core matched the dialog id). */
  receiveInDialog(req: SipRequest, tx: ServerTransaction): void {
    const d = this.dialog!;
    if (!d.acceptRemoteSeq(req)) {
      this.respond(tx, 500, [], 'CSeq Out of Order');
      return;
    }
    if (req.method === 'OPTIONS') {
      this.respond(tx, 200, [['Allow-Events', ALLOW_EVENTS]]);
      return;
    }
    // A subscription dialog has no invite usage: nothing but SUBSCRIBE belongs here (RFC 5057).
    if (req.method !== 'SUBSCRIBE') {
      this.respond(tx, 481);
      return;
    }
    this.receiveRefresh(req, tx);
  }

  /** Refresh or unsubscribe (RFC 6665 §4.2.1, §4.1.2.3): 200 with the granted Expires, then a NOTIFY. */
  private receiveRefresh(req: SipRequest, tx: ServerTransaction): void {
    const ev = parseEvent(req.headers.get('event'));
    if (!ev || ev.package !== this.event.package) {
      this.respond(tx, 489, [['Allow-Events', ALLOW_EVENTS]]);
      return;
    }
    if (ev.id !== this.event.id || this.status !== 'active') {
      this.respond(tx, 481);
      return;
    }
    const l = this.ctx.limits;
    const exp = grantExpires(req, this.pkg.defaultExpiresS, l.minExpiresS, l.maxExpiresS);
    if (!exp.ok) {
      this.respond(tx, exp.status, exp.headers, exp.reason);
      return;
    }
    const target = refreshedTarget(req);
    if (target) this.dialog!.remoteTarget = target;
    this.respond(tx, 200, [['Expires', String(exp.seconds)], this.contactHeader()]);
    if (exp.seconds === 0) {
      void this.finish({ reason: 'timeout', end: 'unsubscribed' });
      return;
    }
    this.arm(exp.seconds);
    void this.queue.push({ body: null, final: false });
  }

  /** The stack is closing: refuse if undecided, else a final NOTIFY (probation: come back later). */
  shutdown(): void {
    if (this.status === 'pending') {
      this.respond(this.tx, 503, [['Retry-After', '30']]);
      this.end('shutdown');
      return;
    }
    if (this.status === 'terminated') return;
    // No state read: the sockets close in a moment, so send what was last sent.
    this.sendNotify(subscriptionStateValue({ active: false, reason: 'probation', retryAfter: 30 }), this.lastBody).catch(() => undefined);
    this.end('shutdown');
  }

  private establish(body: Buffer): void {
    this.answerTimer?.cancel();
    const d = new Dialog(this.request, this.localTag, this.source);
    d.state = 'confirmed';
    this.dialog = d;
    const headers: [string, string][] = [];
    // §12.1.1: a dialog-creating 2xx copies the request's Record-Route.
    for (const rr of this.request.headers.getAll('record-route')) headers.push(['Record-Route', rr]);
    headers.push(['Expires', String(this.grantedS)], this.contactHeader());
    this.respond(this.tx, 200, headers);
    this.ctx.established(this);
    this.lastBody = body;
    this.status = 'active';
    if (this.grantedS === 0) {
      // A fetch (RFC 6665 §4.4.3): the state, then the end.
      void this.finish({ reason: 'timeout', end: 'fetched' }, body);
      return;
    }
    this.arm(this.grantedS);
    void this.queue.push({ body, final: false });
  }

  private finish(t: NonNullable<Job['terminated']>, body: Buffer | null = null): Promise<number> {
    this.status = 'terminating';
    this.expiryTimer?.cancel();
    return this.queue.push({ body, final: true, terminated: t });
  }

  private arm(seconds: number): void {
    this.expiryTimer?.cancel();
    this.expiresAt = this.ctx.host.clock.now() + seconds * 1000;
    this.expiryTimer = this.ctx.host.clock.setTimer(seconds * 1000, () => {
      if (this.status !== 'active') return;
      this.log.debug('subscription expired');
      void this.finish({ reason: 'timeout', end: 'timeout' });
    });
  }

  private async runJob(job: Job): Promise<number> {
    const body = job.body ?? (await this.readState()) ?? this.lastBody;
    if (this.status === 'terminated' || (!job.terminated && this.status !== 'active')) return 481;
    this.lastBody = body;
    const t = job.terminated;
    const state = t
      ? subscriptionStateValue({ active: false, reason: t.reason, ...(t.retryAfter !== undefined ? { retryAfter: t.retryAfter } : {}) })
      : subscriptionStateValue({ active: true, expires: this.expiresInS });
    const status = await this.sendNotify(state, body);
    if (t) this.end(t.end);
    else if (endsSubscription(status)) {
      this.log.info({ code: 'VM_SIP_NOTIFY_FAILED', status }, 'NOTIFY refused or unanswered; subscription ended');
      this.end('notify-failed');
    }
    return status;
  }

  private async readState(): Promise<Buffer | null> {
    try {
      return toBuffer(await this.reader!());
    } catch (e) {
      this.log.warn({ err: e, code: 'VM_SIP_SUBSCRIPTION_STATE' }, 'could not read the state for a NOTIFY');
      return null;
    }
  }

  /** One NOTIFY in the dialog (§4.2.2): Event, Subscription-State, Contact, the body. */
  private sendNotify(state: string, body: Buffer): Promise<number> {
    const d = this.dialog;
    if (!d) return Promise.resolve(481);
    const host = this.ctx.host;
    const me = host.localContactAddress(this.source);
    const headers: [string, string][] = [
      ['Event', formatEvent(this.event)],
      ['Subscription-State', state],
      ['Contact', contactValue(me, this.contactUser())],
      ['User-Agent', host.userAgent],
    ];
    if (body.length > 0) headers.push(['Content-Type', this.pkg.contentType]);
    // A copy: buildRequest takes a Buffer over a plain ArrayBuffer.
    const { request, destination } = d.buildRequest('NOTIFY', me, headers, Buffer.from(body));
    return requestStatus(host, request, destination);
  }

  private contactUser(): string | null {
    return this.request.uri.kind === 'sip' ? this.request.uri.user : null;
  }

  private contactHeader(): [string, string] {
    return ['Contact', contactValue(this.ctx.host.localContactAddress(this.source), this.contactUser())];
  }

  private respond(tx: ServerTransaction, status: number, headers: readonly (readonly [string, string])[] = [], reason?: string): void {
    const phrase = reason ?? eventReasonPhrase(status);
    const res = createResponse(tx.request, tx.topVia, status, {
      toTag: this.localTag,
      ...(phrase !== undefined ? { reason: phrase } : {}),
      headers: [...headers, ['Server', this.ctx.host.userAgent]],
    });
    tx.respond(res, status);
  }

  /** End once: stop timers, drop queued NOTIFYs, leave the registry, tell the application. */
  private end(reason: SubscriptionEndReason): void {
    if (this.status === 'terminated') return;
    this.status = 'terminated';
    if (this.dialog) this.dialog.state = 'terminated';
    this.answerTimer?.cancel();
    this.expiryTimer?.cancel();
    this.queue.close();
    this.ctx.ended(this);
    this.log.debug({ reason }, 'subscription ended');
    for (const fn of this.endHandlers) {
      try {
        fn(reason);
      } catch (e) {
        this.log.error({ err: e }, 'subscription end handler threw');
      }
    }
  }
}
