/**
 * Mailboxes and messages as one principal may see them: every method first narrows to
 * the principal's scope (principal.ts) and answers null for anything outside it, the
 * same as for an id that does not exist. Changes go through MessageActions, so the
 * message-waiting lamp and webhooks follow exactly as for the CLI; deletions and
 * downloads are written to the audit log.
 */
import type { Readable } from 'node:stream';
import { VoxmailError } from '../../shared/errors.js';
import type { DistributionList, Folder, Mailbox, Message } from '../model.js';
import { broadcastCopies, forwardCopies } from '../messages/copies.js';
import { forwardAudio } from '../messages/forward-audio.js';
import type { MessageActions } from '../messages/message-actions.js';
import { audioRejected, MESSAGE_FORBIDDEN, MESSAGE_NO_TARGET, targetNotFound } from '../messages/message-errors.js';
import { StoreError, type AudioConverter, type AudioStore, type DistributionListPatch, type MessageCursor, type PromptAudio, type VoicemailStore } from '../ports.js';
import type { AuditTrail } from './audit.js';
import { canSeeMailbox, scopeOf, type Principal } from './principal.js';

/** A platform admin addressed a single record without naming its tenant. */
export const ACCESS_TENANT_REQUIRED = 'VM_ACCESS_TENANT_REQUIRED';

export interface MessageQuery {
  readonly tenant?: string;
  readonly mailboxId?: string;
  readonly folder?: Folder;
  readonly heard?: boolean;
  /** ISO bounds on receivedAt: from inclusive, to exclusive. */
  readonly from?: string;
  readonly to?: string;
  /** Case-insensitive substring of caller number or name, called number, transcript. */
  readonly q?: string;
  readonly limit: number;
  readonly olderThan?: MessageCursor;
}

/** Where copies go: mailbox ids and distribution list ids of the caller's tenant. */
export interface Targets {
  readonly to: readonly string[];
  readonly lists: readonly string[];
}

/** Uploads (forward comments, broadcasts): at most 10 minutes (docs/api.md "Uploads"). */
export const UPLOAD_MAX_MS = 600_000;

/** A mailbox's messages for an export: the rows, and their audio one at a time. */
export interface MailboxExport {
  readonly mailbox: Mailbox;
  /** Newest first. */
  readonly messages: readonly Message[];
  /** The WAV of one of them, or null when its file is missing from the audio store. */
  open(message: Message): Promise<Readable | null>;
}

