/** A second connection to the fixture's database file, as a restarted server would open it. */
import path from 'node:path';
import { openSqliteStore } from '../../../../src/store/index.js';
import type { VoicemailStore } from '../../../../src/voicemail/ports.js';

export { ACCOUNT_LOCKOUT, ADDRESS_LOCKOUT } from '../../../../src/voicemail/accounts/index.js';

export function openSqliteStoreForTest(dir: string): Promise<VoicemailStore> {
  return openSqliteStore({ file: path.join(dir, 'voxmail.db') });
}
