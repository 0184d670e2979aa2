/**
 * What the owner does to messages (web inbox, REST API, CLI, phone menu): mark heard,
 * delete. Each change and the notifications it causes (webhook, the MWI lamp) are one
 * transaction, so the lamp can never disagree with the box after a crash.
 */
import type { Logger } from '../../shared/logger.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Message } from '../model.js';
import type { NotificationPlanner } from '../notifications/planner.js';
import type { AudioStore, NotificationsFor, VoicemailStore } from '../ports.js';

export class MessageActions {
  constructor(
    private readonly store: VoicemailStore,
    private readonly audio: AudioStore,
    private readonly planner: NotificationPlanner | null,
    private readonly log: Logger,
    /** Called after notifications were queued (the server kicks its outbox worker). */
    private readonly queued: () => void = () => undefined,
    /** Open inboxes hear every change (server-sent events); null where nobody listens (CLI). */
    private readonly live: LiveEvents | null = null,
  ) {}

  private async notifier(tenantId: string, mailboxId: string, event: 'message.heard' | 'message.deleted'): Promise<NotificationsFor<Message> | undefined> {
    if (!this.planner) return undefined;
    const tenant = await this.store.tenants.get(tenantId);
    const mailbox = await this.store.mailboxes.get(tenantId, mailboxId);
    if (!tenant || !mailbox) return undefined;
    const planner = this.planner;
    return (m) => planner.forMessage(event, tenant, mailbox, m);
  }

  /**
   * Mark a message heard (or new again). The lamp follows both ways; webhooks hear
   * `message.heard`. Returns null when the tenant has no such message.
   */
  async setHeard(tenantId: string, id: string, heard: boolean): Promise<Message | null> {
    const m = await this.store.messages.get(tenantId, id);
    if (!m) return null;
    const notify = await this.notifier(tenantId, m.mailboxId, 'message.heard');
    // "message.heard" is the event for both directions: its payload carries `heard`.
    const updated = await this.store.messages.setHeard(tenantId, id, heard, notify);
    if (notify && updated.heard !== m.heard) this.queued();
    if (updated.heard !== m.heard) this.live?.publish({ type: 'message.updated', message: updated });
    return updated;
  }

  /** Delete a message for good: row (with its notifications) first, then the audio. */
  async remove(tenantId: string, id: string): Promise<Message | null> {
    const m = await this.store.messages.get(tenantId, id);
    if (!m) return null;
    const notify = await this.notifier(tenantId, m.mailboxId, 'message.deleted');
    const { audioKey } = await this.store.messages.remove(tenantId, id, notify);
    await this.audio.delete(audioKey);
    this.log.info({ tenant: tenantId, mailbox: m.mailboxId, message: id }, 'message deleted');
    if (notify) this.queued();
    this.live?.publish({ type: 'message.deleted', id: m.id, tenantId: m.tenantId, mailboxId: m.mailboxId });
    return m;
  }
}
