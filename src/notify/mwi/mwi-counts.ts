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
 * One counting query (`lampCounts`): this runs after every deposit, so it must not grow
 * with the mailbox.
 */
import type { MessageCounts } from '../../sip/index.js';
import type { MessageRepository } from '../../voicemail/ports.js';

export async function readMailboxCounts(messages: Pick<MessageRepository, 'lampCounts'>, tenantId: string, mailboxId: string): Promise<MessageCounts> {
  const { unheard, kept } = await messages.lampCounts(tenantId, mailboxId);
  return { new: unheard, old: Math.max(0, kept - unheard), urgentNew: 0, urgentOld: 0 };
}
