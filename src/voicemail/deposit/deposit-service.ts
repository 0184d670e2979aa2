/**
 * Turning a recording into a stored message, durably and exactly once:
 *
 *   begin    pending row (who called whom, reason) — before the first audio is written
 *   record   the media recorder writes the partial WAV, ≤ 1 s batches
 *   complete fsync'd WAV → rename into the audio store → one transaction: message row in,
 *            pending row out — or, when too short, a missed-call row instead
 *
 * A crash between any two steps is repaired at the next start by `recoverPending`, so an
 * accepted message is never lost and never stored twice (docs/adr/0002).
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { LiveEvents } from '../live/live-events.js';
import { recoverWav, type RecordingResult } from '../../media/index.js';
import type { Logger } from '../../shared/logger.js';
import type { DiversionReason, Mailbox, Message, MissedCall, MissedCallCause, PendingDeposit, Tenant } from '../model.js';
import type { NotificationPlanner } from '../notifications/planner.js';
import type { AudioStore, VoicemailStore } from '../ports.js';

const WAV_HEADER_BYTES = 44;
const BYTES_PER_MS = 16; // 8 kHz, 16-bit mono

/** Where a message's audio lives in the AudioStore. */
export function messageAudioKey(tenantId: string, mailboxId: string, id: string): string {
  return `messages/${tenantId}/${mailboxId}/${id}.wav`;
}

export interface CallerInfo {
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly callId: string | null;
}

export type DepositOutcome = { readonly kind: 'message'; readonly message: Message } | { readonly kind: 'missed'; readonly missed: MissedCall };

/** Notifications to queue with each message and missed call (none when absent, e.g. in tests). */
export interface DepositNotifications {
  readonly planner: NotificationPlanner;
  /** Called after a deposit queued notifications, so the outbox worker looks at once. */
  readonly queued: () => void;
}

export class DepositService {
  constructor(
    private readonly store: VoicemailStore,
    private readonly audio: AudioStore,
    private readonly log: Logger,
    private readonly notifications: DepositNotifications | null = null,
    /** Open inboxes hear each new message (server-sent events). */
    private readonly live: LiveEvents | null = null,
  ) {}

  /** The tenant and mailbox as they are now (settings may have changed during the call). */
  private async owners(tenantId: string, mailboxId: string): Promise<{ tenant: Tenant; mailbox: Mailbox } | null> {
    if (!this.notifications) return null;
    const tenant = await this.store.tenants.get(tenantId);
    const mailbox = await this.store.mailboxes.get(tenantId, mailboxId);
    return tenant && mailbox ? { tenant, mailbox } : null;
  }

  /** Whether the mailbox holds as many messages as its quota allows (trash not counted). */
  async isFull(mailbox: Mailbox): Promise<boolean> {
    return (await this.store.messages.countForQuota(mailbox.tenantId, mailbox.id)) >= mailbox.quotaMessages;
  }

  /**
   * The deposit a recording is about to become, and the path to record to — synchronous,
   * so the recorder can start at the end of the beep without waiting for the database.
   */
  prepare(mailbox: Mailbox, caller: CallerInfo, now: Date): { deposit: PendingDeposit; path: string } {
    const deposit: PendingDeposit = {
      id: randomUUID(),
      tenantId: mailbox.tenantId,
      mailboxId: mailbox.id,
      ...caller,
      receivedAt: now.toISOString(),
      minMessageMs: mailbox.minMessageMs,
    };
    return { deposit, path: this.audio.partialPath(deposit.id) };
  }

  /** Drop the audio of a prepared deposit that never began (no pending row): nothing else to undo. */
  async discard(deposit: PendingDeposit): Promise<void> {
    await this.audio.removePartial(deposit.id);
  }

  /** Write the pending row; it must be committed before the recorder's first batch (≤ 1 s). */
  async begin(deposit: PendingDeposit): Promise<void> {
    await this.store.deposits.begin(deposit);
  }

  /**
   * Keep the finished recording as a message, or — shorter than the mailbox's minimum —
   * drop the audio and leave a missed-call record.
   */
  async complete(deposit: PendingDeposit, recording: RecordingResult | null, recovered = false): Promise<DepositOutcome> {
    const durationMs = recording?.durationMs ?? 0;
    if (recording === null || durationMs < deposit.minMessageMs) {
      await this.audio.removePartial(deposit.id);
      return this.missed(deposit, 'too-short');
    }
    const key = messageAudioKey(deposit.tenantId, deposit.mailboxId, deposit.id);
    const { sizeBytes } = await this.audio.commitPartial(deposit.id, key);
    return this.store_(deposit, key, sizeBytes, durationMs, recovered);
  }

