/**
 * Users and the mailboxes owners see. The login is unique case-insensitively because
 * it is stored lower-case (validation/accounts.ts) under a unique constraint; the
 * owner's mailboxes are rows with a foreign key to the mailbox, so a mailbox removed
 * later silently leaves the owner's list instead of pointing at nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { User } from '../../voicemail/model.js';
import { StoreError, type NewUser, type UserPatch, type UserRepository } from '../../voicemail/ports.js';
import { checkNewUser, checkUserPatch, login as loginSchema } from '../validation/accounts.js';
import { checkId } from '../validation/records.js';
import { userFromRow } from './account-row-mappers.js';
import type { Database, UserRow } from './database.js';
import type { SqlContext } from './sql-context.js';

type Db = Kysely<Database> | Transaction<Database>;

export class SqlUserRepository implements UserRepository {
  constructor(private readonly ctx: SqlContext) {}

  async create(input: NewUser): Promise<User> {
    const u = checkNewUser(input);
    const at = this.ctx.now().toISOString();
    const row: UserRow = {
      id: randomUUID(),
      login: u.login,
      name: u.name ?? u.login,
      role: u.role,
      tenant_id: u.tenantId,
      language: u.language ?? 'en',
      password_hash: u.passwordHash,
      created_at: at,
      updated_at: at,
      disabled_at: null,
    };
    const mailboxIds = u.mailboxIds ?? [];
    const duplicate = (): StoreError => new StoreError('VM_STORE_DUPLICATE_USER', `a user with login ${u.login} already exists`);
    try {
      await this.ctx.db.transaction().execute(async (trx) => {
        if (await trx.selectFrom('users').select('id').where('login', '=', u.login).executeTakeFirst()) throw duplicate();
        if (u.tenantId !== null && !(await trx.selectFrom('tenants').select('id').where('id', '=', u.tenantId).executeTakeFirst())) {
          throw new StoreError('VM_STORE_UNKNOWN_TENANT', `tenant ${u.tenantId} does not exist`);
        }
        await trx.insertInto('users').values(row).execute();
        await insertMailboxes(trx, row.id, u.tenantId, mailboxIds);
      });
    } catch (error) {
      throw this.ctx.isUniqueViolation(error) ? duplicate() : error;
    }
    return userFromRow(row, mailboxIds);
  }

  async get(id: string): Promise<User | null> {
    const row = await this.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? userFromRow(row, await mailboxesOf(this.ctx.db, row.id)) : null;
  }

  async findByLogin(login: string): Promise<User | null> {
    const parsed = loginSchema.safeParse(login);
    if (!parsed.success) return null; // no stored login has that shape
    const row = await this.ctx.db.selectFrom('users').selectAll().where('login', '=', parsed.data).executeTakeFirst();
    return row ? userFromRow(row, await mailboxesOf(this.ctx.db, row.id)) : null;
  }

  async list(filter: { readonly tenantId?: string } = {}): Promise<User[]> {
    let q = this.ctx.db.selectFrom('users').selectAll();
    let boxes = this.ctx.db.selectFrom('user_mailboxes').select(['user_id', 'mailbox_id']);
    if (filter.tenantId !== undefined) {
      q = q.where('tenant_id', '=', filter.tenantId);
      boxes = boxes.where('tenant_id', '=', filter.tenantId);
    }
    const byUser = new Map<string, string[]>();
    for (const b of await boxes.orderBy('user_id').orderBy('position').execute()) byUser.set(b.user_id, [...(byUser.get(b.user_id) ?? []), b.mailbox_id]);
    const rows = await q.orderBy('login').execute();
    return rows.map((r) => userFromRow(r, byUser.get(r.id) ?? []));
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    const p = checkUserPatch(patch);
    return this.ctx.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw notFound(id);
      if (p.mailboxIds !== undefined && row.role !== 'owner') throw new StoreError('VM_STORE_INVALID', `mailboxIds: only an owner has a list of mailboxes (user ${row.login} is a ${row.role})`);
      if (p.mailboxIds?.length === 0) throw new StoreError('VM_STORE_INVALID', 'mailboxIds: an owner needs at least one mailbox');
      const next: UserRow = {
        ...row,
        name: p.name ?? row.name,
        language: p.language ?? row.language,
        password_hash: p.passwordHash ?? row.password_hash,
        disabled_at: p.disabledAt === undefined ? row.disabled_at : p.disabledAt,
        updated_at: this.ctx.now().toISOString(),
      };
      await trx.updateTable('users').set(next).where('id', '=', id).execute();
      if (p.mailboxIds !== undefined) {
        await trx.deleteFrom('user_mailboxes').where('user_id', '=', id).execute();
        await insertMailboxes(trx, id, row.tenant_id, p.mailboxIds);
      }
      return userFromRow(next, await mailboxesOf(trx, id));
    });
  }

  async remove(id: string): Promise<void> {
    checkId('id', id);
    const { numDeletedRows } = await this.ctx.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    if (numDeletedRows === 0n) throw notFound(id);
  }
}

async function insertMailboxes(trx: Transaction<Database>, userId: string, tenantId: string | null, mailboxIds: readonly string[]): Promise<void> {
  if (mailboxIds.length === 0) return;
  if (tenantId === null) throw new StoreError('VM_STORE_INVALID', 'mailboxIds: a user without a tenant has no mailboxes');
  const found = await trx.selectFrom('mailboxes').select('id').where('tenant_id', '=', tenantId).where('id', 'in', [...mailboxIds]).execute();
  const known = new Set(found.map((m) => m.id));
  const missing = mailboxIds.filter((m) => !known.has(m));
  if (missing.length > 0) throw new StoreError('VM_STORE_UNKNOWN_MAILBOX', `tenant ${tenantId} has no mailbox ${missing.join(', ')}`);
  await trx
    .insertInto('user_mailboxes')
    .values(mailboxIds.map((mailbox_id, position) => ({ user_id: userId, tenant_id: tenantId, mailbox_id, position })))
    .execute();
}

async function mailboxesOf(db: Db, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('user_mailboxes').select('mailbox_id').where('user_id', '=', userId).orderBy('position').execute();
  return rows.map((r) => r.mailbox_id);
}

function notFound(id: string): StoreError {
  return new StoreError('VM_STORE_NOT_FOUND', `user ${id} not found`);
}
