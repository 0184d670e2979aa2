/** A real store in a temp dir with tenant t1, mailbox 100, and a clock the tests move. */
import { after } from 'node:test';
import { createAccounts, hashPassword, type Accounts, type LoginPolicies } from '../../../../src/voicemail/accounts/index.js';
import type { Role, User } from '../../../../src/voicemail/model.js';
import { tempStores, type TempStores } from '../../../support/voicemail-store.js';

export class TestClock {
  current = new Date('2026-03-01T12:00:00.000Z');
  readonly now = (): Date => new Date(this.current);
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const PASSWORD = 'a long enough password';
let passwordHash: Promise<string> | undefined;

export interface AccountsFixture {
  readonly stores: TempStores;
  readonly clock: TestClock;
  readonly accounts: Accounts;
  readonly user: (login: string, role?: Role) => Promise<User>;
}

export async function accountsFixture(policies?: LoginPolicies): Promise<AccountsFixture> {
  const clock = new TestClock();
  const stores = await tempStores({ now: clock.now });
  after(() => stores.close());
  await stores.mailbox();
  const accounts = createAccounts({ store: stores.store, now: clock.now, ...(policies ? { policies } : {}) });
  return {
    stores,
    clock,
    accounts,
    user: async (login, role = 'owner') => {
      passwordHash ??= hashPassword(PASSWORD);
      return stores.store.users.create({
        login,
        role,
        tenantId: role === 'platform-admin' ? null : 't1',
        mailboxIds: role === 'owner' ? ['100'] : [],
        passwordHash: await passwordHash,
      });
    },
  };
}
