/**
 * Delivers the durable outbox. Every `pollMs` (and at once when `kick()` says something
 * was queued) it claims due notifications under a lease, hands each to its channel's
 * sender, and records the outcome: sent; retry with exponential back-off (±20% jitter,
 * so a recovering server is not hit by every retry at once); or failed — permanently
 * refused, or still failing at its give-up time.
 *
 * Delivery is at least once: a crash after the provider accepted a notification and
 * before `complete` was written re-sends it when the lease runs out. Receivers
 * de-duplicate by the delivery key (the e-mail Message-ID, the webhook id).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { Notification, NotificationChannel } from '../voicemail/model.js';
import type { ChannelSender, DeliveryResult, OutboxRepository } from '../voicemail/ports.js';

export interface OutboxWorkerOptions {
  readonly outbox: OutboxRepository;
  readonly senders: ReadonlyMap<NotificationChannel, ChannelSender>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly retry: { readonly baseMs: number; readonly maxMs: number };
  /** Wall-clock time (give-up times are calendar times). */
  readonly now?: () => Date;
  /** Longer than any sender's own timeout; default 2 min. */
  readonly leaseMs?: number;
  /** Notifications claimed per query; default 50. */
  readonly batch?: number;
  /** How often to look for due retries; default 1 s. */
  readonly pollMs?: number;
  /**
   * Deliveries in flight at once PER CHANNEL; default 8. Each channel has its own limit
   * so that a slow webhook endpoint or a hanging SMTP server never holds up the others.
   */
  readonly concurrency?: number;
  /** After a notification was sent (e.g. delete a message whose e-mail carried it). */
  readonly onSent?: (n: Notification) => Promise<void>;
  /** After a notification gave up (e.g. queue notification.failed). */
  readonly onFailed?: (n: Notification) => Promise<void>;
  /** Randomness for the jitter (tests pass a fixed one). */
  readonly random?: () => number;
}

export class OutboxWorker {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly busy = new Map<NotificationChannel, number>();

  constructor(private readonly o: OutboxWorkerOptions) {}

  start(): void {
    this.kick();
  }

  /** Something was queued: look now instead of at the next poll. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.timer?.cancel();
    this.running = this.drain()
      .catch((e: unknown) => this.o.logger.error({ err: e }, 'outbox pass failed; retrying at the next poll'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else {
          this.schedule();
        }
      });
  }

  /** Stop claiming; wait for deliveries in flight (their senders have their own timeouts). */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
    this.abort.abort();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.o.clock.setTimer(this.o.pollMs ?? 1_000, () => this.kick());
  }

  private nowDate(): Date {
    return this.o.now?.() ?? new Date();
  }

  /**
   * Claim and start deliveries until nothing is due or every channel with work is at its
   * limit; a finishing delivery kicks the worker again, so a freed slot is refilled at once.
   */
  private async drain(): Promise<void> {
    const limit = this.o.concurrency ?? 8;
    for (;;) {
      if (this.closed) return;
      const open = [...this.o.senders.keys()].filter((c) => (this.busy.get(c) ?? 0) < limit);
      // A notification for a channel without a sender is failed at once, so claim those too.
      const channels = open.length === this.o.senders.size ? undefined : open;
      const room = Math.min(this.o.batch ?? 50, ...open.map((c) => limit - (this.busy.get(c) ?? 0)));
      if (open.length === 0 || room <= 0) return;
      const due = await this.o.outbox.claimDue(this.nowDate(), this.o.leaseMs ?? 120_000, room, channels);
      // The store is synchronous (SQLite): give the event loop — RTP, the media clock — a
      // turn between commits, or a burst of quick deliveries would run as one long task.
      await nextTurn();
      for (const n of due) {
        this.busy.set(n.channel, (this.busy.get(n.channel) ?? 0) + 1);
        const p = this.deliver(n).finally(() => {
          this.inFlight.delete(p);
          this.busy.set(n.channel, (this.busy.get(n.channel) ?? 1) - 1);
          this.kick();
        });
        this.inFlight.add(p);
      }
      if (due.length < room) return;
    }
  }

  private async deliver(n: Notification): Promise<void> {
    await this.deliverOne(n);
    await nextTurn();
  }

  private async deliverOne(n: Notification): Promise<void> {
    const log = this.o.logger.child({ notification: n.id, channel: n.channel, event: n.event, attempt: n.attempts });
    const sender = this.o.senders.get(n.channel);
    let result: DeliveryResult;
    if (!sender) {
      result = { ok: false, permanent: true, error: `no ${n.channel} channel is configured` };
    } else {
      try {
        result = await sender.send(n, this.abort.signal);
      } catch (e) {
        // A sender bug must not lose the notification: treat it as a temporary failure.
        result = { ok: false, permanent: false, error: `sender threw: ${String(e)}` };
      }
    }
    if (result.ok) {
      const done = await this.o.outbox.complete(n.id, { outcome: 'sent', detail: result.detail ?? null, providerId: result.providerId });
      log.info({ providerId: result.providerId }, 'notification delivered');
      await this.after(this.o.onSent, done, log);
      return;
    }
    const now = this.nowDate();
    const next = new Date(now.getTime() + this.backoffMs(n.attempts));
    if (result.permanent || next.getTime() > Date.parse(n.giveUpAt)) {
      const failed = await this.o.outbox.complete(n.id, { outcome: 'failed', detail: result.error, providerId: null });
      log.warn({ code: 'VM_NOTIFY_FAILED', error: result.error, permanent: result.permanent }, 'notification given up');
      await this.after(this.o.onFailed, failed, log);
      return;
    }
    await this.o.outbox.complete(n.id, { outcome: 'retry', detail: result.error, providerId: null, nextAttemptAt: next });
    log.info({ error: result.error, retryAt: next.toISOString() }, 'notification not delivered; will retry');
  }

  /** base × 2^(attempt−1), capped, ±20% jitter. */
  backoffMs(attempt: number): number {
    const { baseMs, maxMs } = this.o.retry;
    const exp = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
    const jitter = 0.8 + 0.4 * (this.o.random ?? Math.random)();
    return Math.round(Math.min(maxMs, exp * jitter));
  }

  private async after(hook: ((n: Notification) => Promise<void>) | undefined, n: Notification, log: Logger): Promise<void> {
    if (!hook) return;
    try {
      await hook(n);
    } catch (e) {
      log.error({ err: e }, 'post-delivery step failed');
    }
  }
}
