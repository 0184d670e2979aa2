/**
 * The purge job: messages past their mailbox's retention (inbox and trash after
 * `retentionDays`, saved after `savedRetentionDays`) are removed, row first, then audio,
 * each purge logged. Runs at start and then every interval, in bounded batches so a
 * large backlog never blocks the event loop or holds one long transaction.
 */
import type { Clock, TimerHandle } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { AudioStore, VoicemailStore } from './ports.js';

export interface RetentionOptions {
  readonly store: VoicemailStore;
  readonly audio: AudioStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Default: hourly. */
  readonly intervalMs?: number;
  /** Messages per query. Default 200. */
  readonly batch?: number;
  /** Wall-clock time (retention is in calendar days). */
  readonly now?: () => Date;
}

export class RetentionJob {
  private timer: TimerHandle | null = null;
  private running: Promise<number> | null = null;
  private closed = false;

  constructor(private readonly options: RetentionOptions) {}

  /** Purge now, then every interval. */
  start(): void {
    this.schedule(0);
  }

  /** Purge what has expired; returns how many messages were removed. Concurrent calls share one run. */
  runOnce(): Promise<number> {
    this.running ??= this.purge().finally(() => (this.running = null));
    return this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.running?.catch(() => undefined);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = this.options.clock.setTimer(ms, () => {
      this.runOnce()
        .catch((e: unknown) => this.options.logger.error({ err: e }, 'retention purge failed; retrying at the next interval'))
        .finally(() => this.schedule(this.options.intervalMs ?? 3_600_000));
    });
  }

  private async purge(): Promise<number> {
    const { store, audio, logger } = this.options;
    const batch = this.options.batch ?? 200;
    const now = this.options.now?.() ?? new Date();
    let removed = 0;
    for (;;) {
      const expired = await store.messages.expired(now, batch);
      for (const m of expired) {
        const { audioKey } = await store.messages.remove(m.tenantId, m.id);
        await audio.delete(audioKey);
        removed++;
        logger.info({ tenant: m.tenantId, mailbox: m.mailboxId, message: m.id, folder: m.folder, receivedAt: m.receivedAt }, 'message purged (retention)');
      }
      if (expired.length < batch || this.closed) break;
    }
    if (removed > 0) logger.info({ removed }, 'retention purge done');
    return removed;
  }
}
