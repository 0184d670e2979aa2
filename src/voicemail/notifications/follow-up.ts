/**
 * What happens after a delivery: "attachment, then delete it from the box" deletes the
 * message once the mail server has accepted it — only then, and only when no other
 * copy of that e-mail is still waiting; a notification that gave up tells the tenant's
 * webhook (`notification.failed`).
 */
import type { Logger } from '../../shared/logger.js';
import type { Notification } from '../model.js';
import { EMAIL_DETAIL_AUDIO_ATTACHED, type AudioStore, type VoicemailStore } from '../ports.js';
import { parsePayload } from './payload.js';
import type { NotificationPlanner } from './planner.js';

export class DeliveryFollowUp {
  constructor(
    private readonly store: VoicemailStore,
    private readonly audio: AudioStore,
    private readonly planner: NotificationPlanner,
    private readonly log: Logger,
    /** Called when follow-up queued notifications (so the worker looks now). */
    private readonly queued: () => void = () => undefined,
  ) {}

  readonly onSent = async (n: Notification): Promise<void> => {
    await this.deleteAfterMail(n);
  };

  readonly onFailed = async (n: Notification): Promise<void> => {
    const tenant = await this.store.tenants.get(n.tenantId);
    if (tenant) {
      const mailbox = n.mailboxId === null ? null : await this.store.mailboxes.get(n.tenantId, n.mailboxId);
      const items = this.planner.forFailure(tenant, mailbox, n);
      if (items.length > 0 && (await this.store.outbox.enqueue(items)) > 0) this.queued();
    }
    // The last pending copy failing must not keep a message another copy already delivered.
    await this.deleteAfterMail(n);
  };

  private async deleteAfterMail(n: Notification): Promise<void> {
    if (n.channel !== 'email' || n.event !== 'message.created') return;
    const payload = parsePayload(n.payload);
    if (payload instanceof Error || payload.kind !== 'message' || payload.emailAction !== 'attach-delete') return;
    const copies = await this.store.outbox.list({ tenantId: n.tenantId, subjectId: n.subjectId, channel: 'email', limit: 1000 });
    const created = copies.filter((c) => c.event === 'message.created');
    if (created.some((c) => c.status === 'pending')) return;
    // Only a mail that a server accepted WITH the recording lets the box drop it.
    let delivered = false;
    for (const c of created.filter((x) => x.status === 'sent')) {
      const attempts = await this.store.outbox.attempts(c.id);
      if (attempts.some((a) => a.outcome === 'sent' && a.detail?.startsWith(EMAIL_DETAIL_AUDIO_ATTACHED) === true)) delivered = true;
    }
    if (!delivered) return;
    const message = await this.store.messages.get(n.tenantId, n.subjectId);
    if (!message) return;
    const tenant = await this.store.tenants.get(n.tenantId);
    const mailbox = await this.store.mailboxes.get(n.tenantId, message.mailboxId);
    const { audioKey } = await this.store.messages.remove(
      n.tenantId,
      message.id,
      tenant && mailbox ? (m) => this.planner.forMessage('message.deleted', tenant, mailbox, m) : undefined,
    );
    await this.audio.delete(audioKey);
    this.log.info({ message: message.id, mailbox: message.mailboxId }, 'message deleted after its e-mail was accepted (attach-delete)');
    this.queued();
  }
}
