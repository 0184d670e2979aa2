/**
 * The counts a message-waiting lamp shows, read from the store every time (never kept
 * in memory), so they are right after a restart and whatever changed the messages.
 *
 * - new: in the inbox and not heard;
 * - old: every other message the mailbox keeps — heard inbox messages and everything in
 *   `saved` (saving is an act of the owner, so a saved message is never "new");
 * - trash is not counted (it is what the owner deleted; it goes at the next purge);
 * - urgent: Voxmail has no urgent messages, so both urgent counts are 0.
 *
 * `new` is exact up to the store's list limit (1000), far above any mailbox quota default.
 */
import type { MessageCounts } from '../../sip/index.js';
import type { MessageRepository } from '../../voicemail/ports.js';

/** The largest page the store lists; more unheard messages than this are shown as this many. */
export const MAX_COUNTED_NEW = 1000;

export async function readMailboxCounts(messages: Pick<MessageRepository, 'list' | 'countForQuota'>, tenantId: string, mailboxId: string): Promise<MessageCounts> {
  const [unheard, kept] = await Promise.all([
    messages.list({ tenantId, mailboxId, folder: 'inbox', heard: false, limit: MAX_COUNTED_NEW }),
    messages.countForQuota(tenantId, mailboxId),
  ]);
  const fresh = unheard.length;
  return { new: fresh, old: Math.max(0, kept - fresh), urgentNew: 0, urgentOld: 0 };
}
