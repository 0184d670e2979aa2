/**
 * Which notifications an event causes, for whom, on which channel — computed from the
 * tenant's and the mailbox's settings at the moment of the event and queued in the same
 * transaction as the event's own row (ports.ts `NotificationsFor`).
 *
 * E-mail (MANGO OFFICE semantics): the mailbox's addresses; when it has none, the
 * tenant's default address; "duplicate all voicemail to the default address" adds the
 * default address even when the mailbox has its own. SMS: the owner's own number only
 * (confidentiality). Webhook: the tenant's URL, every event. MWI: the phones that
 * subscribed plus the mailbox's configured lamps, on every change of the counts.
 */
import type { Mailbox, Message, MissedCall, Notification, NotificationChannel, NotificationEvent, Tenant } from '../model.js';
import type { NewNotification } from '../ports.js';
import type { MailboxSnapshot, MessageEventPayload, MissedCallPayload, MwiPayload, NotificationFailedPayload } from './payload.js';

export interface PlannerSettings {
  /** How long each channel keeps trying. */
  readonly giveUpMs: Readonly<Record<NotificationChannel, number>>;
  /** Base URL of the web inbox (links in e-mail); null = no links. */
  readonly publicUrl: string | null;
  /** Wall-clock time. */
  readonly now?: () => Date;
}

/** The MWI recipient that means "every phone subscribed to this mailbox". */
export const MWI_SUBSCRIBERS = 'subscribers';

function snapshotOf(m: Mailbox): MailboxSnapshot {
  return { tenantId: m.tenantId, id: m.id, name: m.name, language: m.language, timeZone: m.timeZone };
}

/** Addresses compared case-insensitively, first spelling kept. */
function uniqueAddresses(list: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const a of list) {
    const k = a.trim().toLowerCase();
    if (k === '' || seen.has(k)) continue;
    seen.add(k);
    out.push(a.trim());
  }
  return out;
}

/** A webhook without its signing secret could only fail: it is not queued at all. */
function hasWebhook(t: Tenant): t is Tenant & { webhookUrl: string } {
  return t.webhookUrl !== null && t.webhookSecret !== null;
}

export class NotificationPlanner {
  constructor(private readonly settings: PlannerSettings) {}

  private now(): Date {
    return this.settings.now?.() ?? new Date();
  }

  private item(channel: NotificationChannel, event: NotificationEvent, tenantId: string, mailboxId: string | null, subjectId: string, recipient: string, payload: object, at: Date): NewNotification {
    return {
      tenantId,
      mailboxId,
      channel,
      event,
      subjectId,
      recipient,
      payload: JSON.stringify(payload),
      giveUpAt: new Date(at.getTime() + this.settings.giveUpMs[channel]).toISOString(),
    };
  }

  /** Who gets the voicemail e-mail of this mailbox. */
  emailRecipients(tenant: Tenant, mailbox: Mailbox): string[] {
    const own = uniqueAddresses(mailbox.emails);
    const def = tenant.defaultEmail;
    if (def === null) return own;
    if (own.length === 0 || tenant.duplicateToDefault) return uniqueAddresses([...own, def]);
    return own;
  }

  linkTo(message: Message): string | null {
    const base = this.settings.publicUrl;
    if (base === null) return null;
    return `${base.replace(/\/+$/, '')}/inbox/${encodeURIComponent(message.mailboxId)}/messages/${encodeURIComponent(message.id)}`;
  }

  /** message.created / message.heard / message.deleted. */
  forMessage(event: MessageEventPayload['event'], tenant: Tenant, mailbox: Mailbox, message: Message): NewNotification[] {
    const at = this.now();
    const payload: MessageEventPayload = {
      kind: 'message',
      event,
      mailbox: snapshotOf(mailbox),
      message: {
        id: message.id,
        callerNumber: message.callerNumber,
        callerName: message.callerName,
        calledNumber: message.calledNumber,
        reason: message.reason,
        receivedAt: message.receivedAt,
        durationMs: message.durationMs,
        audioKey: message.audioKey,
        sizeBytes: message.sizeBytes,
        recovered: message.recovered,
        heard: message.heard,
      },
      link: this.linkTo(message),
      occurredAt: at.toISOString(),
    };
    const out: NewNotification[] = [];
    const add = (channel: NotificationChannel, recipient: string, p: object = payload, subject = message.id): void => {
      out.push(this.item(channel, event, tenant.id, mailbox.id, subject, recipient, p, at));
    };
    if (event === 'message.created') {
      for (const to of this.emailRecipients(tenant, mailbox)) add('email', to, { ...payload, emailAction: mailbox.emailAction });
      if (mailbox.smsNumber !== null) add('sms', mailbox.smsNumber);
    }
    if (hasWebhook(tenant)) add('webhook', tenant.webhookUrl);
    // The lamp follows every change of the counts; the subject carries the time so that a
    // later change of the same message (heard, unheard, heard) is not taken for a duplicate.
    const mwi: MwiPayload = { kind: 'mwi', event, mailbox: snapshotOf(mailbox), occurredAt: payload.occurredAt };
    const mwiSubject = `${message.id}-${String(at.getTime())}`;
    add('mwi', MWI_SUBSCRIBERS, mwi, mwiSubject);
    for (const uri of mailbox.mwiUris) add('mwi', uri, mwi, mwiSubject);
    return out;
  }

  /** A caller who left no message: SMS to the owner and the webhook. */
  forMissedCall(tenant: Tenant, mailbox: Mailbox, missed: MissedCall): NewNotification[] {
    const at = this.now();
    const payload: MissedCallPayload = {
      kind: 'missed_call',
      event: 'missed_call',
      mailbox: snapshotOf(mailbox),
      missedCall: {
        id: missed.id,
        callerNumber: missed.callerNumber,
        callerName: missed.callerName,
        calledNumber: missed.calledNumber,
        reason: missed.reason,
        cause: missed.cause,
        at: missed.at,
      },
      occurredAt: at.toISOString(),
    };
    const out: NewNotification[] = [];
    if (mailbox.smsNumber !== null) out.push(this.item('sms', 'missed_call', tenant.id, mailbox.id, missed.id, mailbox.smsNumber, payload, at));
    if (hasWebhook(tenant)) out.push(this.item('webhook', 'missed_call', tenant.id, mailbox.id, missed.id, tenant.webhookUrl, payload, at));
    return out;
  }

  /** A notification that gave up: the tenant's webhook hears of it (never about itself). */
  forFailure(tenant: Tenant, mailbox: Mailbox | null, failed: Notification): NewNotification[] {
    if (!hasWebhook(tenant) || failed.event === 'notification.failed') return [];
    const at = this.now();
    const payload: NotificationFailedPayload = {
      kind: 'notification.failed',
      event: 'notification.failed',
      failed: { id: failed.id, channel: failed.channel, event: failed.event, subjectId: failed.subjectId, attempts: failed.attempts, lastError: failed.lastError },
      mailbox: mailbox ? snapshotOf(mailbox) : null,
      occurredAt: at.toISOString(),
    };
    return [this.item('webhook', 'notification.failed', tenant.id, mailbox?.id ?? null, failed.id, tenant.webhookUrl, payload, at)];
  }
}
