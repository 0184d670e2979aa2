/**
 * The three receivers of the notifications bench, in the bench's own process on
 * 127.0.0.1, each the test suite's real server over TCP: the SMTP server
 * (test/support/smtp-server.ts, `smtp-server` + mailparser), the SMSC
 * (test/support/smsc.ts, the `smpp` package's server) and the webhook receiver
 * (test/support/webhook-receiver.ts, node:http, signature verified on arrival).
 *
 * Arrival times: each of those servers appends what it accepted to a public array right
 * before it answers (the SMTP server before its `250 Ok: queued as …` reply to the data,
 * the SMSC before `submit_sm_resp`, the webhook receiver before its HTTP status). The
 * bench wraps that array's `push` to note `Date.now()` (the machine's realtime clock,
 * the one SIPp stamps its messages with) for every item, so the test support stays
 * untouched and the time is the acceptance, not when the bench next looked.
 */
import { TestSmtpServer, type ReceivedMail } from '../../test/support/smtp-server.js';
import { TestSmsc, type RecordedSubmit } from '../../test/support/smsc.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../../test/support/webhook-receiver.js';

export interface Arrival<T> {
  /** ms since the epoch (Date.now()) when the server accepted it. */
  readonly at: number;
  readonly item: T;
}

/** Records the time of every `push` onto `array` (the same array object the server keeps). */
function stamp<T>(array: T[]): Arrival<T>[] {
  const arrivals: Arrival<T>[] = [];
  const push = array.push.bind(array);
  array.push = (...items: T[]): number => {
    const at = Date.now();
    for (const item of items) arrivals.push({ at, item });
    return push(...items);
  };
  return arrivals;
}

export interface Receivers {
  readonly smtp: TestSmtpServer;
  readonly smsc: TestSmsc;
  readonly webhook: WebhookReceiver;
  readonly webhookSecret: string;
  readonly mails: readonly Arrival<ReceivedMail>[];
  readonly submits: readonly Arrival<RecordedSubmit>[];
  readonly hooks: readonly Arrival<ReceivedWebhook>[];
  close(): Promise<void>;
}

export const SMPP_SYSTEM_ID = 'sys';
export const SMPP_PASSWORD = 'pw';

export async function startReceivers(): Promise<Receivers> {
  const webhookSecret = 'bench-notify-secret-0123456789abcdef';
  const smtp = await TestSmtpServer.start();
  const smsc = await TestSmsc.start({ systemId: SMPP_SYSTEM_ID, password: SMPP_PASSWORD });
  const webhook = await startWebhookReceiver({ secret: webhookSecret });
  const mails = stamp(smtp.received);
  const submits = stamp(smsc.submits);
  const hooks = stamp(webhook.requests as ReceivedWebhook[]);
  return {
    smtp,
    smsc,
    webhook,
    webhookSecret,
    mails,
    submits,
    hooks,
    close: async () => {
      await Promise.allSettled([smtp.close(), smsc.stop(), webhook.close()]);
    },
  };
}
