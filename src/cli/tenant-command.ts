/**
 * `voxmail tenant add|list|show`: the organisations mailboxes belong to. A tenant's
 * mailbox ids and numbers are its own; every other data command picks one with
 * `--tenant` (default `demo`). `tenant update` comes with the e-mail settings issue.
 */
import type { Command } from 'commander';
import type { NewTenant } from '../voicemail/ports.js';
import { conflict, notFound } from './cli-error.js';
import { formatTable, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, checkedId, optString, runStoreAction } from './store-action.js';
import { parseEmail } from './validate.js';
import { tenantJson, tenantText } from './views.js';

const UNSCOPED = { tenant: false } as const;

export function registerTenantCommand(program: Command): Command {
  const tenant = program.command('tenant').description('manage tenants, the organisations mailboxes belong to (add, list, show)');

  const add = tenant
    .command('add')
    .description('create a tenant')
    .argument('<id>', 'tenant id, e.g. acme')
    .option('--name <name>', 'display name (default: the id)')
    .option('--default-email <address>', 'address that gets voicemail e-mail of mailboxes without their own')
    .option('--duplicate-to-default', 'also copy every voicemail e-mail to the default address')
    .option('--no-duplicate-to-default', 'do not copy (the default)');
  addStoreOptions(add, UNSCOPED).action((id: string, opts: Opts) =>
    runStoreAction(
      opts,
      UNSCOPED,
      (p): NewTenant => {
        const name = optString(opts, 'name')?.trim();
        if (name?.length === 0 || (name?.length ?? 0) > 100) p.add('--name', 'must be 1–100 characters');
        const email = optString(opts, 'defaultEmail');
        const duplicate = opts.duplicateToDefault;
        return {
          id: checkedId(p, id),
          ...(name ? { name } : {}),
          ...(email === undefined ? {} : { defaultEmail: p.take('--default-email', parseEmail(email)) ?? null }),
          ...(typeof duplicate === 'boolean' ? { duplicateToDefault: duplicate } : {}),
        };
      },
      addTenant,
    ),
  );

  const list = tenant.command('list').description('list tenants');
  addStoreOptions(list, UNSCOPED).action((opts: Opts) => runStoreAction(opts, UNSCOPED, () => undefined, listTenants));

  const show = tenant.command('show').description('show one tenant').argument('<id>', 'tenant id');
  addStoreOptions(show, UNSCOPED).action((id: string, opts: Opts) => runStoreAction(opts, UNSCOPED, (p) => checkedId(p, id), showTenant));
  return tenant;
}

async function addTenant(ctx: StoreContext, input: NewTenant): Promise<void> {
  if (await ctx.store.tenants.get(input.id)) throw conflict(`tenant ${input.id} already exists`);
  const created = await ctx.store.tenants.create(input);
  if (ctx.json) printJson(tenantJson(created));
  else printText(`added tenant ${created.id}\n${tenantText(created, 0)}`);
}

async function listTenants(ctx: StoreContext): Promise<void> {
  const all = await ctx.store.tenants.list();
  if (ctx.json) return printJson(all.map(tenantJson));
  if (all.length === 0) return printText('no tenants (add one with: voxmail tenant add ID)\n');
  const counts = await Promise.all(all.map(async (t) => (await ctx.store.mailboxes.list(t.id)).length));
  const rows = all.map((t, i) => [t.id, t.name, String(counts[i] ?? 0), t.defaultEmail ?? '']);
  printText(formatTable(['ID', 'NAME', 'MAILBOXES', 'DEFAULT E-MAIL'], rows));
}

async function showTenant(ctx: StoreContext, id: string): Promise<void> {
  const t = await ctx.store.tenants.get(id);
  if (!t) throw notFound(`tenant ${id} does not exist (see: voxmail tenant list)`);
  if (ctx.json) return printJson(tenantJson(t));
  printText(tenantText(t, (await ctx.store.mailboxes.list(id)).length));
}
