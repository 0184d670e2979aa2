/**
 * The repositories whose per-call writes go to the store writer thread; their reads stay
 * on the main thread's connection (WAL: a read after the write's promise resolved sees
 * it). `notify` hooks run here, on the main thread, before the write is posted, on the
 * record the write will produce (`plannedMessage` / `plannedMissedCall`, with the same
 * `now`): a hook that throws means nothing is posted, as a hook that throws inside the
 * transaction means nothing is written. Only the order of checks differs: a throwing
 * hook is reported even when the deposit is not pending any more.
 */
import type { DeliveryAttempt, Message, MissedCall, Notification, NotificationChannel, PendingDeposit } from '../../../voicemail/model.js';
import type { DepositRepository, NewMessage, NewMissedCall, NewNotification, NotificationFilter, NotificationsFor, OutboxRepository } from '../../../voicemail/ports.js';
import { plannedMessage, plannedMissedCall } from '../../sql/deposit-repository.js';
import { invalid } from '../../validation/fields.js';
import type { CompleteOutcome } from './protocol.js';
import type { StoreWriter } from './store-writer.js';

/** Writes in flight of one store, so that its close() waits for them. */
export class InFlight {
  readonly #writes = new Set<Promise<unknown>>();
  track<T>(p: Promise<T>): Promise<T> {
    this.#writes.add(p);
    const forget = (): void => void this.#writes.delete(p);
    p.then(forget, forget);
    return p;
  }
  async settled(): Promise<void> {
    while (this.#writes.size > 0) await Promise.allSettled([...this.#writes]);
  }
}

function hookResult<T>(notify: NotificationsFor<T> | undefined, record: T): readonly NewNotification[] | null {
  if (notify === undefined) return null;
  const items = notify(record);
  if (!Array.isArray(items)) throw invalid('notify', 'must return a list of notifications');
  return items as readonly NewNotification[];
}

export class WriterDepositRepository implements DepositRepository {
  constructor(
    private readonly reads: DepositRepository,
    private readonly writer: StoreWriter,
    private readonly now: () => Date,
    private readonly inFlight: InFlight,
  ) {}

  begin(deposit: PendingDeposit): Promise<void> {
    return this.inFlight.track(this.writer.write<void>({ op: 'deposits.begin', args: [deposit] }, this.now()));
  }

  async finish(depositId: string, message: NewMessage, notify?: NotificationsFor<Message>): Promise<Message> {
    const now = this.now();
    const items = hookResult(notify, plannedMessage(depositId, message, now));
    return this.inFlight.track(this.writer.write<Message>({ op: 'deposits.finish', args: [depositId, message, items] }, now));
  }

  async abandon(depositId: string | null, missed: NewMissedCall, notify?: NotificationsFor<MissedCall>): Promise<MissedCall> {
    const call = plannedMissedCall(depositId, missed);
    const items = hookResult(notify, call);
    return this.inFlight.track(this.writer.write<MissedCall>({ op: 'deposits.abandon', args: [call, depositId, items] }, this.now()));
  }

  pending(): Promise<PendingDeposit[]> {
    return this.reads.pending();
  }
}

export class WriterOutboxRepository implements OutboxRepository {
  constructor(
    private readonly reads: OutboxRepository,
    private readonly writer: StoreWriter,
    private readonly now: () => Date,
    private readonly inFlight: InFlight,
  ) {}

  enqueue(items: readonly NewNotification[]): Promise<number> {
    return this.inFlight.track(this.writer.write<number>({ op: 'outbox.enqueue', args: [items] }, this.now()));
  }

  claimDue(now: Date, leaseMs: number, limit: number, channels?: readonly NotificationChannel[]): Promise<Notification[]> {
    return this.inFlight.track(this.writer.write<Notification[]>({ op: 'outbox.claimDue', args: [now, leaseMs, limit, channels] }, this.now()));
  }

  complete(id: string, outcome: CompleteOutcome & { readonly outcome: DeliveryAttempt['outcome'] }): Promise<Notification> {
    return this.inFlight.track(this.writer.write<Notification>({ op: 'outbox.complete', args: [id, outcome] }, this.now()));
  }

  get(id: string): Promise<Notification | null> {
    return this.reads.get(id);
  }

  list(filter: NotificationFilter): Promise<Notification[]> {
    return this.reads.list(filter);
  }

  attempts(notificationId: string): Promise<DeliveryAttempt[]> {
    return this.reads.attempts(notificationId);
  }
}
