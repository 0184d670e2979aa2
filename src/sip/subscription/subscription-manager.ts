import type { Logger } from '../../shared/logger.js';
import { createResponse, newTag } from '../message/build.js';
import { parseNameAddr } from '../message/name-addr.js';
import { splitList } from '../message/params.js';
import type { SipRequest } from '../message/types.js';
import type { ServerTransaction } from '../transaction/server-transaction.js';
import type { MessageSource } from '../transport/types.js';
import { acceptsType, eventReasonPhrase, grantExpires, parseEvent } from './headers.js';
import { IncomingSubscription, type SubscriptionContext } from './incoming-subscription.js';
import { ALLOW_EVENTS, DEFAULT_SUBSCRIPTION_LIMITS, EVENT_PACKAGES, type SubscriptionApplication, type SubscriptionHost, type SubscriptionLimits } from './types.js';

/**
 * The notifier side of SIP events (RFC 6665 §4.2) for the packages in EVENT_PACKAGES:
 * checks a new SUBSCRIBE (489 Bad Event, 406, 400, 423), enforces the limits (503),
 * hands it to the application, and routes in-dialog requests to their subscription.
 * Every subscription ends by its own expiry timer, so nothing here grows without bound.
 */
export class SubscriptionManager implements SubscriptionContext {
  readonly limits: SubscriptionLimits;
  private readonly alive = new Set<IncomingSubscription>();
  private readonly byDialog = new Map<string, IncomingSubscription>();
  private readonly perSource = new Map<string, number>();
  private lastLimitLog = -Infinity;

  constructor(
    readonly host: SubscriptionHost,
    private readonly app: SubscriptionApplication,
    limits: Partial<SubscriptionLimits>,
    private readonly log: Logger,
  ) {
    this.limits = { ...DEFAULT_SUBSCRIPTION_LIMITS, ...limits };
    if (this.limits.minExpiresS > this.limits.maxExpiresS) throw new RangeError('subscription limits: minExpiresS > maxExpiresS');
  }

  /** Subscriptions alive (pending, active or ending). */
  get size(): number {
    return this.alive.size;
  }

  /** The live subscriptions, e.g. to notify every one. */
  subscriptions(): IncomingSubscription[] {
    return [...this.alive];
  }

  /** The subscription whose dialog has this id, if any. */
  find(key: string): IncomingSubscription | undefined {
    return this.byDialog.get(key);
  }

  /** A SUBSCRIBE outside any dialog that passed the §8.2 checks. */
  receive(req: SipRequest, source: MessageSource, tx: ServerTransaction): void {
    const ev = parseEvent(req.headers.get('event'));
    if (ev === null) return this.reply(tx, 400, [], 'Bad Event');
    const pkg = EVENT_PACKAGES.get(ev.package);
    // RFC 6665 §8.3.2 (489 Bad Event) with Allow-Events (§8.2.2).
    if (!pkg) return this.reply(tx, 489, [['Allow-Events', ALLOW_EVENTS]]);
    if (!acceptsType(req, pkg.contentType)) return this.reply(tx, 406, [['Accept', pkg.contentType]]);
    // A SUBSCRIBE creates a dialog, so it must say where NOTIFYs go (RFC 3261 §8.1.1.8).
    if (!hasContact(req)) return this.reply(tx, 400, [], 'Missing Contact');
    const l = this.limits;
    const exp = grantExpires(req, pkg.defaultExpiresS, l.minExpiresS, l.maxExpiresS);
    if (!exp.ok) return this.reply(tx, exp.status, exp.headers, exp.reason);
    const ip = source.remoteAddress;
    if (this.alive.size >= l.maxSubscriptions || (this.perSource.get(ip) ?? 0) >= l.maxPerSource) {
      this.logLimit(ip);
      return this.reply(tx, 503, [['Retry-After', '60']]);
    }
    const sub = new IncomingSubscription(req, source, tx, this, ev, pkg, exp.seconds, this.log.child({ callId: req.callId, event: ev.package }));
    this.alive.add(sub);
    this.perSource.set(ip, (this.perSource.get(ip) ?? 0) + 1);
    try {
      this.app.onSubscribe(sub);
    } catch (e) {
      sub.log.error({ err: e, code: 'VM_SIP_APP_ERROR' }, 'application threw on SUBSCRIBE');
      sub.reject(500);
    }
  }

  /** Stop: undecided SUBSCRIBEs get 503, active subscriptions a final NOTIFY. */
  close(): void {
    for (const s of [...this.alive]) s.shutdown();
  }

  // --- SubscriptionContext --------------------------------------------------------

  established(sub: IncomingSubscription): void {
    if (sub.dialog) this.byDialog.set(sub.dialog.key, sub);
  }

  ended(sub: IncomingSubscription): void {
    if (!this.alive.delete(sub)) return;
    const ip = sub.source.remoteAddress;
    const n = (this.perSource.get(ip) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(ip);
    else this.perSource.set(ip, n);
    if (sub.dialog && this.byDialog.get(sub.dialog.key) === sub) this.byDialog.delete(sub.dialog.key);
  }

  private reply(tx: ServerTransaction, status: number, headers: readonly (readonly [string, string])[] = [], reason?: string): void {
    const phrase = reason ?? eventReasonPhrase(status);
    const res = createResponse(tx.request, tx.topVia, status, {
      ...(phrase !== undefined ? { reason: phrase } : {}),
      toTag: newTag(),
      headers: [...headers, ['Server', this.host.userAgent]],
    });
    tx.respond(res, status);
  }

  private logLimit(ip: string): void {
    const now = this.host.clock.now();
    if (now - this.lastLimitLog < 1000) return;
    this.lastLimitLog = now;
    this.log.warn({ code: 'VM_SIP_SUBSCRIPTION_LIMIT', from: ip, alive: this.alive.size }, 'subscription limit reached; answering 503');
  }
}

function hasContact(req: SipRequest): boolean {
  const c = req.headers.get('contact');
  if (c === undefined) return false;
  const parts = splitList(c);
  if (!parts.ok || parts.value.length !== 1) return false;
  const na = parseNameAddr(parts.value[0]!);
  return na.ok && na.value.uri.kind === 'sip';
}
