/**
 * `voxmail user add|list|show|remove`: the people who log in to the web inbox and the
 * REST API. Prompt-free, so it works in scripts and provisioning: the password comes on
 * standard input (`--password-stdin`, preferred: it stays out of the process list and
 * shell history) or as `--password`. It is checked (10–256 characters), stored only as
 * an argon2id hash, and never printed — not even in an error. Every change is audited.
 */
import type { Command } from 'commander';
import { createAccounts, PASSWORD_RULE, validatePassword } from '../voicemail/accounts/index.js';
import { LANGUAGES, ROLES, type Language, type Role, type User } from '../voicemail/model.js';
import { StoreError } from '../voicemail/ports.js';
import type { Problems } from './cli-error.js';
import { conflict, notFound, usageError } from './cli-error.js';
import { formatFields, formatTable, orNone, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, collect, optFlag, optList, optString, runStoreAction } from './store-action.js';
import { parseChoice, parseId, splitList, unique } from './validate.js';

const UNSCOPED = { tenant: false } as const;
const LOGIN_MAX = 254;
const NAME_MAX = 100;

interface AddInput {
  readonly login: string;
  readonly role: Role;
  readonly tenantId: string | null;
  readonly mailboxIds: readonly string[];
  readonly name: string | undefined;
  readonly language: Language | undefined;
  readonly password: string;
}

/** What scripts get: never the password hash. */
export function userJson(u: User): Record<string, unknown> {
  return { id: u.id, login: u.login, name: u.name, role: u.role, tenant: u.tenantId, mailboxes: u.mailboxIds, language: u.language, createdAt: u.createdAt, disabledAt: u.disabledAt };
}

function userText(u: User): string {
  return formatFields([
    ['login', u.login],
    ['name', u.name],
    ['role', u.role],
    ['tenant', orNone(u.tenantId)],
    ['mailboxes', u.role === 'owner' ? orNone(u.mailboxIds.join(', ')) : u.role === 'tenant-admin' ? 'all of the tenant' : 'all tenants'],
    ['language', u.language],
    ['created', u.createdAt],
    ['disabled', orNone(u.disabledAt)],
    ['id', u.id],
  ]);
}

/** A login as typed: the store lower-cases it and checks the characters. */
function checkLogin(p: Problems, login: string): string {
  const trimmed = login.trim();
  if (trimmed === '' || trimmed.length > LOGIN_MAX || /\s/.test(trimmed)) p.add('<login>', `must be 1–${String(LOGIN_MAX)} characters without spaces`);
  return trimmed;
}

