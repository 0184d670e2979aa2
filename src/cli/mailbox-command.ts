/**
 * `voxmail mailbox add|list|show|update|remove`: mailboxes of one tenant, managed from
 * the shell (also while the server runs: the store is SQLite in WAL mode). Every value is
 * checked before the store is written; conflicts (id or number taken) exit 4, a missing
 * mailbox 3. The PIN is hashed here and never printed, in any form.
 */
import type { Command } from 'commander';
import type { GreetingReason, GreetingSetting, Mailbox } from '../voicemail/model.js';
import { GREETING_REASONS } from '../voicemail/model.js';
import type { MailboxPatch, VoicemailStore } from '../voicemail/ports.js';
import { hashPin } from '../voicemail/pin.js';
import { conflict, notFound, usageError } from './cli-error.js';
import type { MailboxInput } from './mailbox-options.js';
import { addMailboxSettingsOptions, DEFAULT_MAX_MESSAGE_MS, DEFAULT_MIN_MESSAGE_MS, parseMailboxInput } from './mailbox-options.js';
import { formatTable, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, checkedId, optFlag, runStoreAction, tenantOf } from './store-action.js';
import { mailboxJson, mailboxText } from './views.js';

const SCOPED = { tenant: true } as const;

export function registerMailboxCommand(program: Command): Command {
  const mailbox = program.command('mailbox').description('manage the mailboxes of a tenant (add, list, show, update, remove)');

  const add = mailbox.command('add').description('create a mailbox').argument('<id>', 'mailbox id, unique in the tenant, e.g. 100');
  addMailboxSettingsOptions(add, false);
  addStoreOptions(add, SCOPED).addHelpText(
    'after',
    `
Example:
  voxmail mailbox add 200 --name Sales --number "+7 (495) 123-45-67" --number 200 \\
    --language ru --time-zone Europe/Moscow --greeting-mode all=leave-message --email sales@example.com`,
  );
  add.action((id: string, opts: Opts) =>
    runStoreAction(opts, SCOPED, (p) => ({ id: checkedId(p, id), input: parseMailboxInput(opts, p) }), addMailbox),
  );

  const list = mailbox.command('list').description('list the mailboxes of the tenant');
  addStoreOptions(list, SCOPED).action((opts: Opts) => runStoreAction(opts, SCOPED, () => undefined, listMailboxes));

  const show = mailbox.command('show').description('show one mailbox (the PIN only as set / not set)').argument('<id>', 'mailbox id');
  addStoreOptions(show, SCOPED).action((id: string, opts: Opts) => runStoreAction(opts, SCOPED, (p) => checkedId(p, id), showMailbox));

  const update = mailbox
    .command('update')
    .description('change settings of a mailbox; options not given are left as they are')
    .argument('<id>', 'mailbox id');
  addMailboxSettingsOptions(update, true);
  addStoreOptions(update, SCOPED).action((id: string, opts: Opts) =>
    runStoreAction(opts, SCOPED, (p) => ({ id: checkedId(p, id), input: parseMailboxInput(opts, p) }), updateMailbox),
  );

  const remove = mailbox
    .command('remove')
    .description('delete a mailbox with all its messages, missed calls and audio')
    .argument('<id>', 'mailbox id')
    .option('-y, --yes', 'confirm: this cannot be undone');
  addStoreOptions(remove, SCOPED).action((id: string, opts: Opts) =>
    runStoreAction(
      opts,
      SCOPED,
      (p) => {
        if (!optFlag(opts, 'yes')) p.add('mailbox remove', `deletes mailbox ${id} with all its messages and their audio: add --yes to confirm`);
        return checkedId(p, id);
      },
      removeMailbox,
    ),
  );
  return mailbox;
}

async function getMailbox(ctx: StoreContext, id: string): Promise<Mailbox> {
  const tenant = tenantOf(ctx);
  const m = await ctx.store.mailboxes.get(tenant.id, id);
  if (!m) throw notFound(`mailbox ${id} does not exist in tenant ${tenant.id} (see: voxmail mailbox list --tenant ${tenant.id})`);
  return m;
}

function print(ctx: StoreContext, m: Mailbox, headline: string): void {
  if (ctx.json) printJson(mailboxJson(m));
  else printText(`${headline}\n${mailboxText(m)}`);
}

