/** A real SQLite store with tenant t1 / mailbox 100 (number +74950000100), and MWI objects over it. */
import { silentLogger } from '../../../../src/shared/logger.js';
import { MwiService } from '../../../../src/notify/mwi/index.js';
import type { MessageSource } from '../../../../src/sip/index.js';
import type { Notification } from '../../../../src/voicemail/model.js';
import type { MwiPayload } from '../../../../src/voicemail/notifications/payload.js';
import type { VoicemailStore } from '../../../../src/voicemail/ports.js';
import { deposit, depositFor, openTestStore, tempDir } from '../../store/store-fixture.js';

const dir = await tempDir('mwi');

export async function mwiStore(): Promise<VoicemailStore> {
  const { store } = await openTestStore(dir);
  await store.tenants.create({ id: 't1' });
  await store.tenants.create({ id: 't2' });
  await store.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['+74950000100'] });
  await store.mailboxes.create({ tenantId: 't2', id: '200' });
  return store;
}

let n = 0;
/** A new message in t1/100's inbox; returns its id. */
export async function newMessage(store: VoicemailStore, mailboxId = '100', tenantId = 't1'): Promise<string> {
  const id = `m${String(++n)}`;
  await deposit(store, depositFor(tenantId, mailboxId, id));
  return id;
}

/** Trusts 192.0.2.0/24 for t1 and 198.51.100.0/24 for t2. */
export const isTrusted = (s: MessageSource): string | null => (s.remoteAddress.startsWith('192.0.2.') ? 't1' : s.remoteAddress.startsWith('198.51.100.') ? 't2' : null);

export function service(store: VoicemailStore): MwiService {
  return new MwiService({ mailboxes: store.mailboxes, messages: store.messages, isTrusted, accountHost: 'vm.example.com', logger: silentLogger() });
}

export function mwiNotification(recipient: string, mailbox = { tenantId: 't1', id: '100' }, payload?: string): Notification {
  const p: MwiPayload = {
    kind: 'mwi',
    event: 'message.created',
    mailbox: { tenantId: mailbox.tenantId, id: mailbox.id, name: 'Box', language: 'en', timeZone: 'UTC' },
    occurredAt: '2026-03-01T12:00:00.000Z',
  };
  return {
    id: `n-${recipient}`,
    tenantId: mailbox.tenantId,
    mailboxId: mailbox.id,
    channel: 'mwi',
    event: 'message.created',
    subjectId: 'm1',
    recipient,
    payload: payload ?? JSON.stringify(p),
    deliveryKey: `message.created:m1:mwi:${recipient}`,
    status: 'pending',
    attempts: 1,
    nextAttemptAt: '2026-03-01T12:00:00.000Z',
    giveUpAt: '2026-03-01T13:00:00.000Z',
    lastError: null,
    providerId: null,
    createdAt: '2026-03-01T12:00:00.000Z',
    updatedAt: '2026-03-01T12:00:00.000Z',
  };
}
