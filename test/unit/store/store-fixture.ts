/**
 * Helpers for the store tests: real SQLite files in a temp directory (removed after
 * the file's tests), a wall clock the test moves, and valid records to vary.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { openSqliteStore, type StoreWriterMode } from '../../../src/store/index.js';
import type { PendingDeposit } from '../../../src/voicemail/model.js';
import type { NewMessage, NewMissedCall, VoicemailStore } from '../../../src/voicemail/ports.js';

/** A fresh temp directory, removed when the test file ends. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `voxmail-${prefix}-`));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Wall-clock time that moves only when told to. */
export class TestTime {
  constructor(public current = new Date('2026-03-01T12:00:00.000Z')) {}
  readonly now = (): Date => new Date(this.current);
  advanceDays(days: number): void {
    this.current = new Date(this.current.getTime() + days * 86_400_000);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

let seq = 0;

/**
 * Where the stores of the tests write: VOXMAIL_TEST_STORE_WRITER=worker runs the store
 * tests (and the e2e servers, test/support/voxmail.ts) with the store writer thread.
 */
export function testStoreWriter(): StoreWriterMode {
  const raw = process.env['VOXMAIL_TEST_STORE_WRITER'] ?? 'main';
  if (raw !== 'main' && raw !== 'worker') throw new Error(`VOXMAIL_TEST_STORE_WRITER must be main or worker, got ${raw}`);
  return raw;
}

/** A store on a new file in `dir`, closed when the test file ends. */
export async function openTestStore(dir: string, time = new TestTime()): Promise<{ store: VoicemailStore; file: string; time: TestTime }> {
  const file = path.join(dir, `store-${String(++seq)}.sqlite`);
  const store = await openSqliteStore({ file, now: time.now, writer: testStoreWriter() });
  after(() => store.close());
  return { store, file, time };
}

export function depositFor(tenantId: string, mailboxId: string, id: string, receivedAt = '2026-03-01T11:59:00.000Z'): PendingDeposit {
  return {
    id,
    tenantId,
    mailboxId,
    callerNumber: '+74951234567',
    callerName: 'Ivan',
    calledNumber: '+74950000100',
    reason: 'no-answer',
    receivedAt,
    callId: `call-${id}@pbx`,
    minMessageMs: 1000,
  };
}

export function messageFor(d: PendingDeposit, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    id: d.id,
    tenantId: d.tenantId,
    mailboxId: d.mailboxId,
    callerNumber: d.callerNumber,
    callerName: d.callerName,
    calledNumber: d.calledNumber,
    reason: d.reason,
    receivedAt: d.receivedAt,
    durationMs: 4200,
    recovered: false,
    audioKey: `messages/${d.tenantId}/${d.mailboxId}/${d.id}.wav`,
    sizeBytes: 44 + 4200 * 16,
    callId: d.callId,
    ...overrides,
  };
}

export function missedFor(tenantId: string, mailboxId: string, at = '2026-03-01T11:00:00.000Z'): NewMissedCall {
  return {
    tenantId,
    mailboxId,
    callerNumber: '+74951112233',
    callerName: null,
    calledNumber: '+74950000100',
    reason: 'busy',
    cause: 'too-short',
    at,
    callId: null,
  };
}

/** Stores a finished message in one go (begin + finish). */
export async function deposit(store: VoicemailStore, d: PendingDeposit, overrides: Partial<NewMessage> = {}): Promise<void> {
  await store.deposits.begin(d);
  await store.deposits.finish(d.id, messageFor(d, overrides));
}