/** Page size when an export reads a whole box. */
const EXPORT_PAGE = 1000;

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
      /** Decodes uploads (forward comments, broadcasts); without it those answer an error. */
      readonly converter?: AudioConverter | null;
      /** Wall-clock time (a broadcast's receivedAt). */
      readonly now?: () => Date;
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
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.q !== undefined ? { q: q.q } : {}),
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

  /** Move to a folder; into trash remembers where from. */
  async move(ctx: RequestContext, id: string, folder: Folder, tenant?: string): Promise<Message | null> {
    const m = await this.getMessage(ctx.principal, id, tenant);
    if (!m) return null;
    return this.deps.actions.move(m.tenantId, m.id, folder);
  }

  /** Undo a delete; StoreError VM_STORE_NOT_IN_TRASH when the message is not in trash. */
  async restore(ctx: RequestContext, id: string, tenant?: string): Promise<Message | null> {
    const m = await this.getMessage(ctx.principal, id, tenant);
    if (!m) return null;
    return this.deps.actions.restore(m.tenantId, m.id);
  }

  /**
   * Copies of a visible message to mailboxes and lists of its tenant (any signed-in user
   * may, as in an office phone system), each with `comment` + 0.5 s + the original. Null
   * when the message is not visible; a target outside the tenant is "not found".
   */
  async forward(ctx: RequestContext, id: string, targets: Targets, comment: Buffer | null, tenant?: string): Promise<Message[] | null> {
    const source = await this.getMessage(ctx.principal, id, tenant);
    if (!source) return null;
    const mailboxes = (await this.resolveTargets(source.tenantId, targets)).filter((m) => m !== source.mailboxId);
    if (mailboxes.length === 0) throw new VoxmailError(MESSAGE_NO_TARGET, 'no target mailbox other than the message\'s own: give to and/or list');
    const spoken = comment === null ? null : await this.convert(comment);
    const original = await this.deps.audio.get(source.audioKey);
    if (!original) throw new VoxmailError('VM_MESSAGE_AUDIO_MISSING', `the audio of message ${source.id} is missing from the audio store`);
    const audio = forwardAudio(original, spoken);
    if (!audio.ok) throw new VoxmailError('VM_MESSAGE_AUDIO_MISSING', audio.error);
    return this.deps.actions.deliverCopies(forwardCopies(source, mailboxes, audio.value, ctx.principal.user));
  }

  /** A recording sent to mailboxes and lists of the caller's tenant (a platform admin names it). Null for a tenant outside the scope. */
  async broadcast(ctx: RequestContext, targets: Targets, upload: Buffer, tenant?: string): Promise<Message[] | null> {
    const tenantId = this.tenantOfRecord(ctx.principal, tenant);
    if (tenantId === null) return null;
    const mailboxes = await this.resolveTargets(tenantId, targets);
    if (mailboxes.length === 0) throw new VoxmailError(MESSAGE_NO_TARGET, 'no target mailbox: give to and/or list');
    const audio = await this.convert(upload);
    const at = (this.deps.now ?? (() => new Date()))();
    return this.deps.actions.deliverCopies(broadcastCopies(tenantId, mailboxes, audio, ctx.principal.user, at));
  }

  /** Distribution lists of the caller's tenant (every role sees them: they are targets). Null for a tenant outside the scope. */
  async listLists(p: Principal, tenant?: string): Promise<DistributionList[] | null> {
    const tenantId = this.tenantOfRecord(p, tenant);
    if (tenantId === null) return null;
    return this.deps.store.lists.list(tenantId);
  }

  async getList(p: Principal, id: string, tenant?: string): Promise<DistributionList | null> {
    const tenantId = this.tenantOfRecord(p, tenant);
    if (tenantId === null) return null;
    return this.deps.store.lists.get(tenantId, id);
  }

  /** Tenant admins (and platform admins). A mailbox id outside the tenant is "not found". */
  async createList(ctx: RequestContext, list: { readonly id: string; readonly name: string; readonly mailboxIds: readonly string[] }, tenant?: string): Promise<DistributionList | null> {
    const tenantId = this.tenantOfRecord(ctx.principal, tenant);
    if (tenantId === null) return null;
    assertAdmin(ctx.principal);
    return mailboxesChecked(() => this.deps.store.lists.create({ tenantId, ...list }));
  }

  async updateList(ctx: RequestContext, id: string, patch: DistributionListPatch, tenant?: string): Promise<DistributionList | null> {
    const tenantId = this.tenantOfRecord(ctx.principal, tenant);
    if (tenantId === null) return null;
    if (!(await this.deps.store.lists.get(tenantId, id))) return null;
    assertAdmin(ctx.principal);
    return mailboxesChecked(() => this.deps.store.lists.update(tenantId, id, patch));
  }

  async removeList(ctx: RequestContext, id: string, tenant?: string): Promise<boolean> {
    const tenantId = this.tenantOfRecord(ctx.principal, tenant);
    if (tenantId === null) return false;
    if (!(await this.deps.store.lists.get(tenantId, id))) return false;
    assertAdmin(ctx.principal);
    await this.deps.store.lists.remove(tenantId, id);
    return true;
  }

  /**
   * A visible mailbox's messages (of one folder, if given) and their audio, for a zip
   * export; audited as one `message.download` with detail `export: true`. Null when the
   * mailbox is not visible.
   */
  async exportMailbox(ctx: RequestContext, mailboxId: string, folder: Folder | undefined, tenant?: string): Promise<MailboxExport | null> {
    const mailbox = await this.getMailbox(ctx.principal, mailboxId, tenant);
    if (!mailbox) return null;
    const messages: Message[] = [];
    let olderThan: MessageCursor | undefined;
    for (;;) {
      const page = await this.deps.store.messages.list({
        tenantId: mailbox.tenantId,
        mailboxId: mailbox.id,
        limit: EXPORT_PAGE,
        ...(folder !== undefined ? { folder } : {}),
        ...(olderThan !== undefined ? { olderThan } : {}),
      });
      messages.push(...page);
      const last = page.at(-1);
      if (!last || page.length < EXPORT_PAGE) break;
      olderThan = { receivedAt: last.receivedAt, id: last.id };
    }
    await this.deps.audit.record(
      { kind: 'principal', principal: ctx.principal },
      {
        action: 'message.download',
        tenantId: mailbox.tenantId,
        target: `mailbox:${mailbox.id}`,
        ip: ctx.ip,
        detail: { export: true, mailbox: mailbox.id, folder: folder ?? null, messages: messages.length },
      },
    );
    const audio = this.deps.audio;
    return {
      mailbox,
      messages,
      open: async (m) => ((await audio.stat(m.audioKey)) ? audio.createReadStream(m.audioKey) : null),
    };
  }

  /** Mailbox ids of the tenant named directly or by lists, without duplicates, in the order given. */
  private async resolveTargets(tenantId: string, targets: Targets): Promise<string[]> {
    const out = new Set<string>();
    for (const id of targets.to) {
      if (!(await this.deps.store.mailboxes.get(tenantId, id))) throw targetNotFound('mailbox');
      out.add(id);
    }
    for (const id of targets.lists) {
      const list = await this.deps.store.lists.get(tenantId, id);
      if (!list) throw targetNotFound('list');
      // A mailbox removed since the list was written is skipped.
      for (const m of list.mailboxIds) if (await this.deps.store.mailboxes.get(tenantId, m)) out.add(m);
    }
    return [...out];
  }

  private async convert(upload: Buffer): Promise<PromptAudio> {
    const converter = this.deps.converter;
    if (!converter) throw new VoxmailError('VM_MESSAGE_NO_CONVERTER', 'audio uploads are not available: no audio converter is configured');
    const result = await converter.convert(upload, { maxMs: UPLOAD_MAX_MS });
    if (!result.ok) throw audioRejected(result);
    return result.audio;
  }

  /** The tenant a single record is looked up in; a platform admin must name it. */
  private tenantOfRecord(p: Principal, tenant: string | undefined): string | null {
    const scope = scopeOf(p, tenant);
    if (scope === null) return null;
    if (scope.all) throw tenantRequired();
    return scope.tenantId;
  }
}

function assertAdmin(p: Principal): void {
  if (p.user.role === 'owner') throw new VoxmailError(MESSAGE_FORBIDDEN, 'only tenant admins may change distribution lists');
}

/** A list naming a mailbox the tenant does not have: the mailbox "does not exist" for the caller. */
async function mailboxesChecked<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StoreError && error.code === 'VM_STORE_UNKNOWN_MAILBOX') throw targetNotFound('mailbox');
    throw error;
  }
}

function tenantRequired(): VoxmailError {
  return new VoxmailError(ACCESS_TENANT_REQUIRED, 'a platform admin must name the tenant (?tenant=ID) to address one mailbox or message');
}
