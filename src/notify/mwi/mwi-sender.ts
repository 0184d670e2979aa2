/**
 * The `mwi` channel of the outbox. A notification names a mailbox (its payload, else
 * its tenantId/mailboxId) and a recipient:
 * - `subscribers`: NOTIFY every live message-summary subscription to the mailbox;
 * - a `sip:` URI (one of `Mailbox.mwiUris`): the same, plus an unsolicited NOTIFY to
 *   that URI, whose answer decides the delivery result (2xx sent; 408, 480, 486, 491
 *   and most 5xx retried; anything else failed for good).
 * The counts are read from the store when the NOTIFY is built, so a retry hours later
 * shows the state of then, not of the event. Subscriptions are best effort: a dead one
 * ends by itself (RFC 6665 §4.2.2) and never fails the delivery.
 */
import type { Logger } from '../../shared/logger.js';
import type { SendNotifyOptions } from '../../sip/index.js';
import type { Notification } from '../../voicemail/model.js';
import { parsePayload } from '../../voicemail/notifications/payload.js';
import type { ChannelSender, DeliveryResult } from '../../voicemail/ports.js';
import type { MwiService } from './mwi-service.js';

/** The recipient that means "only the subscriptions". */
export const MWI_SUBSCRIBERS = 'subscribers';

/** What sends an out-of-dialog NOTIFY (SipStack.sendNotify). */
export interface MwiNotifier {
  sendNotify(uri: string, body: string, options: SendNotifyOptions): Promise<{ status: number }>;
}

export interface MwiSenderOptions {
  readonly service: MwiService;
  readonly notifier: MwiNotifier;
  readonly logger: Logger;
}

const permanent = (error: string): DeliveryResult => ({ ok: false, permanent: true, error });
const retry = (error: string): DeliveryResult => ({ ok: false, permanent: false, error });

/** How an unsolicited NOTIFY's final status counts for the outbox. */
export function classifyNotifyStatus(status: number): 'sent' | 'retry' | 'failed' {
  if (status >= 200 && status < 300) return 'sent';
  if (status === 408 || status === 480 || status === 486 || status === 491) return 'retry';
  if (status >= 500 && status < 600 && status !== 501 && status !== 505) return 'retry';
  return 'failed';
}

/** The mailbox a notification is about: its payload's snapshot, else its own columns. */
function mailboxOf(n: Notification): { tenantId: string; mailboxId: string } | null {
  const p = parsePayload(n.payload);
  if (!(p instanceof Error) && 'mailbox' in p && p.mailbox) return { tenantId: p.mailbox.tenantId, mailboxId: p.mailbox.id };
  return n.mailboxId !== null ? { tenantId: n.tenantId, mailboxId: n.mailboxId } : null;
}

export class MwiSender implements ChannelSender {
  readonly channel = 'mwi' as const;
  private readonly log: Logger;

  constructor(private readonly o: MwiSenderOptions) {
    this.log = o.logger.child({ channel: 'mwi' });
  }

  async send(notification: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    try {
      return await this.attempt(notification, signal);
    } catch (e) {
      return permanent(`mwi sender error: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async attempt(n: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    const mb = mailboxOf(n);
    if (!mb) return permanent('the notification names no mailbox');
    const unsolicited = n.recipient !== MWI_SUBSCRIBERS;
    if (unsolicited && !/^sip:/i.test(n.recipient)) return permanent(`recipient must be a sip: URI or "${MWI_SUBSCRIBERS}"`);
    // Every deposit queues one of these; with no phone subscribed and none to notify
    // unsolicited, there is nothing to count.
    if (!unsolicited && this.o.service.subscriptionsOf(mb.tenantId, mb.mailboxId).length === 0) return { ok: true, providerId: null, detail: '0 subscription(s)' };
    let body: string;
    try {
      body = await this.o.service.summaryBody(mb.tenantId, mb.mailboxId);
    } catch (e) {
      return retry(`could not read the counts: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (signal.aborted) return retry('aborted (shutting down)');
    const subs = this.o.service.subscriptionsOf(mb.tenantId, mb.mailboxId);
    const toSubs = Promise.all(subs.map((s) => s.notify(body).then((r) => r.status)));
    if (!unsolicited) {
      const statuses = await toSubs;
      this.log.debug({ notificationId: n.id, statuses }, 'MWI sent to subscriptions');
      return { ok: true, providerId: null, detail: `${String(subs.length)} subscription(s)${statuses.length ? `: ${statuses.join(', ')}` : ''}` };
    }
    let status: number;
    try {
      // From: the mailbox when its id is a plain URI user, else the default.
      const fromUser = /^[A-Za-z0-9._+-]{1,64}$/.test(mb.mailboxId) ? mb.mailboxId : undefined;
      const sent = this.o.notifier.sendNotify(n.recipient, body, { event: 'message-summary', ...(fromUser ? { fromUser } : {}) });
      [status] = await Promise.all([sent.then((r) => r.status), toSubs]);
    } catch (e) {
      return permanent(e instanceof Error ? e.message : String(e));
    }
    const outcome = classifyNotifyStatus(status);
    this.log.debug({ notificationId: n.id, status, outcome }, 'unsolicited MWI NOTIFY answered');
    if (outcome === 'sent') return { ok: true, providerId: null, detail: `NOTIFY ${String(status)}` };
    return outcome === 'retry' ? retry(`NOTIFY got ${String(status)}`) : permanent(`NOTIFY got ${String(status)}`);
  }
}
