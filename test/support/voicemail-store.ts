import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsAudioStore, openSqliteStore } from '../../src/store/index.js';
import type { Mailbox } from '../../src/voicemail/model.js';
import type { AudioStore, NewMailbox, VoicemailStore } from '../../src/voicemail/ports.js';

/** A real SQLite store and file audio store in a temporary directory, for unit tests of the domain. */
export interface TempStores {
  readonly dir: string;
  readonly store: VoicemailStore;
  readonly audio: FsAudioStore & AudioStore;
  mailbox(m?: Partial<NewMailbox>): Promise<Mailbox>;
  close(): Promise<void>;
}

export async function tempStores(options: { now?: () => Date } = {}): Promise<TempStores> {
  const dir = mkdtempSync(path.join(tmpdir(), 'voxmail-vm-'));
  const writer = process.env['VOXMAIL_TEST_STORE_WRITER'] === 'worker' ? 'worker' : 'main';
  const store = await openSqliteStore({ file: path.join(dir, 'voxmail.db'), writer, ...(options.now ? { now: options.now } : {}) });
  const audio = new FsAudioStore(path.join(dir, 'audio'));
  await store.tenants.create({ id: 't1', name: 'Tenant 1' });
  return {
    dir,
    store,
    audio,
    mailbox: (m = {}) => store.mailboxes.create({ tenantId: 't1', id: '100', ...m }),
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