async function addMailbox(ctx: StoreContext, { id, input }: { id: string; input: MailboxInput }): Promise<void> {
  const tenantId = tenantOf(ctx).id;
  checkLengths(input.minMessageMs ?? DEFAULT_MIN_MESSAGE_MS, input.maxMessageMs ?? DEFAULT_MAX_MESSAGE_MS);
  if (await ctx.store.mailboxes.get(tenantId, id)) throw conflict(`mailbox ${id} already exists in tenant ${tenantId} (change it with: voxmail mailbox update ${id})`);
  const numbers = input.numbers ?? [];
  await checkNumbersFree(ctx.store, tenantId, id, numbers);
  const greetings: Partial<Record<GreetingReason, GreetingSetting>> = {};
  for (const [reason, mode] of Object.entries(input.greetingModes ?? {})) greetings[reason as GreetingReason] = { mode, audioKey: null };
  const created = await ctx.store.mailboxes.create({
    tenantId,
    id,
    ...settingsPatch(input),
    numbers,
    greetings,
    ...(input.pin ? { pinHash: await hashPin(input.pin) } : {}),
  });
  warnAboutSettings(created);
  print(ctx, created, `added mailbox ${id} (tenant ${tenantId})`);
}

async function listMailboxes(ctx: StoreContext): Promise<void> {
  const tenantId = tenantOf(ctx).id;
  const all = await ctx.store.mailboxes.list(tenantId);
  if (ctx.json) return printJson(all.map(mailboxJson));
  if (all.length === 0) return printText(`no mailboxes in tenant ${tenantId} (add one with: voxmail mailbox add ID)\n`);
  const rows = all.map((m) => [m.id, m.name, m.numbers.join(', '), m.language, m.timeZone, m.pinHash === null ? 'no' : 'yes', m.emails.join(', ')]);
  printText(formatTable(['ID', 'NAME', 'NUMBERS', 'LANG', 'TIME ZONE', 'PIN', 'E-MAIL'], rows));
}

async function showMailbox(ctx: StoreContext, id: string): Promise<void> {
  const m = await getMailbox(ctx, id);
  if (ctx.json) return printJson(mailboxJson(m));
  printText(mailboxText(m, await ctx.store.messages.countForQuota(m.tenantId, m.id)));
}

async function updateMailbox(ctx: StoreContext, { id, input }: { id: string; input: MailboxInput }): Promise<void> {
  const current = await getMailbox(ctx, id);
  const patch: { -readonly [K in keyof MailboxPatch]: MailboxPatch[K] } = settingsPatch(input);

  const numbers = nextNumbers(current, input);
  if (numbers !== undefined) {
    await checkNumbersFree(
      ctx.store,
      current.tenantId,
      id,
      numbers.filter((n) => !current.numbers.includes(n)),
    );
    patch.numbers = numbers;
  }
  checkLengths(input.minMessageMs ?? current.minMessageMs, input.maxMessageMs ?? current.maxMessageMs);
  if (input.greetingModes !== undefined) {
    // The whole record, so that a recorded greeting (audioKey) survives a mode change.
    const greetings = {} as Record<GreetingReason, GreetingSetting>;
    for (const r of GREETING_REASONS) greetings[r] = { mode: input.greetingModes[r] ?? current.greetings[r].mode, audioKey: current.greetings[r].audioKey };
    patch.greetings = greetings;
  }
  if (input.pin !== undefined) patch.pinHash = input.pin === null ? null : await hashPin(input.pin);
  if (Object.keys(patch).length === 0) throw usageError('nothing to change: give at least one setting (see: voxmail mailbox update --help)');

  const updated = await ctx.store.mailboxes.update(current.tenantId, id, patch);
  warnAboutSettings(updated);
  print(ctx, updated, `updated mailbox ${id} (tenant ${current.tenantId})`);
}

