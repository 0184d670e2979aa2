/**
 * `voxmail tenant add|list|show|update`: the organisations mailboxes belong to. A
 * tenant's mailbox ids and numbers are its own; every other data command picks one with
 * `--tenant` (default `demo`). A tenant holds the e-mail defaults (default address,
 * "duplicate all voicemail to it") and the webhook settings; the webhook secret is never
 * printed, in any form.
 */
import type { Command } from 'commander';
import type { Tenant } from '../voicemail/model.js';
import type { NewTenant, TenantPatch } from '../voicemail/ports.js';
import type { Problems } from './cli-error.js';
import { conflict, notFound, usageError } from './cli-error.js';
import { formatTable, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, checkedId, optString, optStringOrFalse, runStoreAction } from './store-action.js';
import { parseEmail, parseWebhookSecret, parseWebhookUrl, WEBHOOK_SECRET_MAX, WEBHOOK_SECRET_MIN } from './validate.js';
import { tenantJson, tenantText } from './views.js';

const UNSCOPED = { tenant: false } as const;
const NAME_MAX = 100;

type Settings = { -readonly [K in keyof TenantPatch]: TenantPatch[K] };

/** The settings options `add` and `update` share. */
function addTenantSettingsOptions(cmd: Command, forUpdate: boolean): Command {
  return cmd
    .option('--name <name>', forUpdate ? 'display name' : 'display name (default: the id)')
    .option('--default-email <address>', 'address that gets voicemail e-mail of mailboxes without their own')
    .option('--no-default-email', 'no default address')
    .option('--duplicate-to-default', 'also copy every voicemail e-mail to the default address')
    .option('--no-duplicate-to-default', 'do not copy (the default)')
    .option('--webhook-url <url>', 'POST the tenant\'s events (message.created, missed_call, ...) to this http(s) URL')
    .option('--no-webhook', 'no webhooks: removes the URL and the secret')
    .option(
      '--webhook-secret <secret>',
      `key of the HMAC-SHA256 signature of every webhook, ${String(WEBHOOK_SECRET_MIN)}–${String(WEBHOOK_SECRET_MAX)} characters (stored, never shown)`,
    );
}

export function registerTenantCommand(program: Command): Command {
  const tenant = program.command('tenant').description('manage tenants, the organisations mailboxes belong to (add, list, show, update)');

  const add = tenant.command('add').description('create a tenant').argument('<id>', 'tenant id, e.g. acme');
  addTenantSettingsOptions(add, false);
  addStoreOptions(add, UNSCOPED).action((id: string, opts: Opts) =>
    runStoreAction(opts, UNSCOPED, (p): NewTenant => ({ id: checkedId(p, id), ...parseSettings(opts, p) }), addTenant),
  );

  const list = tenant.command('list').description('list tenants');
  addStoreOptions(list, UNSCOPED).action((opts: Opts) => runStoreAction(opts, UNSCOPED, () => undefined, listTenants));

  const show = tenant.command('show').description('show one tenant (the webhook secret only as set / not set)').argument('<id>', 'tenant id');
  addStoreOptions(show, UNSCOPED).action((id: string, opts: Opts) => runStoreAction(opts, UNSCOPED, (p) => checkedId(p, id), showTenant));

  const update = tenant
    .command('update')
    .description('change settings of a tenant; options not given are left as they are')
    .argument('<id>', 'tenant id');
  addTenantSettingsOptions(update, true);
  addStoreOptions(update, UNSCOPED)
    .addHelpText(
      'after',
      `
Example:
  voxmail tenant update acme --default-email voicemail@acme.example --duplicate-to-default \\
    --webhook-url https://crm.acme.example/hooks/voxmail --webhook-secret "$(openssl rand -hex 32)"`,
    )
    .action((id: string, opts: Opts) =>
      runStoreAction(opts, UNSCOPED, (p) => ({ id: checkedId(p, id), patch: parseSettings(opts, p) }), updateTenant),
    );
  return tenant;
}

