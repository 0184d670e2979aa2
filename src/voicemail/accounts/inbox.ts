/**
 * Mailboxes and messages as one principal may see them: every method first narrows to
 * the principal's scope (principal.ts) and answers null for anything outside it, the
 * same as for an id that does not exist. Changes go through MessageActions, so the
 * message-waiting lamp and webhooks follow exactly as for the CLI; deletions and
 * downloads are written to the audit log.
 */
import type { Readable } from 'node:stream';
import { VoxmailError } from '../../shared/errors.js';
import type { Folder, Mailbox, Message } from '../model.js';
import type { MessageActions } from '../messages/message-actions.js';
import type { AudioStore, MessageCursor, VoicemailStore } from '../ports.js';
import type { AuditTrail } from './audit.js';
import { canSeeMailbox, scopeOf, type Principal } from './principal.js';

/** A platform admin addressed a single record without naming its tenant. */
export const ACCESS_TENANT_REQUIRED = 'VM_ACCESS_TENANT_REQUIRED';

export interface MessageQuery {
  readonly tenant?: string;
  readonly mailboxId?: string;
  readonly folder?: Folder;
  readonly heard?: boolean;
  readonly limit: number;
  readonly olderThan?: MessageCursor;
}

export interface MessagePage {
  readonly messages: readonly Message[];
  /** Where the next page starts, or null when this page is the last. */
  readonly next: MessageCursor | null;
}

export interface AudioObject {
  readonly message: Message;
  readonly sizeBytes: number;
  /** Strong validator: a message's audio never changes once stored. */
  readonly etag: string;
  open(range?: { start: number; end: number }): Readable;
}

/** Where a request comes from, for the audit log. */
export interface RequestContext {
  readonly principal: Principal;
  readonly ip: string | null;
}

export class Inbox {
  constructor(
    private readonly deps: {
      readonly store: VoicemailStore;
      readonly audio: AudioStore;
      readonly actions: MessageActions;
      readonly audit: AuditTrail;
    },
  ) {}

  /** Null when `tenant` names a tenant the principal cannot see (so it reads like an unknown one). */
  async listMailboxes(p: Principal, tenant?: string): Promise<Mailbox[] | null> {
    const scope = scopeOf(p, tenant);
    if (scope === null) return null;
    const all = await this.deps.store.mailboxes.list(scope.all ? undefined : scope.tenantId);
    return all.filter((m) => canSeeMailbox(p, m.tenantId, m.id));
  }

  async getMailbox(p: Principal, id: string, tenant?: string): Promise<Mailbox | null> {
    const tenantId = this.tenantOfRecord(p, tenant);
    if (tenantId === null || !canSeeMailbox(p, tenantId, id)) return null;
    return this.deps.store.mailboxes.get(tenantId, id);
  }

  /**
   * Newest first, `limit` per page. Null when `mailboxId` names a mailbox the principal
   * cannot see (or that does not exist), so that a typo is not mistaken for an empty box.
   */
  async listMessages(p: Principal, q: MessageQuery): Promise<MessagePage | null> {
    const scope = scopeOf(p, q.tenant);
    if (scope === null) return null;
    if (q.mailboxId !== undefined) {
      if (scope.all) throw tenantRequired();
      if (!(await this.getMailbox(p, q.mailboxId, scope.tenantId))) return null;
    }
    // One more than asked: tells whether a next page exists without a count query.
    const found = await this.deps.store.messages.list({
      limit: q.limit + 1,
      ...(scope.all ? {} : { tenantId: scope.tenantId }),
      ...(!scope.all && scope.mailboxIds !== null ? { mailboxIds: scope.mailboxIds } : {}),
      ...(q.mailboxId !== undefined ? { mailboxId: q.mailboxId } : {}),
      ...(q.folder !== undefined ? { folder: q.folder } : {}),
      ...(q.heard !== undefined ? { heard: q.heard } : {}),
      ...(q.olderThan !== undefined ? { olderThan: q.olderThan } : {}),
    });
    const messages = found.slice(0, q.limit);
    const last = messages.at(-1);
    return { messages, next: found.length > q.limit && last ? { receivedAt: last.receivedAt, id: last.id } : null };
  }

  async getMessage(p: Principal, id: string, tenant?: string): Promise<Message | null> {
    const tenantId = this.tenantOfRecord(p, tenant);
    if (tenantId === null) return null;
    const m = await this.deps.store.messages.get(tenantId, id);
    return m && canSeeMailbox(p, m.tenantId, m.mailboxId) ? m : null;
  }

  /** The audio of a visible message; null also when the file is missing from the audio store. */
  async audioOf(p: Principal, id: string, tenant?: string): Promise<AudioObject | null> {
    const message = await this.getMessage(p, id, tenant);
    if (!message) return null;
    const stat = await this.deps.audio.stat(message.audioKey);
    if (!stat) return null;
    return {
      message,
      sizeBytes: stat.sizeBytes,
      etag: `"${message.id}-${String(stat.sizeBytes)}"`,
      open: (range) => this.deps.audio.createReadStream(message.audioKey, range),
    };
  }

  async recordDownload(ctx: RequestContext, message: Message, detail: { readonly range: string | null }): Promise<void> {
    await this.deps.audit.record(
      { kind: 'principal', principal: ctx.principal },
      { action: 'message.download', tenantId: message.tenantId, target: message.id, ip: ctx.ip, detail: { mailbox: message.mailboxId, range: detail.range } },
    );
  }

  async setHeard(ctx: RequestContext, id: string, heard: boolean, tenant?: string): Promise<Message | null> {
    const m = await this.getMessage(ctx.principal, id, tenant);
    if (!m) return null;
    return this.deps.actions.setHeard(m.tenantId, m.id, heard);
  }

  /** Deletes for good (row with its message.deleted notifications, then the audio), audited. */
  async remove(ctx: RequestContext, id: string, tenant?: string): Promise<Message | null> {
    const m = await this.getMessage(ctx.principal, id, tenant);
    if (!m) return null;
    const removed = await this.deps.actions.remove(m.tenantId, m.id);
    if (!removed) return null;
    await this.deps.audit.record(
      { kind: 'principal', principal: ctx.principal },
      { action: 'message.delete', tenantId: m.tenantId, target: m.id, ip: ctx.ip, detail: { mailbox: m.mailboxId, folder: m.folder } },
    );
    return removed;
  }

  /** The tenant a single record is looked up in; a platform admin must name it. */
  private tenantOfRecord(p: Principal, tenant: string | undefined): string | null {
    const scope = scopeOf(p, tenant);
    if (scope === null) return null;
    if (scope.all) throw tenantRequired();
    return scope.tenantId;
  }
}

function tenantRequired(): VoxmailError {
  return new VoxmailError(ACCESS_TENANT_REQUIRED, 'a platform admin must name the tenant (?tenant=ID) to address one mailbox or message');
}
