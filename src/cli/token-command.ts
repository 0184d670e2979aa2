/**
 * `voxmail token create|list|revoke`: API tokens for integrations (`Authorization:
 * Bearer vxm_...`). A token acts as its user, with the same role and scope. It is shown
 * once, by `create`, and stored only as a SHA-256 hash: a lost token is revoked and
 * replaced, never recovered. Creation and revocation are audited.
 */
import type { Command } from 'commander';
import { createAccounts, TOKEN_MAX_DAYS } from '../voicemail/accounts/index.js';
import type { ApiToken } from '../voicemail/model.js';
import type { Problems } from './cli-error.js';
import { notFound } from './cli-error.js';
import { formatFields, formatTable, orNone, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, checkedId, optString, runStoreAction } from './store-action.js';
import { getUser } from './user-command.js';
import { parseIntIn } from './validate.js';

const UNSCOPED = { tenant: false } as const;
const NAME_MAX = 100;
const DEFAULT_NAME = 'api';

interface CreateInput {
  readonly login: string;
  readonly name: string;
  readonly expiresDays: number | null;
}

/** Never the token or its hash: the prefix tells tokens apart. */
function tokenJson(t: ApiToken, login: string | null): Record<string, unknown> {
  return { id: t.id, user: login, name: t.name, prefix: t.prefix, createdAt: t.createdAt, expiresAt: t.expiresAt, lastUsedAt: t.lastUsedAt, revokedAt: t.revokedAt };
}

export function registerTokenCommand(program: Command): Command {
  const token = program.command('token').description('manage API tokens for integrations (create, list, revoke)');

  const create = token
    .command('create')
    .description('create an API token for a user and print it once')
    .requiredOption('-u, --user <login>', 'the user the token acts as')
    .option('--name <name>', `what it is for, e.g. crm (default ${DEFAULT_NAME})`)
    .option('--expires-days <n>', `expire after this many days, 1–${String(TOKEN_MAX_DAYS)} (default: until revoked)`);
  addStoreOptions(create, UNSCOPED)
    .addHelpText('after', '\nThe token is printed once. Use it as: curl -H "Authorization: Bearer vxm_..." http://HOST:8080/api/v1/messages')
    .action((opts: Opts) => runStoreAction(opts, UNSCOPED, (p) => createInput(opts, p), createToken));

  const list = token.command('list').description('list API tokens (never the tokens themselves)').option('-u, --user <login>', "only this user's tokens");
  addStoreOptions(list, UNSCOPED).action((opts: Opts) => runStoreAction(opts, UNSCOPED, () => optString(opts, 'user'), listTokens));

  const revoke = token.command('revoke').description('revoke an API token: it stops working at once').argument('<id>', 'token id (see: voxmail token list)');
  addStoreOptions(revoke, UNSCOPED).action((id: string, opts: Opts) => runStoreAction(opts, UNSCOPED, (p) => checkedId(p, id), revokeToken));
  return token;
}

function createInput(opts: Opts, p: Problems): CreateInput {
  const name = (optString(opts, 'name') ?? DEFAULT_NAME).trim();
  // eslint-disable-next-line no-control-regex
  if (name === '' || name.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) p.add('--name', `must be 1–${String(NAME_MAX)} characters without control characters`);
  const days = optString(opts, 'expiresDays');
  const expiresDays = days === undefined ? null : (p.take('--expires-days', parseIntIn(days, 1, TOKEN_MAX_DAYS, ' days')) ?? null);
  const login = (optString(opts, 'user') ?? '').trim();
  if (login === '') p.add('--user', 'must name a user');
  return { login, name, expiresDays };
}

async function createToken(ctx: StoreContext, input: CreateInput): Promise<void> {
  const user = await getUser(ctx, input.login);
  const accounts = createAccounts({ store: ctx.store });
  const { token, record } = await accounts.tokens.create(user, input.name, input.expiresDays);
  await accounts.audit.record({ kind: 'cli' }, { action: 'token.create', tenantId: user.tenantId, target: record.id, detail: { user: user.login, name: record.name } });
  if (ctx.json) return printJson({ ...tokenJson(record, user.login), token });
  printText(
    `created API token ${record.id} for ${user.login}\n` +
      formatFields([
        ['name', record.name],
        ['expires', orNone(record.expiresAt)],
        ['token', token],
      ]) +
      'This is the only time the token is shown: store it now (a lost token is revoked and replaced).\n',
  );
}

async function listTokens(ctx: StoreContext, login: string | undefined): Promise<void> {
  const user = login === undefined ? undefined : await getUser(ctx, login);
  const found = await ctx.store.apiTokens.list(user ? { userId: user.id } : {});
  const logins = new Map((await ctx.store.users.list()).map((u) => [u.id, u.login]));
  if (ctx.json) return printJson(found.map((t) => tokenJson(t, logins.get(t.userId) ?? null)));
  if (found.length === 0) return printText('no API tokens (create one with: voxmail token create --user LOGIN)\n');
  const rows = found.map((t) => [t.id, logins.get(t.userId) ?? '', t.name, `${t.prefix}…`, t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt ?? 'never', t.revokedAt === null ? '' : 'revoked']);
  printText(formatTable(['ID', 'USER', 'NAME', 'PREFIX', 'CREATED', 'EXPIRES', 'LAST USED', 'STATE'], rows));
}

async function revokeToken(ctx: StoreContext, id: string): Promise<void> {
  const existing = await ctx.store.apiTokens.get(id);
  if (!existing) throw notFound(`API token ${id} does not exist (see: voxmail token list)`);
  const owner = await ctx.store.users.get(existing.userId);
  const accounts = createAccounts({ store: ctx.store });
  const revoked = await accounts.tokens.revoke(id);
  await accounts.audit.record({ kind: 'cli' }, { action: 'token.revoke', tenantId: owner?.tenantId ?? null, target: id, detail: { user: owner?.login ?? null } });
  if (ctx.json) return printJson(tokenJson(revoked, owner?.login ?? null));
  printText(`revoked API token ${id} (${revoked.name}${owner ? ` of ${owner.login}` : ''})\n`);
}
