/**
 * What every SMS sender shares: turning a queued notification into a number and a text
 * (failing for good when there is nothing to send), then handing them to the transport
 * (SMPP, an HTTP gateway, or files). Transports implement `sendText`, which is also what
 * a "send a test SMS" command would call.
 */
import type { Notification } from '../../voicemail/model.js';
import { parsePayload } from '../../voicemail/notifications/payload.js';
import type { ChannelSender, DeliveryResult } from '../../voicemail/ports.js';
import { err, ok, type Result } from '../../shared/result.js';
import { smsText } from './sms-text.js';

export interface OutgoingSms {
  /** "+79161234567" (E.164) or a national number, separators removed. */
  readonly to: string;
  readonly text: string;
}

export interface SendTextOptions {
  readonly signal?: AbortSignal;
  /** The notification's id: names the file of FileSmsSender, `{id}` of HttpSmsSender. */
  readonly id?: string;
}

/** Up to 15 digits (E.164 §6), with or without "+"; spaces, dashes, dots and brackets dropped. Null when not a number. */
export function normalizeSmsNumber(raw: string): string | null {
  const compact = raw.replace(/[\s\-().]/g, '');
  return /^\+?[0-9]{3,15}$/.test(compact) ? compact : null;
}

/** The SMS a notification asks for, or why it cannot be sent (a permanent failure). */
export function prepareSms(notification: Notification, now: Date): Result<OutgoingSms, string> {
  if (notification.channel !== 'sms') return err(`notification ${notification.id} is for channel ${notification.channel}, not sms`);
  const to = normalizeSmsNumber(notification.recipient);
  if (to === null) return err(`not a phone number: ${JSON.stringify(notification.recipient)}`);
  const payload = parsePayload(notification.payload);
  if (payload instanceof Error) return err(`bad notification payload: ${payload.message}`);
  const text = smsText(payload, now);
  return text.ok ? ok({ to, text: text.value }) : text;
}

export abstract class SmsChannelSender implements ChannelSender {
  readonly channel = 'sms' as const;

  protected constructor(private readonly now: () => Date) {}

  async send(notification: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    const sms = prepareSms(notification, this.now());
    if (!sms.ok) return { ok: false, permanent: true, error: sms.error };
    return this.sendText(sms.value.to, sms.value.text, { signal, id: notification.id });
  }

  /** Sends `text` to `to` (a number as normalizeSmsNumber accepts it). Never throws. */
  abstract sendText(to: string, text: string, options?: SendTextOptions): Promise<DeliveryResult>;

  abstract close(): Promise<void>;
}
