import type { Clock } from '../../shared/clock.js';
import type { ClientRequest, ClientTransactionHandlers } from '../transaction/client-transaction.js';
import type { TransactionTimers } from '../transaction/timers.js';
import type { Destination, MessageSource, TransportProtocol } from '../transport/types.js';
import type { IncomingSubscription } from './incoming-subscription.js';

/** What the stack gives to the layer that serves event packages (the MWI service). */
export interface SubscriptionApplication {
  /**
   * A new SUBSCRIBE (outside any dialog) for a package we serve, that passed every
   * check and limit. The application must `accept(state)` or `reject(status)` it; when
   * it does neither in time, the stack answers 480.
   */
  onSubscribe(subscription: IncomingSubscription): void;
}

/** A NOTIFY body: text (sent as UTF-8) or bytes. */
export type NotifyBody = string | Buffer;

/** Reads the current state of the subscribed resource, for each NOTIFY the stack sends on its own. */
export type StateReader = () => Promise<NotifyBody> | NotifyBody;

/** Why a subscription ended; passed to 'terminated' handlers. */
export type SubscriptionEndReason =
  | 'rejected' // the application refused the SUBSCRIBE (or its state could not be read)
  | 'no-answer' // the application did not decide in time (480)
  | 'fetched' // an initial SUBSCRIBE with Expires: 0: one NOTIFY, then done (RFC 6665 §4.4.3)
  | 'unsubscribed' // the subscriber sent Expires: 0
  | 'timeout' // not refreshed in time
  | 'notify-failed' // a NOTIFY got 481 (or another code that ends it) or no answer (RFC 6665 §4.2.2)
  | 'local' // the application called terminate()
  | 'shutdown'; // the stack is closing

/** Bounds on what subscribers may make us hold (RFC 6665 §6.3, denial of service). */
export interface SubscriptionLimits {
  /** Subscriptions alive at once (pending and active); beyond it SUBSCRIBE gets 503. */
  readonly maxSubscriptions: number;
  /** Subscriptions alive at once from one source IP address. */
  readonly maxPerSource: number;
  /** Shorter Expires (but not 0) gets 423 with this Min-Expires, seconds (RFC 6665 §4.2.1.1). */
  readonly minExpiresS: number;
  /** Longer Expires is shortened to this, seconds. */
  readonly maxExpiresS: number;
  /** The application must accept or reject within this time, ms. */
  readonly answerTimeoutMs: number;
}

export const DEFAULT_SUBSCRIPTION_LIMITS: SubscriptionLimits = Object.freeze({
  maxSubscriptions: 10_000,
  maxPerSource: 500,
  minExpiresS: 60,
  maxExpiresS: 3600,
  answerTimeoutMs: 5000,
});

/** An event package we serve: the body type of its NOTIFYs and its default duration. */
export interface EventPackage {
  readonly contentType: string;
  /** Expires when the SUBSCRIBE has none, seconds. */
  readonly defaultExpiresS: number;
}

/**
 * The packages served. message-summary: RFC 3842 §3.1 (name), §3.4 (default duration
 * one hour), §3.5 (application/simple-message-summary).
 */
export const EVENT_PACKAGES: ReadonlyMap<string, EventPackage> = new Map([
  ['message-summary', { contentType: 'application/simple-message-summary', defaultExpiresS: 3600 }],
]);

/** The Allow-Events value (RFC 6665 §8.2.2): sent with 489 and in OPTIONS answers. */
export const ALLOW_EVENTS = [...EVENT_PACKAGES.keys()].join(', ');

/** What a subscription needs from the user agent core (SipStack implements it). */
export interface SubscriptionHost {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  readonly userAgent: string;
  sendRequest(request: ClientRequest, dest: Destination, handlers: ClientTransactionHandlers): void;
  localContactAddress(flow: MessageSource): { transport: TransportProtocol; host: string; port: number };
}
