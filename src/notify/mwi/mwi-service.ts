/**
 * Message-waiting subscriptions (RFC 3842 over RFC 6665): the SubscriptionApplication a
 * SipStack hands `SUBSCRIBE sip:<mailbox-or-number>@host` (Event: message-summary) to.
 *
 * A subscriber is trusted the way a depositing PBX is: by who sends (`isTrusted`, the
 * same source rules as deposits), which also names the tenant — never by what the
 * request claims. An untrusted source and an unknown mailbox get the very same 403,
 * so nobody can probe which mailboxes exist. Accepted subscriptions are kept per
 * (tenant, mailbox) until they end; their NOTIFY bodies are always read from the store.
 */
import type { Logger } from '../../shared/logger.js';
import { formatMessageSummary, voiceMessageSummary, type IncomingSubscription, type MessageSource, type SubscriptionApplication } from '../../sip/index.js';
import type { Mailbox } from '../../voicemail/model.js';
import type { MailboxRepository, MessageRepository } from '../../voicemail/ports.js';
import { messageAccount } from './message-account.js';
import { readMailboxCounts } from './mwi-counts.js';

export interface MwiServiceOptions {
  readonly mailboxes: Pick<MailboxRepository, 'get' | 'findByNumber'>;
  readonly messages: Pick<MessageRepository, 'lampCounts'>;
  /** The tenant a source is trusted for (the deposit trust rules), or null. */
  readonly isTrusted: (source: MessageSource) => string | null;
  /** Host of `Message-Account: sip:<mailbox>@<host>` (a name, IPv4, or IPv6 with or without brackets). */
  readonly accountHost: string;
  readonly logger: Logger;
}

const key = (tenantId: string, mailboxId: string): string => `${tenantId}\u0000${mailboxId}`;

export class MwiService implements SubscriptionApplication {
  private readonly byMailbox = new Map<string, Set<IncomingSubscription>>();
  private readonly accountHost: string;
  private readonly log: Logger;

  constructor(private readonly o: MwiServiceOptions) {
    const h = o.accountHost.trim();
    const host = h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
    if (!/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])$/.test(host)) throw new RangeError(`MWI account host "${o.accountHost}" is not a host name or address`);
    this.accountHost = host;
    this.log = o.logger.child({ channel: 'mwi' });
  }

  /** Subscriptions being kept (all mailboxes). */
  get size(): number {
    let n = 0;
    for (const s of this.byMailbox.values()) n += s.size;
    return n;
  }

  /** The live subscriptions to one mailbox. */
  subscriptionsOf(tenantId: string, mailboxId: string): IncomingSubscription[] {
    return [...(this.byMailbox.get(key(tenantId, mailboxId)) ?? [])];
  }

  /** The RFC 3842 body for a mailbox, counts read from the store now. */
  async summaryBody(tenantId: string, mailboxId: string): Promise<string> {
    const counts = await readMailboxCounts(this.o.messages, tenantId, mailboxId);
    return formatMessageSummary(voiceMessageSummary(counts, messageAccount(mailboxId, this.accountHost)));
  }

  onSubscribe(sub: IncomingSubscription): void {
    this.decide(sub).catch((e: unknown) => {
      // The store failing is not the subscriber's fault: try again later.
      sub.log.warn({ err: e, code: 'VM_MWI_LOOKUP' }, 'mailbox lookup failed for a SUBSCRIBE');
      sub.reject(500, { headers: [['Retry-After', '60']] });
    });
  }

  private async decide(sub: IncomingSubscription): Promise<void> {
    const tenantId = this.o.isTrusted(sub.source);
    const mailbox = tenantId !== null && sub.user ? await this.resolve(tenantId, sub.user) : null;
    if (sub.status !== 'pending') return; // answered meanwhile (too slow: 480; shutdown: 503)
    if (tenantId === null || mailbox === null) {
      // One answer for "not trusted" and "no such mailbox" (see the file comment).
      sub.log.info({ code: 'VM_MWI_REFUSED', from: sub.source.remoteAddress }, 'message-summary SUBSCRIBE refused');
      sub.reject(403);
      return;
    }
    const k = key(tenantId, mailbox.id);
    let set = this.byMailbox.get(k);
    if (!set) this.byMailbox.set(k, (set = new Set()));
    set.add(sub);
    sub.on('terminated', (reason) => {
      const s = this.byMailbox.get(k);
      s?.delete(sub);
      if (s?.size === 0) this.byMailbox.delete(k);
      sub.log.debug({ reason, mailbox: mailbox.id }, 'MWI subscription ended');
    });
    sub.log.info({ tenantId, mailbox: mailbox.id, expires: sub.grantedS }, 'MWI subscription accepted');
    sub.accept(() => this.summaryBody(tenantId, mailbox.id));
  }

  /** The mailbox named by id, or else by one of its numbers: the account the Request-URI names (RFC 3842 §3.7). */
  private async resolve(tenantId: string, user: string): Promise<Mailbox | null> {
    return (await this.o.mailboxes.get(tenantId, user)) ?? (await this.o.mailboxes.findByNumber(tenantId, user));
  }
}
