/**
 * Builds the notification side from the config: one sender per channel (SMTP or .eml
 * files; SMPP, an HTTP gateway or files; webhooks; MWI is added by main once the SIP
 * stack runs), the planner that decides who is told, and the outbox worker that
 * delivers with retries. Nothing is ever silently dropped: without a mail or SMS server
 * the notifications are written as files into `<dataDir>/outbox/`.
 */
import { join } from 'node:path';
import type { Config } from '../config/index.js';
import { EmailSender, fileTemplateSource } from '../notify/email/index.js';
import { OutboxWorker } from '../notify/outbox-worker.js';
import { FileSmsSender, HttpSmsSender, SmppSender } from '../notify/sms/index.js';
import { WebhookSender } from '../notify/webhook/index.js';
import { systemClock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { VERSION } from '../version.js';
import type { NotificationChannel } from '../voicemail/model.js';
import { DeliveryFollowUp } from '../voicemail/notifications/follow-up.js';
import { NotificationPlanner } from '../voicemail/notifications/planner.js';
import type { ChannelSender } from '../voicemail/ports.js';
import type { Stores } from './open-store.js';

const HOUR_MS = 3_600_000;

export interface NotifyService {
  readonly planner: NotificationPlanner;
  readonly worker: OutboxWorker;
  /** Add a channel that needs other services first (MWI needs the SIP stack). Before `start()`. */
  addSender(sender: ChannelSender): void;
  /** Start delivering (after every sender is added). */
  start(): void;
  /** Something was queued: deliver now. */
  kick(): void;
  /** Stop the worker (in-flight deliveries finish), then close every sender. */
  close(): Promise<void>;
}

function smsSender(config: Config, logger: Logger): ChannelSender {
  const n = config.notify;
  const log = logger.child({ channel: 'sms' });
  if (n.smppUrl !== null) {
    const smpp = new SmppSender({ url: n.smppUrl, logger: log, ...(n.smsFrom !== null ? { sourceAddr: n.smsFrom } : {}) });
    smpp.start();
    return smpp;
  }
  if (n.smsHttp !== null) {
    return new HttpSmsSender({
      url: n.smsHttp.url,
      method: n.smsHttp.method,
      headers: n.smsHttp.headers,
      ...(n.smsHttp.body !== null ? { body: n.smsHttp.body } : {}),
      ...(n.smsFrom !== null ? { from: n.smsFrom } : {}),
      logger: log,
    });
  }
  return new FileSmsSender({ dir: join(config.dataDir, 'outbox', 'sms'), logger: log });
}

/** Who is told of what, from the config (the server's worker and the CLI's changes share it). */
export function plannerFromConfig(config: Config): NotificationPlanner {
  const n = config.notify;
  return new NotificationPlanner({
    giveUpMs: { email: n.giveUpHours.email * HOUR_MS, sms: n.giveUpHours.sms * HOUR_MS, webhook: n.giveUpHours.webhook * HOUR_MS, mwi: n.giveUpHours.mwi * HOUR_MS },
    publicUrl: n.publicUrl,
  });
}

export function createNotifications(config: Config, stores: Stores, logger: Logger): NotifyService {
  const { store, audio } = stores;
  const n = config.notify;
  const log = logger.child({ module: 'notify' });
  const senders = new Map<NotificationChannel, ChannelSender>();
  const add = (s: ChannelSender): void => void senders.set(s.channel, s);
  add(
    new EmailSender({
      smtpUrl: n.smtpUrl,
      from: n.mailFrom,
      emlDir: join(config.dataDir, 'outbox', 'mail'),
      audio,
      templates: fileTemplateSource(join(config.dataDir, 'templates', 'email')),
      logger: log.child({ channel: 'email' }),
    }),
  );
  add(smsSender(config, log));
  add(new WebhookSender({ tenants: store.tenants, logger: log.child({ channel: 'webhook' }), userAgent: `Voxmail-Webhook/${VERSION}` }));

  const planner = plannerFromConfig(config);
  let worker: OutboxWorker | null = null;
  const kick = (): void => worker?.kick();
  const followUp = new DeliveryFollowUp(store, audio, planner, log, kick);
  worker = new OutboxWorker({
    outbox: store.outbox,
    senders,
    clock: systemClock,
    logger: log,
    retry: n.retry,
    onSent: followUp.onSent,
    onFailed: followUp.onFailed,
  });
  const w = worker;
  let started = false;
  let closing: Promise<void> | undefined;
  return {
    planner,
    worker: w,
    addSender: add,
    start: () => {
      started = true;
      w.start();
    },
    kick: () => {
      if (started) w.kick();
    },
    close: () =>
      (closing ??= (async () => {
        await w.close();
        await Promise.allSettled([...senders.values()].map((s) => s.close()));
      })()),
  };
}
