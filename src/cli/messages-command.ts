/**
 * `voxmail messages list|show|export|delete|missed`: the recorded messages and missed
 * calls of a tenant, for operators and scripts (support requests, legal holds, backups
 * of one message). Audio comes from the AudioStore, so `export` works the same whether
 * it is kept in local files or, later, in S3.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { Folder, Message } from '../voicemail/model.js';
import { FOLDERS } from '../voicemail/model.js';
import type { Problems } from './cli-error.js';
import { conflict, notFound, usageError } from './cli-error.js';
import { formatTable, printJson, printText } from './output.js';
import type { Opts, StoreContext } from './store-action.js';
import { addStoreOptions, checkedId, optFlag, optString, runStoreAction, tenantOf } from './store-action.js';
import { parseChoice, parseId, parseIntIn } from './validate.js';
import type { Delivery } from './views.js';
import { caller, deliveriesSummary, deliveriesText, deliveryJson, duration, localTime, messageJson, messageText, missedJson } from './views.js';

const SCOPED = { tenant: true } as const;
/** The store returns at most this many rows per list (src/store/validation/records.ts). */
const MAX_LIMIT = 1_000;
const DEFAULT_LIMIT = 100;

interface ListInput {
  readonly mailboxId: string | undefined;
  readonly folder: Folder | undefined;
  readonly unheard: boolean;
  readonly limit: number;
}

export function registerMessagesCommand(program: Command): Command {
  const messages = program.command('messages').description('list, show, export and delete recorded messages; list missed calls');

  const list = messages
    .command('list')
    .description('list messages, newest first')
    .option('-m, --mailbox <id>', 'only this mailbox')
    .option('--folder <folder>', `only this folder: ${FOLDERS.join(', ')}`)
    .option('--unheard', 'only messages not listened to yet')
    .option('--limit <n>', `at most this many, 1–${String(MAX_LIMIT)} (default ${String(DEFAULT_LIMIT)})`);
  addStoreOptions(list, SCOPED).action((opts: Opts) => runStoreAction(opts, SCOPED, (p) => listInput(opts, p), listMessages));

  const show = messages
    .command('show')
    .description('show one message and its deliveries (e-mail, SMS, webhook, MWI notifications with every attempt)')
    .argument('<id>', 'message id');
  addStoreOptions(show, SCOPED).action((id: string, opts: Opts) => runStoreAction(opts, SCOPED, (p) => checkedId(p, id), showMessage));

  const exp = messages
    .command('export')
    .description('write the audio of a message to a WAV file (8 kHz, 16-bit mono)')
    .argument('<id>', 'message id')
    .requiredOption('-o, --out <file>', 'file to write, e.g. message.wav')
    .option('-f, --force', 'overwrite the file if it exists');
  addStoreOptions(exp, SCOPED).action((id: string, opts: Opts) =>
    runStoreAction(opts, SCOPED, (p) => ({ id: checkedId(p, id), out: resolve(optString(opts, 'out') ?? ''), force: optFlag(opts, 'force') }), exportMessage),
  );

  const del = messages
    .command('delete')
    .description('delete a message and its audio for good, or move it to the trash')
    .argument('<id>', 'message id')
    .option('-y, --yes', 'confirm deleting for good: this cannot be undone')
    .option('--to-trash', 'move it to the trash instead (purged after the retention period)');
  addStoreOptions(del, SCOPED).action((id: string, opts: Opts) =>
    runStoreAction(
      opts,
      SCOPED,
      (p) => {
        const toTrash = optFlag(opts, 'toTrash');
        if (!toTrash && !optFlag(opts, 'yes')) p.add('messages delete', `deletes message ${id} and its audio for good: add --yes to confirm, or use --to-trash`);
        return { id: checkedId(p, id), toTrash };
      },
      deleteMessage,
    ),
  );

  for (const [name, heard] of [
    ['heard', true],
    ['unheard', false],
  ] as const) {
    const mark = messages
      .command(name)
      .description(heard ? 'mark a message heard (turns its lamp off when it was the last new one)' : 'mark a message new again')
      .argument('<id>', 'message id');
    addStoreOptions(mark, SCOPED).action((id: string, opts: Opts) => runStoreAction(opts, SCOPED, (p) => ({ id: checkedId(p, id), heard }), markHeard));
  }

  const missed = messages
    .command('missed')
    .description('list missed calls (callers who left no message), newest first, with their notifications')
    .option('-m, --mailbox <id>', 'only this mailbox')
    .option('--limit <n>', `at most this many, 1–${String(MAX_LIMIT)} (default ${String(DEFAULT_LIMIT)})`);
  addStoreOptions(missed, SCOPED).action((opts: Opts) => runStoreAction(opts, SCOPED, (p) => listInput(opts, p), listMissed));
  return messages;
}

