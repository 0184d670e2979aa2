/**
 * Checks of what the outbox stores: queued notifications (from `outbox.enqueue` and the
 * `notify` hooks of deposits and messages) and the outcome of an attempt. Values come
 * from the notification planner, not from users, but a bad one would sit in the queue
 * for days, so it is refused at the door (VM_STORE_INVALID, nothing written).
 */
import { z } from 'zod';
import { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, type DeliveryAttempt } from '../../voicemail/model.js';
import type { NewNotification } from '../../voicemail/ports.js';
import { id, invalid, isoTime, parseOrThrow, text } from './fields.js';

/** The longest error / detail text kept per attempt; longer ones are cut, not refused (they come from servers). */
export const MAX_DETAIL = 1000;

const PAYLOAD_RULE = 'must be a JSON text of at most 1 MB';
const payload = z
  .string({ error: PAYLOAD_RULE })
  .max(1_000_000, { error: PAYLOAD_RULE })
  .refine(
    (s) => {
      try {
        JSON.parse(s);
        return true;
      } catch {
        return false;
      }
    },
    { error: PAYLOAD_RULE },
  );

const newNotification = z.object({
  tenantId: id,
  mailboxId: id.nullable(),
  channel: z.enum(NOTIFICATION_CHANNELS, { error: `must be one of ${NOTIFICATION_CHANNELS.join(', ')}` }),
  event: z.enum(NOTIFICATION_EVENTS, { error: `must be one of ${NOTIFICATION_EVENTS.join(', ')}` }),
  subjectId: id,
  // An e-mail address, a phone number, a webhook URL or a SIP URI.
  recipient: text(1, 2048),
  payload,
  giveUpAt: isoTime,
  nextAttemptAt: isoTime.optional(),
});
export type CheckedNotification = z.output<typeof newNotification>;

/** `notifications[i].field: ...` for the i-th item of a batch. */
export function checkNewNotifications(items: readonly NewNotification[]): CheckedNotification[] {
  if (!Array.isArray(items)) throw invalid('notifications', 'must be a list of notifications');
  return items.map((item, i) => parseOrThrow(newNotification, item, 'notification', `notifications[${String(i)}]`));
}

/** `event:subjectId:channel:recipient` — what makes a notification the same one. */
export function deliveryKey(n: Pick<CheckedNotification, 'event' | 'subjectId' | 'channel' | 'recipient'>): string {
  return `${n.event}:${n.subjectId}:${n.channel}:${n.recipient}`;
}

const OUTCOMES = ['sent', 'retry', 'failed'] as const;

export interface CheckedOutcome {
  readonly outcome: DeliveryAttempt['outcome'];
  readonly detail: string | null;
  readonly providerId: string | null;
  /** Set for `retry`. */
  readonly nextAttemptAt: Date | null;
}

/** Validates an outcome; `detail` and `providerId` longer than MAX_DETAIL are cut. */
export function checkOutcome(input: {
  readonly outcome: DeliveryAttempt['outcome'];
  readonly detail: string | null;
  readonly providerId: string | null;
  readonly nextAttemptAt?: Date;
}): CheckedOutcome {
  const outcome = OUTCOMES.find((o) => o === input.outcome);
  if (outcome === undefined) throw invalid('outcome', `must be one of ${OUTCOMES.join(', ')}`, input.outcome);
  const cut = (field: string, v: unknown): string | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string') throw invalid(field, 'must be a string or null', v);
    return v.length > MAX_DETAIL ? `${v.slice(0, MAX_DETAIL - 1)}…` : v;
  };
  let nextAttemptAt: Date | null = null;
  if (outcome === 'retry') {
    const at = input.nextAttemptAt;
    if (!(at instanceof Date) || !Number.isFinite(at.getTime())) throw invalid('nextAttemptAt', 'must be a valid Date for a retry', String(at));
    nextAttemptAt = at;
  }
  return { outcome, detail: cut('detail', input.detail), providerId: cut('providerId', input.providerId), nextAttemptAt };
}

/** A `now` argument: a valid Date. */
export function checkDate(field: string, value: Date): Date {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime())) throw invalid(field, 'must be a valid Date', String(value));
  return value;
}