  /** A call that left no message: the owner still learns someone called. */
  async missedCall(mailbox: Mailbox, caller: CallerInfo, cause: MissedCallCause, now: Date, deposit: PendingDeposit | null = null): Promise<MissedCall> {
    if (deposit) await this.audio.removePartial(deposit.id);
    const owners = await this.owners(mailbox.tenantId, mailbox.id);
    const missed = await this.store.deposits.abandon(
      deposit?.id ?? null,
      { tenantId: mailbox.tenantId, mailboxId: mailbox.id, ...caller, cause, at: now.toISOString() },
      owners && this.notifications ? (m) => this.notifications!.planner.forMissedCall(owners.tenant, owners.mailbox, m) : undefined,
    );
    this.notifications?.queued();
    this.log.info({ mailbox: mailbox.id, cause, missedCall: missed.id }, 'missed call recorded');
    return missed;
  }

  /**
   * After a crash: every pending deposit becomes a message marked `recovered` (with the
   * audio that reached disk), or a missed call when too little audio survived.
   * Partial files without a pending row (the row was committed, the file's removal was
   * not) are deleted. Run once at start, before taking calls.
   */
  async recoverPending(): Promise<{ messages: number; missed: number }> {
    let messages = 0;
    let missed = 0;
    const pending = await this.store.deposits.pending();
    for (const p of pending) {
      const outcome = await this.recoverOne(p);
      if (outcome.kind === 'message') messages++;
      else missed++;
    }
    const known = new Set(pending.map((p) => p.id));
    for (const id of await this.audio.listPartials()) {
      if (!known.has(id)) {
        this.log.warn({ deposit: id }, 'removing a partial recording that has no pending deposit');
        await this.audio.removePartial(id);
      }
    }
    if (pending.length > 0) this.log.warn({ messages, missed }, 'recovered recordings interrupted by a crash');
    return { messages, missed };
  }

  private async recoverOne(p: PendingDeposit): Promise<DepositOutcome> {
    const key = messageAudioKey(p.tenantId, p.mailboxId, p.id);
    // Crash after the rename but before the row: the audio is complete, store it as is.
    const committed = await this.audio.stat(key);
    if (committed) {
      const durationMs = Math.floor((committed.sizeBytes - WAV_HEADER_BYTES) / BYTES_PER_MS);
      return this.store_(p, key, committed.sizeBytes, durationMs, false);
    }
    const path = this.audio.partialPath(p.id);
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (!exists) return this.missed(p, 'recording-failed');
    const r = await recoverWav(path);
    if (!r.ok) {
      this.log.error({ deposit: p.id, reason: r.error }, 'partial recording is unreadable; keeping a missed call instead');
      await this.audio.removePartial(p.id);
      return this.missed(p, 'recording-failed');
    }
    const durationMs = Math.floor(r.value.samples / 8);
    this.log.info({ deposit: p.id, mailbox: p.mailboxId, durationMs }, 'recovering an interrupted recording');
    return this.complete(p, { path, samples: r.value.samples, durationMs, endedBy: 'aborted', heardVoice: true, droppedSamples: 0 }, true);
  }

  private async missed(p: PendingDeposit, cause: MissedCallCause): Promise<DepositOutcome> {
    const owners = await this.owners(p.tenantId, p.mailboxId);
    const missed = await this.store.deposits.abandon(
      p.id,
      {
        tenantId: p.tenantId,
        mailboxId: p.mailboxId,
        callerNumber: p.callerNumber,
        callerName: p.callerName,
        calledNumber: p.calledNumber,
        reason: p.reason,
        cause,
        callId: p.callId,
        at: p.receivedAt,
      },
      owners && this.notifications ? (m) => this.notifications!.planner.forMissedCall(owners.tenant, owners.mailbox, m) : undefined,
    );
    this.notifications?.queued();
    this.log.info({ mailbox: p.mailboxId, cause, missedCall: missed.id }, 'missed call recorded');
    return { kind: 'missed', missed };
  }

  private async store_(p: PendingDeposit, key: string, sizeBytes: number, durationMs: number, recovered: boolean): Promise<DepositOutcome> {
    const owners = await this.owners(p.tenantId, p.mailboxId);
    const notify = owners && this.notifications ? (m: Message) => this.notifications!.planner.forMessage('message.created', owners.tenant, owners.mailbox, m) : undefined;
    const message = await this.store.deposits.finish(p.id, {
      id: p.id,
      tenantId: p.tenantId,
      mailboxId: p.mailboxId,
      callerNumber: p.callerNumber,
      callerName: p.callerName,
      calledNumber: p.calledNumber,
      reason: p.reason,
      receivedAt: p.receivedAt,
      durationMs,
      recovered,
      audioKey: key,
      sizeBytes,
      callId: p.callId,
    }, notify);
    this.notifications?.queued();
    this.live?.publish({ type: 'message.created', message });
    this.log.info({ mailbox: p.mailboxId, message: message.id, durationMs, recovered }, 'message stored');
    return { kind: 'message', message };
  }
}