function listInput(opts: Opts, p: Problems): ListInput {
  const mailbox = optString(opts, 'mailbox');
  const folder = optString(opts, 'folder');
  const limit = optString(opts, 'limit');
  return {
    mailboxId: mailbox === undefined ? undefined : p.take('--mailbox', parseId(mailbox)),
    folder: folder === undefined ? undefined : p.take('--folder', parseChoice(folder, FOLDERS)),
    unheard: optFlag(opts, 'unheard'),
    limit: (limit === undefined ? DEFAULT_LIMIT : p.take('--limit', parseIntIn(limit, 1, MAX_LIMIT))) ?? DEFAULT_LIMIT,
  };
}

/** Mailbox id → its time zone, for showing times as the mailbox's owner sees them. */
async function timeZones(ctx: StoreContext): Promise<Map<string, string>> {
  return new Map((await ctx.store.mailboxes.list(tenantOf(ctx).id)).map((m) => [m.id, m.timeZone]));
}

/** A `--mailbox` filter must name a mailbox: an empty list for a typo would look like "no messages". */
async function checkMailbox(ctx: StoreContext, mailboxId: string | undefined): Promise<void> {
  const tenantId = tenantOf(ctx).id;
  if (mailboxId !== undefined && !(await ctx.store.mailboxes.get(tenantId, mailboxId))) {
    throw notFound(`mailbox ${mailboxId} does not exist in tenant ${tenantId} (see: voxmail mailbox list --tenant ${tenantId})`);
  }
}

function noteIfCut(count: number, limit: number): void {
  if (count === limit) process.stderr.write(`voxmail: showing the newest ${String(limit)}; use --limit for more (at most ${String(MAX_LIMIT)})\n`);
}

async function listMessages(ctx: StoreContext, input: ListInput): Promise<void> {
  const tenantId = tenantOf(ctx).id;
  await checkMailbox(ctx, input.mailboxId);
  const found = await ctx.store.messages.list({
    tenantId,
    limit: input.limit,
    ...(input.mailboxId === undefined ? {} : { mailboxId: input.mailboxId }),
    ...(input.folder === undefined ? {} : { folder: input.folder }),
    ...(input.unheard ? { heard: false } : {}),
  });
  if (ctx.json) return printJson(found.map(messageJson));
  if (found.length === 0) return printText('no messages\n');
  const zones = await timeZones(ctx);
  const rows = found.map((m) => [
    m.id,
    m.mailboxId,
    m.folder,
    m.heard ? '' : 'new',
    localTime(m.receivedAt, zones.get(m.mailboxId)),
    caller(m.callerNumber, m.callerName),
    duration(m.durationMs),
  ]);
  printText(formatTable(['ID', 'MAILBOX', 'FOLDER', 'NEW', 'RECEIVED', 'FROM', 'LENGTH'], rows));
  noteIfCut(found.length, input.limit);
}

async function getMessage(ctx: StoreContext, id: string): Promise<Message> {
  const tenantId = tenantOf(ctx).id;
  const m = await ctx.store.messages.get(tenantId, id);
  if (!m) throw notFound(`message ${id} does not exist in tenant ${tenantId} (see: voxmail messages list --tenant ${tenantId})`);
  return m;
}

/**
 * The notifications about a message or missed call (`subjectId`), oldest first, each
 * with its attempts. They outlive the message: a deleted message's are still in the store.
 */
async function deliveriesOf(ctx: StoreContext, tenantId: string, subjectId: string): Promise<Delivery[]> {
  const found = await ctx.store.outbox.list({ tenantId, subjectId, limit: MAX_LIMIT });
  return Promise.all(found.reverse().map(async (notification) => ({ notification, attempts: await ctx.store.outbox.attempts(notification.id) })));
}

