/**
 * What the owner does to messages (web inbox, REST API, CLI, phone menu): mark heard,
 * move between folders and back from trash, delete, and deliver copies (forward,
 * broadcast). Each change and the notifications it causes (webhook, the MWI lamp) are one
 * transaction, so the lamp can never disagree with the box after a crash.
 */
import type { Logger } from '../../shared/logger.js';
import type { LiveEvents } from '../live/live-events.js';
import type { Folder, Message } from '../model.js';
import type { NotificationPlanner } from '../notifications/planner.js';
import type { AudioStore, NewMessage, NotificationsFor, VoicemailStore } from '../ports.js';

/** A copy to deliver: the message row and the WAV its `audioKey` names. */
export interface MessageCopy {
  readonly message: NewMessage;
  readonly wav: Buffer;
}

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

  private async notifier(
    tenantId: string,
    mailboxId: string,
    event: 'message.created' | 'message.heard' | 'message.deleted' | 'lamp',
  ): Promise<NotificationsFor<Message> | undefined> {
    if (!this.planner) return undefined;
    const tenant = await this.store.tenants.get(tenantId);
    const mailbox = await this.store.mailboxes.get(tenantId, mailboxId);
    if (!tenant || !mailbox) return undefined;
    const planner = this.planner;
    // A move changes the lamp's counts (trash is not counted) but is no webhook event:
    // only the MWI notifications of the plan are kept (the lamp reads the counts anew).
    if (event === 'lamp') return (m) => planner.forMessage('message.heard', tenant, mailbox, m).filter((n) => n.channel === 'mwi');
    return (m) => planner.forMessage(event, tenant, mailbox, m);
  }

  /** Move to a folder (into trash: remembering where from). Null when the tenant has no such message. */
  async move(tenantId: string, id: string, folder: Folder): Promise<Message | null> {
    const m = await this.store.messages.get(tenantId, id);
    if (!m) return null;
    if (m.folder === folder) return m;
    const notify = await this.notifier(tenantId, m.mailboxId, 'lamp');
    const moved = await this.store.messages.move(tenantId, id, folder, notify);
    if (notify) this.queued();
    this.live?.publish({ type: 'message.updated', message: moved });
    return moved;
  }

  /** Undo a delete: back from trash to the folder it came from. Throws StoreError VM_STORE_NOT_IN_TRASH outside trash. */
  async restore(tenantId: string, id: string): Promise<Message | null> {
    const m = await this.store.messages.get(tenantId, id);
    if (!m) return null;
    const notify = m.folder === 'trash' ? await this.notifier(tenantId, m.mailboxId, 'lamp') : undefined;
    const restored = await this.store.messages.restore(tenantId, id, notify);
    if (notify) this.queued();
    this.live?.publish({ type: 'message.updated', message: restored });
    return restored;
  }

  /**
   * Deliver forwarded or broadcast copies, one by one: the audio first (durable), then the
   * row with its message.created notifications (the target's owner hears of it as of a
   * deposit). A copy whose row cannot be written takes its audio back with it; the copies
   * already delivered stay (each is a message of its own).
   */
  async deliverCopies(copies: readonly MessageCopy[]): Promise<Message[]> {
    const out: Message[] = [];
    let notified = false;
    try {
      for (const { message, wav } of copies) {
        await this.audio.put(message.audioKey, wav);
        let created: Message;
        try {
          const notify = await this.notifier(message.tenantId, message.mailboxId, 'message.created');
          created = await this.store.messages.create(message, notify);
          notified ||= notify !== undefined;
        } catch (error) {
          await this.audio.delete(message.audioKey).catch(() => undefined);
          throw error;
        }
        this.log.info({ tenant: created.tenantId, mailbox: created.mailboxId, message: created.id, origin: created.origin }, 'message copy delivered');
        this.live?.publish({ type: 'message.created', message: created });
        out.push(created);
      }
    } finally {
      if (notified) this.queued();
    }
    return out;
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
