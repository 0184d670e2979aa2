/**
 * Opens the embedded storage of a data directory: the SQLite database and the audio
 * files. One function used by both the server and the CLI commands, so that both find
 * the same files under the same names (operators' backups rely on the layout):
 *
 *   <dataDir>/voxmail.db   SQLite (WAL: the CLI may write while the server runs)
 *   <dataDir>/audio/       messages, greetings and partial recordings
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import { FsAudioStore, openSqliteStore, type StoreWriterMode } from '../store/index.js';
import { StoreError, type AudioStore, type VoicemailStore } from '../voicemail/ports.js';

export const DATABASE_FILE = 'voxmail.db';
export const AUDIO_DIR = 'audio';

export interface OpenStoresOptions {
  /** Where the store logs (migrations...); silent by default so CLI output stays clean. */
  readonly logger?: Logger | undefined;
  /** `store.writer`: where the per-call writes run (the server's choice; the CLI keeps `main`). */
  readonly writer?: StoreWriterMode | undefined;
  /** The niceness the store writer thread sets itself to (see applySipThreadNice); null: it inherits. */
  readonly writerNice?: number | null | undefined;
}

export interface Stores {
  readonly store: VoicemailStore;
  readonly audio: AudioStore;
  /** Closes the database. Idempotent: every call returns the same promise. */
  close(): Promise<void>;
}

/** Opens (creating if missing) the database and audio directory under `dataDir`. */
export async function openStores(dataDir: string, options: OpenStoresOptions = {}): Promise<Stores> {
  await mkdir(dataDir, { recursive: true });
  const store = await openSqliteStore({ file: join(dataDir, DATABASE_FILE), logger: options.logger ?? silentLogger(), writer: options.writer ?? 'main', writerNice: options.writerNice ?? null });
  const audio = new FsAudioStore(join(dataDir, AUDIO_DIR));
  let closing: Promise<void> | undefined;
  return Object.freeze({ store, audio, close: () => (closing ??= store.close()) });
}

export const DEMO_TENANT_ID = 'demo';
export const DEMO_MAILBOX_ID = '100';

/**
 * Gives a brand-new installation something to call: when no tenant exists at all, tenant
 * `demo` ("Demo") with mailbox `100` on number 100 (English). Does nothing once any
 * tenant exists, so an operator who removed the demo does not get it back.
 *
 * @returns whether the demo was created.
 */
export async function ensureDemoMailbox(store: VoicemailStore): Promise<boolean> {
  if ((await store.tenants.list()).length > 0) return false;
  try {
    await store.tenants.create({ id: DEMO_TENANT_ID, name: 'Demo' });
  } catch (e) {
    // The server and a CLI command started together on an empty database: the other made it.
    if (e instanceof StoreError && e.code === 'VM_STORE_DUPLICATE_TENANT') return false;
    throw e;
  }
  await store.mailboxes.create({
    tenantId: DEMO_TENANT_ID,
    id: DEMO_MAILBOX_ID,
    name: 'Demo mailbox',
    numbers: [DEMO_MAILBOX_ID],
    language: 'en',
  });
  return true;
}