/** Standard input up to its end, without one trailing newline (what `echo` and here-strings add). */
async function readPasswordFromStdin(): Promise<string> {
  if (process.stdin.isTTY) throw usageError('--password-stdin: standard input is a terminal; pipe the password in (printf %s "$PASSWORD" | voxmail user add ...)');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export function registerUserCommand(program: Command): Command {
  const user = program.command('user').description('manage the people who use the web inbox and the REST API (add, list, show, remove)');

  const add = user
    .command('add')
    .description('create a user; the password is read from stdin (--password-stdin) or given (--password), never printed')
    .argument('<login>', 'what the user types to log in, e.g. an e-mail address (case-insensitive)')
    .requiredOption('--role <role>', `${ROLES.join(' | ')}`)
    .option('-t, --tenant <id>', 'the tenant of a tenant-admin or owner (not for a platform-admin)')
    .option('-m, --mailbox <id>', "an owner's mailbox in the tenant (repeatable or a comma list)", collect)
    .option('--name <name>', 'display name (default: the login)')
    .option('--language <lang>', `${LANGUAGES.join(' | ')} (default en)`)
    .option('--password-stdin', 'read the password from standard input (preferred)')
    .option('--password <password>', 'the password (visible to other local users in the process list: prefer --password-stdin)');
  addStoreOptions(add, UNSCOPED)
    .addHelpText(
      'after',
      `
Examples:
  printf %s "$ADMIN_PASSWORD" | voxmail user add admin@example.com --role platform-admin --password-stdin
  voxmail user add boss@acme.example --role tenant-admin --tenant acme --password-stdin < pw.txt
  voxmail user add anna --role owner --tenant acme --mailbox 100 --mailbox 101 --password-stdin <<< "$PW"`,
    )
    .action(async (login: string, opts: Opts) => {
      let stdin: string | undefined;
      if (optFlag(opts, 'passwordStdin') && optString(opts, 'password') === undefined) {
        try {
          stdin = await readPasswordFromStdin();
        } catch (e) {
          process.stderr.write(`voxmail: ${(e as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      await runStoreAction(opts, UNSCOPED, (p) => addInput(login, opts, stdin, p), addUser);
    });

  const list = user.command('list').description('list users').option('-t, --tenant <id>', 'only the users of this tenant');
  addStoreOptions(list, UNSCOPED).action((opts: Opts) =>
    runStoreAction(
      opts,
      UNSCOPED,
      (p) => {
        const t = optString(opts, 'tenant');
        return t === undefined ? undefined : p.take('--tenant', parseId(t));
      },
      listUsers,
    ),
  );

  const show = user.command('show').description('show one user').argument('<login>', 'login');
  addStoreOptions(show, UNSCOPED).action((login: string, opts: Opts) => runStoreAction(opts, UNSCOPED, (p) => checkLogin(p, login), showUser));

  const remove = user
    .command('remove')
    .description('remove a user with their sessions and API tokens (audit rows stay)')
    .argument('<login>', 'login')
    .option('-y, --yes', 'confirm');
  addStoreOptions(remove, UNSCOPED).action((login: string, opts: Opts) =>
    runStoreAction(
      opts,
      UNSCOPED,
      (p) => {
        if (!optFlag(opts, 'yes')) p.add('user remove', `removes ${login} and ends their sessions and tokens: add --yes to confirm`);
        return checkLogin(p, login);
      },
      removeUser,
    ),
  );
  return user;
}

function addInput(login: string, opts: Opts, stdin: string | undefined, p: Problems): AddInput {
  const role = p.take('--role', parseChoice(optString(opts, 'role') ?? '', ROLES)) ?? 'owner';
  const tenantRaw = optString(opts, 'tenant');
  const tenantId = tenantRaw === undefined ? null : (p.take('--tenant', parseId(tenantRaw)) ?? null);
  const mailboxIds = unique(splitList(optList(opts, 'mailbox') ?? [])).map((m) => p.take('--mailbox', parseId(m)) ?? m);
  if (role === 'platform-admin' && tenantRaw !== undefined) p.add('--tenant', 'a platform-admin belongs to no tenant');
  if (role !== 'platform-admin' && tenantRaw === undefined) p.add('--tenant', `is required for the ${role} role`);
  if (role === 'owner' && mailboxIds.length === 0) p.add('--mailbox', 'an owner needs at least one mailbox');
  if (role !== 'owner' && mailboxIds.length > 0) p.add('--mailbox', `only owners have mailboxes (a ${role} sees ${role === 'tenant-admin' ? 'every mailbox of the tenant' : 'everything'})`);

  const name = optString(opts, 'name')?.trim();
  // eslint-disable-next-line no-control-regex
  if (name !== undefined && (name === '' || name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name))) p.add('--name', `must be 1–${String(NAME_MAX)} characters without control characters`);
  const languageRaw = optString(opts, 'language');
  const language = languageRaw === undefined ? undefined : p.take('--language', parseChoice(languageRaw, LANGUAGES));

  const given = optString(opts, 'password');
  if (given !== undefined && optFlag(opts, 'passwordStdin')) p.add('--password', 'give either --password or --password-stdin, not both');
  const password = given ?? stdin;
  if (password === undefined) p.add('--password-stdin', 'a password is required: pipe it in with --password-stdin (or give --password)');
  else if (!validatePassword(password).ok) p.add(given !== undefined ? '--password' : '--password-stdin', `${PASSWORD_RULE} (the value is not shown)`);
  if (given !== undefined) process.stderr.write('voxmail: note: --password is visible to other local users while the command runs; prefer --password-stdin\n');
  return { login: checkLogin(p, login), role, tenantId, mailboxIds, name, language, password: password ?? '' };
}

async function addUser(ctx: StoreContext, input: AddInput): Promise<void> {
  if (input.tenantId !== null && !(await ctx.store.tenants.get(input.tenantId))) throw notFound(`tenant "${input.tenantId}" does not exist (see: voxmail tenant list)`);
  if (await ctx.store.users.findByLogin(input.login)) throw conflict(`a user with login ${input.login.toLowerCase()} already exists (see: voxmail user show ${input.login})`);
  let created: User;
  try {
    created = await createAccounts({ store: ctx.store }).users.add(
      { ...input, ...(input.name !== undefined ? { name: input.name } : {}), ...(input.language !== undefined ? { language: input.language } : {}) },
      { kind: 'cli' },
    );
  } catch (e) {
    if (e instanceof StoreError && e.code === 'VM_STORE_UNKNOWN_MAILBOX') throw notFound(`${e.message} (see: voxmail mailbox list --tenant ${String(input.tenantId)})`);
    if (e instanceof StoreError && e.code === 'VM_STORE_DUPLICATE_USER') throw conflict(e.message);
    throw e;
  }
  if (ctx.json) return printJson(userJson(created));
  printText(`added user ${created.login}\n${userText(created)}`);
}

async function listUsers(ctx: StoreContext, tenantId: string | undefined): Promise<void> {
  const all = await ctx.store.users.list(tenantId === undefined ? {} : { tenantId });
  if (ctx.json) return printJson(all.map(userJson));
  if (all.length === 0) return printText('no users (add one with: voxmail user add LOGIN --role ROLE --password-stdin)\n');
  const rows = all.map((u) => [u.login, u.name, u.role, u.tenantId ?? '', u.mailboxIds.join(','), u.disabledAt === null ? '' : 'disabled']);
  printText(formatTable(['LOGIN', 'NAME', 'ROLE', 'TENANT', 'MAILBOXES', 'STATE'], rows));
}

export async function getUser(ctx: StoreContext, login: string): Promise<User> {
  const u = await ctx.store.users.findByLogin(login);
  if (!u) throw notFound(`user ${login} does not exist (see: voxmail user list)`);
  return u;
}

async function showUser(ctx: StoreContext, login: string): Promise<void> {
  const u = await getUser(ctx, login);
  if (ctx.json) return printJson(userJson(u));
  printText(userText(u));
}

async function removeUser(ctx: StoreContext, login: string): Promise<void> {
  const u = await getUser(ctx, login);
  await createAccounts({ store: ctx.store }).users.remove(u, { kind: 'cli' });
  if (ctx.json) return printJson({ login: u.login, id: u.id, removed: true });
  printText(`removed user ${u.login} (sessions ended, API tokens removed)\n`);
}