async function removeMailbox(ctx: StoreContext, id: string): Promise<void> {
  const m = await getMailbox(ctx, id);
  const { audioKeys } = await ctx.store.mailboxes.remove(m.tenantId, id);
  // The rows are gone first: a failed file delete leaves an orphan file, never a
  // message whose audio is missing.
  const failed: string[] = [];
  for (const key of audioKeys) {
    try {
      await ctx.audio.delete(key);
    } catch (e) {
      failed.push(`${key}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (ctx.json) printJson({ id, tenant: m.tenantId, removed: true, audioDeleted: audioKeys.length - failed.length, audioFailed: failed.length });
  else printText(`removed mailbox ${id} (tenant ${m.tenantId}) and ${String(audioKeys.length - failed.length)} audio file(s)\n`);
  if (failed.length > 0) throw new Error(`mailbox ${id} was removed but ${String(failed.length)} audio file(s) could not be deleted:\n  ${failed.join('\n  ')}`);
}

/** The simple settings of the input as a patch (numbers, greetings and PIN are handled apart). */
function settingsPatch(input: MailboxInput): { -readonly [K in keyof MailboxPatch]: MailboxPatch[K] } {
  const patch: { -readonly [K in keyof MailboxPatch]: MailboxPatch[K] } = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.language !== undefined) patch.language = input.language;
  if (input.timeZone !== undefined) patch.timeZone = input.timeZone;
  if (input.maxMessageMs !== undefined) patch.maxMessageMs = input.maxMessageMs;
  if (input.minMessageMs !== undefined) patch.minMessageMs = input.minMessageMs;
  if (input.silenceTimeoutMs !== undefined) patch.silenceTimeoutMs = input.silenceTimeoutMs;
  if (input.retentionDays !== undefined) patch.retentionDays = input.retentionDays;
  if (input.savedRetentionDays !== undefined) patch.savedRetentionDays = input.savedRetentionDays;
  if (input.quotaMessages !== undefined) patch.quotaMessages = input.quotaMessages;
  if (input.operatorUri !== undefined) patch.operatorUri = input.operatorUri;
  if (input.warningMode !== undefined) patch.warningMode = input.warningMode;
  if (input.emails !== undefined) patch.emails = input.emails;
  if (input.emailAction !== undefined) patch.emailAction = input.emailAction;
  if (input.smsNumber !== undefined) patch.smsNumber = input.smsNumber;
  if (input.mwiUris !== undefined) patch.mwiUris = input.mwiUris;
  return patch;
}

/** The numbers after `--number` (replace), `--add-number` and `--remove-number`, or undefined if none was given. */
function nextNumbers(current: Mailbox, input: MailboxInput): string[] | undefined {
  if (input.numbers === undefined && input.addNumbers === undefined && input.removeNumbers === undefined) return undefined;
  const numbers = [...(input.numbers ?? current.numbers)];
  for (const n of input.addNumbers ?? []) if (!numbers.includes(n)) numbers.push(n);
  for (const n of input.removeNumbers ?? []) {
    const i = numbers.indexOf(n);
    if (i < 0) throw notFound(`--remove-number: mailbox ${current.id} has no number ${n} (its numbers: ${numbers.join(', ') || 'none'})`);
    numbers.splice(i, 1);
  }
  return numbers;
}

/**
 * Refuses numbers another mailbox of the tenant already answers, naming it. The store
 * refuses them too (VM_STORE_NUMBER_TAKEN, also exit 4), but without saying who has it.
 */
async function checkNumbersFree(store: VoicemailStore, tenantId: string, mailboxId: string, numbers: readonly string[]): Promise<void> {
  const taken: string[] = [];
  for (const n of numbers) {
    const owner = await store.mailboxes.findByNumber(tenantId, n);
    if (owner && owner.id !== mailboxId) {
      taken.push(`number ${n} already belongs to mailbox ${owner.id} in tenant ${tenantId} (free it with: voxmail mailbox update ${owner.id} --remove-number ${n})`);
    }
  }
  if (taken.length > 0) throw conflict(taken.join('\n'));
}

function checkLengths(minMs: number, maxMs: number): void {
  if (minMs >= maxMs) {
    throw usageError(`--min-length: must be shorter than the maximum length (${String(minMs / 1_000)} s ≥ ${String(maxMs / 1_000)} s)`);
  }
}

/** Settings that are allowed but will not do what they say yet: a note on stderr. */
function warnAboutSettings(m: Mailbox): void {
  const needOperator = GREETING_REASONS.filter((r) => ['stay-on-line', 'wait-operator'].includes(m.greetings[r].mode));
  if (m.operatorUri === null && needOperator.length > 0) {
    process.stderr.write(
      `voxmail: note: mailbox ${m.id} has no --operator, so callers (${needOperator.join(', ')}) are offered to leave a message instead of being transferred\n`,
    );
  }
  if (m.warningMode === 'custom' && m.warningAudioKey === null) {
    process.stderr.write(`voxmail: note: mailbox ${m.id} has no custom warning prompt recorded yet\n`);
  }
}
