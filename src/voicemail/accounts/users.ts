/**
 * Managing users (the CLI today, the admin pages later): the password is checked and
 * hashed here, so no caller ever hands the store anything but an argon2id hash, and
 * every change is written to the audit log.
 */
import type { Language, Role, User } from '../model.js';
import type { VoicemailStore } from '../ports.js';
import type { Actor, AuditTrail } from './audit.js';
import { hashPassword } from './passwords.js';
import type { SessionManager } from './sessions.js';

export interface AddUserInput {
  readonly login: string;
  readonly role: Role;
  readonly tenantId: string | null;
  readonly mailboxIds: readonly string[];
  readonly name?: string;
  readonly language?: Language;
  /** Checked with validatePassword by the caller; hashed here, never stored or logged as such. */
  readonly password: string;
}

export class UserAdmin {
  constructor(
    private readonly store: Pick<VoicemailStore, 'users'>,
    private readonly sessions: SessionManager,
    private readonly audit: AuditTrail,
  ) {}

  async add(input: AddUserInput, actor: Actor, ip: string | null = null): Promise<User> {
    const user = await this.store.users.create({
      login: input.login,
      role: input.role,
      tenantId: input.tenantId,
      mailboxIds: input.mailboxIds,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.language !== undefined ? { language: input.language } : {}),
      passwordHash: await hashPassword(input.password),
    });
    await this.audit.record(actor, {
      action: 'user.create',
      tenantId: user.tenantId,
      target: user.login,
      ip,
      detail: { role: user.role, mailboxes: user.mailboxIds.join(',') },
    });
    return user;
  }

  /** Ends the user's sessions first (a removed user's open browser tab must stop working at once), then removes it. */
  async remove(user: User, actor: Actor, ip: string | null = null): Promise<void> {
    await this.sessions.revokeAllOf(user.id);
    await this.store.users.remove(user.id);
    await this.audit.record(actor, { action: 'user.remove', tenantId: user.tenantId, target: user.login, ip, detail: { role: user.role } });
  }
}