async function showMessage(ctx: StoreContext, id: string): Promise<void> {
  const m = await getMessage(ctx, id);
  const deliveries = await deliveriesOf(ctx, m.tenantId, m.id);
  if (ctx.json) return printJson({ ...messageJson(m), deliveries: deliveries.map(deliveryJson) });
  const zone = (await timeZones(ctx)).get(m.mailboxId);
  printText(messageText(m, zone) + deliveriesText(deliveries, zone));
}

async function exportMessage(ctx: StoreContext, { id, out, force }: { id: string; out: string; force: boolean }): Promise<void> {
  const m = await getMessage(ctx, id);
  const stat = await ctx.audio.stat(m.audioKey);
  if (!stat) throw notFound(`the audio of message ${id} is missing from the audio store (key ${m.audioKey})`);
  await writeFileFrom(ctx.audio.createReadStream(m.audioKey), out, force);
  if (ctx.json) printJson({ id, out, sizeBytes: stat.sizeBytes });
  else printText(`exported message ${id} (${duration(m.durationMs)}, ${String(stat.sizeBytes)} bytes) to ${out}\n`);
}

/**
 * Copies a stream into `out`. Without `force`, the file is created exclusively (`wx`),
 * so an existing file is never touched, even one that appears meanwhile. With `force`,
 * a temporary file is renamed over it, so a failed export leaves the old file intact.
 */
async function writeFileFrom(source: Readable, out: string, force: boolean): Promise<void> {
  const target = force ? join(dirname(out), `.${basename(out)}.${String(process.pid)}.tmp`) : out;
  try {
    await pipeline(source, createWriteStream(target, { flags: 'wx' }));
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    source.destroy();
    if (code === 'EEXIST' && !force) throw conflict(`${out} already exists: add --force to overwrite it`);
    await rm(target, { force: true });
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') throw usageError(`--out: cannot write ${out}: ${(e as Error).message}`);
    throw e;
  }
  if (force) await rename(target, out);
}

async function markHeard(ctx: StoreContext, { id, heard }: { id: string; heard: boolean }): Promise<void> {
  const m = await ctx.actions.setHeard(tenantOf(ctx).id, id, heard);
  if (!m) throw notFound(`message ${id} does not exist`);
  if (ctx.json) printJson({ id, tenant: m.tenantId, mailbox: m.mailboxId, heard: m.heard });
  else printText(`message ${id} marked ${m.heard ? 'heard' : 'new'}\n`);
}

async function deleteMessage(ctx: StoreContext, { id, toTrash }: { id: string; toTrash: boolean }): Promise<void> {
  const m = await getMessage(ctx, id);
  if (toTrash) {
    const moved = m.folder === 'trash' ? m : await ctx.store.messages.move(m.tenantId, id, 'trash');
    if (ctx.json) printJson(messageJson(moved));
    else printText(`moved message ${id} to the trash\n`);
    return;
  }
  // The row first (with its message.deleted notifications): a failed file delete leaves an
  // orphan file, never a message without audio.
  await ctx.actions.remove(m.tenantId, id);
  if (ctx.json) printJson({ id, tenant: m.tenantId, mailbox: m.mailboxId, deleted: true });
  else printText(`deleted message ${id} and its audio\n`);
}

async function listMissed(ctx: StoreContext, input: ListInput): Promise<void> {
  const tenantId = tenantOf(ctx).id;
  await checkMailbox(ctx, input.mailboxId);
  const found = await ctx.store.missedCalls.list({
    tenantId,
    limit: input.limit,
    ...(input.mailboxId === undefined ? {} : { mailboxId: input.mailboxId }),
  });
  const deliveries = await Promise.all(found.map((c) => deliveriesOf(ctx, tenantId, c.id)));
  if (ctx.json) return printJson(found.map((c, i) => ({ ...missedJson(c), deliveries: (deliveries[i] ?? []).map(deliveryJson) })));
  if (found.length === 0) return printText('no missed calls\n');
  const zones = await timeZones(ctx);
  const rows = found.map((c, i) => [
    localTime(c.at, zones.get(c.mailboxId)),
    c.mailboxId,
    caller(c.callerNumber, c.callerName),
    c.calledNumber ?? '',
    c.reason,
    c.cause,
    deliveriesSummary(deliveries[i] ?? []),
  ]);
  printText(formatTable(['AT', 'MAILBOX', 'FROM', 'TO', 'REASON', 'CAUSE', 'NOTIFIED'], rows));
  noteIfCut(found.length, input.limit);
}
