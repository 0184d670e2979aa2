/**
 * What the main thread and the store writer thread say to each other
 * (docs/adr/0005-store-writer-thread.md). Requests are the per-call write paths of the
 * repositories with their arguments as plain data (structured clone): `notify` hooks
 * never cross — the main thread runs them on the record the write will produce and
 * posts the notifications they returned.
 */
import type { DeliveryAttempt, MissedCall, NotificationChannel, PendingDeposit } from '../../../voicemail/model.js';
import type { NewMessage, NewNotification } from '../../../voicemail/ports.js';

export interface CompleteOutcome {
  readonly outcome: DeliveryAttempt['outcome'];
  readonly detail: string | null;
  readonly providerId: string | null;
  readonly nextAttemptAt?: Date;
}

/** One write, as the repository method it runs. */
export type WriteOp =
  | { readonly op: 'deposits.begin'; readonly args: readonly [PendingDeposit] }
  | { readonly op: 'deposits.finish'; readonly args: readonly [string, NewMessage, readonly NewNotification[] | null] }
  | { readonly op: 'deposits.abandon'; readonly args: readonly [MissedCall, string | null, readonly NewNotification[] | null] }
  | { readonly op: 'outbox.enqueue'; readonly args: readonly [readonly NewNotification[]] }
  | { readonly op: 'outbox.claimDue'; readonly args: readonly [Date, number, number, readonly NotificationChannel[] | undefined] }
  | { readonly op: 'outbox.complete'; readonly args: readonly [string, CompleteOutcome] };

export interface WriterInit {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** At most this many writes share one transaction (one fsync). */
  readonly maxGroup: number;
  /** The niceness the thread sets itself to (giving back the SIP thread's); null: keeps it. */
  readonly nice: number | null;
}

export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

export type WriteResult = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: WireError };

export interface WriterStats {
  /** Group transactions committed. */
  readonly commits: number;
  /** Writes run (succeeded or not). */
  readonly writes: number;
  /** The most writes one commit carried. */
  readonly largestGroup: number;
}

export type ToWriter =
  /** `nowMs`: the store's clock when the caller asked (createdAt, updatedAt...), so the result is what the main thread planned. */
  | { readonly type: 'write'; readonly id: number; readonly nowMs: number; readonly write: WriteOp }
  | { readonly type: 'stats'; readonly id: number }
  /** Finish what is queued, close the connection, exit. */
  | { readonly type: 'close' };

export type FromWriter =
  /** `niceRefused`: why the thread could not set the niceness it was given (null: it did, or had none to set). */
  | { readonly type: 'ready'; readonly niceRefused: string | null }
  /** The results of one group, after its commit (or its failure). */
  | { readonly type: 'done'; readonly results: readonly WriteResult[] }
  | { readonly type: 'stats'; readonly id: number; readonly stats: WriterStats };