/** Checks every settings option; problems go to `problems`. The secret is never quoted back. */
function parseSettings(opts: Opts, p: Problems): Settings {
  const settings: Settings = {};
  const name = optString(opts, 'name');
  if (name !== undefined) {
    const trimmed = name.trim();
    // eslint-disable-next-line no-control-regex
    if (trimmed === '' || trimmed.length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(trimmed)) {
      p.add('--name', `must be 1–${String(NAME_MAX)} characters without control characters`);
    } else settings.name = trimmed;
  }

  const email = optStringOrFalse(opts, 'defaultEmail');
  if (email === false) settings.defaultEmail = null;
  else if (email !== undefined) settings.defaultEmail = p.take('--default-email', parseEmail(email)) ?? null;

  const duplicate = opts.duplicateToDefault;
  if (typeof duplicate === 'boolean') settings.duplicateToDefault = duplicate;

  // `--no-webhook` alone makes commander default `webhook` to true; only false means it was given.
  const noWebhook = opts.webhook === false;
  const url = optString(opts, 'webhookUrl');
  const secret = optString(opts, 'webhookSecret');
  if (noWebhook) {
    if (url !== undefined) p.add('--no-webhook', 'cannot be combined with --webhook-url');
    if (secret !== undefined) p.add('--no-webhook', 'cannot be combined with --webhook-secret');
    settings.webhookUrl = null;
    settings.webhookSecret = null;
  } else {
    if (url !== undefined) settings.webhookUrl = p.take('--webhook-url', parseWebhookUrl(url)) ?? null;
    if (secret !== undefined) settings.webhookSecret = p.take('--webhook-secret', parseWebhookSecret(secret)) ?? null;
  }
  return settings;
}

async function addTenant(ctx: StoreContext, input: NewTenant): Promise<void> {
  if (await ctx.store.tenants.get(input.id)) throw conflict(`tenant ${input.id} already exists (change it with: voxmail tenant update ${input.id})`);
  const created = await ctx.store.tenants.create(input);
  noteAboutWebhook(created);
  if (ctx.json) printJson(tenantJson(created));
  else printText(`added tenant ${created.id}\n${tenantText(created, 0)}`);
}

async function updateTenant(ctx: StoreContext, { id, patch }: { id: string; patch: Settings }): Promise<void> {
  if (Object.keys(patch).length === 0) throw usageError('nothing to change: give at least one setting (see: voxmail tenant update --help)');
  if (!(await ctx.store.tenants.get(id))) throw notFound(`tenant ${id} does not exist (see: voxmail tenant list)`);
  const updated = await ctx.store.tenants.update(id, patch);
  noteAboutWebhook(updated);
  if (ctx.json) return printJson(tenantJson(updated));
  printText(`updated tenant ${id}\n${tenantText(updated, (await ctx.store.mailboxes.list(id)).length)}`);
}

async function listTenants(ctx: StoreContext): Promise<void> {
  const all = await ctx.store.tenants.list();
  if (ctx.json) return printJson(all.map(tenantJson));
  if (all.length === 0) return printText('no tenants (add one with: voxmail tenant add ID)\n');
  const counts = await Promise.all(all.map(async (t) => (await ctx.store.mailboxes.list(t.id)).length));
  const rows = all.map((t, i) => [t.id, t.name, String(counts[i] ?? 0), t.defaultEmail ?? '', t.webhookUrl ?? '']);
  printText(formatTable(['ID', 'NAME', 'MAILBOXES', 'DEFAULT E-MAIL', 'WEBHOOK'], rows));
}

async function showTenant(ctx: StoreContext, id: string): Promise<void> {
  const t = await ctx.store.tenants.get(id);
  if (!t) throw notFound(`tenant ${id} does not exist (see: voxmail tenant list)`);
  if (ctx.json) return printJson(tenantJson(t));
  printText(tenantText(t, (await ctx.store.mailboxes.list(id)).length));
}

/** Settings that are allowed but probably not what was meant: a note on stderr. */
function noteAboutWebhook(t: Tenant): void {
  if (t.webhookUrl !== null && t.webhookSecret === null) {
    process.stderr.write(`voxmail: note: tenant ${t.id} has a webhook URL but no --webhook-secret, so receivers cannot verify its webhooks\n`);
  }
  if (t.webhookUrl === null && t.webhookSecret !== null) {
    process.stderr.write(`voxmail: note: tenant ${t.id} has a webhook secret but no --webhook-url, so no webhooks are sent\n`);
  }
}
