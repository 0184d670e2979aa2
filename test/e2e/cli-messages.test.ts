/**
 * `voxmail messages list|show|export|delete|missed` on messages deposited through the
 * store API (deposits.begin → partial WAV → AudioStore.commitPartial → deposits.finish),
 * as the call flow does, with notifications queued and delivered through the outbox API
 * as the worker does, then read by the built CLI (`npm run build` first) in a child
 * process while this process keeps the store open.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Stores } from '../../src/compose/open-store.js';
import { ensureDemoMailbox, openStores } from '../../src/compose/open-store.js';
import { toWav } from '../../src/media/index.js';
import type { DiversionReason, Message, MissedCall } from '../../src/voicemail/model.js';
import type { NewNotification } from '../../src/voicemail/ports.js';
import { CLI_BIN, cliRunner } from '../support/cli.js';

const bin = CLI_BIN;
const tmp = mkdtempSync(join(tmpdir(), 'voxmail-cli-messages-'));
const data = join(tmp, 'data');
const { vox, voxJson, voxFails } = cliRunner({ cwd: tmp, data, failuresSayVoxmail: false });





interface MessageJson {
  id: string;
  tenant: string;
  mailbox: string;
  callerNumber: string | null;
  callerName: string | null;
  calledNumber: string | null;
  reason: string;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  folder: string;
  folderChangedAt: string;
  recovered: boolean;
  sizeBytes: number;
  callId: string | null;
}

interface DeliveryJson {
  id: string;
  channel: string;
  event: string;
  recipient: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  giveUpAt: string;
  lastError: string | null;
  providerId: string | null;
  createdAt: string;
  updatedAt: string;
  attemptLog: { attempt: number; at: string; outcome: string; detail: string | null; providerId: string | null }[];
}

let stores: Stores;
const GIVE_UP = '2099-01-01T00:00:00.000Z';
const PAST = '2026-01-01T00:00:00.000Z';
/** What each message's WAV holds, to compare exports with. */
const wavs = new Map<string, Buffer>();

/** A deposit as the call flow makes it: pending row, partial WAV, commit, message row. */
async function deposit(o: { id: string; mailboxId: string; receivedAt: string; callerNumber: string | null; callerName: string | null; reason: DiversionReason; tone: number }): Promise<Message> {
  const { store, audio } = stores;
  const base = { tenantId: 'demo', mailboxId: o.mailboxId, callerNumber: o.callerNumber, callerName: o.callerName, calledNumber: o.mailboxId, reason: o.reason, receivedAt: o.receivedAt, callId: `call-${o.id}` };
  await store.deposits.begin({ id: o.id, ...base, minMessageMs: 1_000 });
  // 1.5 s of a distinct ramp per message, so an export is checked byte for byte.
  const samples = new Int16Array(12_000).map((_, i) => ((i * o.tone) % 20_000) - 10_000);
  const wav = toWav(samples);
  wavs.set(o.id, wav);
  writeFileSync(audio.partialPath(o.id), wav);
  const audioKey = `messages/demo/${o.mailboxId}/${o.id}.wav`;
  const { sizeBytes } = await audio.commitPartial(o.id, audioKey);
  return store.deposits.finish(o.id, { id: o.id, ...base, durationMs: 1_500, recovered: false, audioKey, sizeBytes });
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run \`npm run build\` first (npm test does)`);
  stores = await openStores(data);
  await ensureDemoMailbox(stores.store);
  await stores.store.mailboxes.create({ tenantId: 'demo', id: '200', name: 'Sales', numbers: ['200'], timeZone: 'Europe/Moscow' });
  await deposit({ id: 'm-old', mailboxId: '100', receivedAt: '2026-01-10T09:00:00.000Z', callerNumber: '+74951112233', callerName: 'Ivan', reason: 'busy', tone: 7 });
  await deposit({ id: 'm-new', mailboxId: '100', receivedAt: '2026-01-12T09:00:00.000Z', callerNumber: null, callerName: null, reason: 'no-answer', tone: 11 });
  // A display name with terminal escapes, as a hostile caller could send it.
  await deposit({ id: 'm-sales', mailboxId: '200', receivedAt: '2026-01-11T21:30:00.000Z', callerNumber: '+79160001122', callerName: '\u001b[2J\u009b31mEvil', reason: 'unavailable', tone: 13 });
  await stores.store.messages.setHeard('demo', 'm-old', true);
  await stores.store.messages.move('demo', 'm-sales', 'saved');
  const smsFor = (c: MissedCall): NewNotification[] => [
    { tenantId: 'demo', mailboxId: '100', channel: 'sms', event: 'missed_call', subjectId: c.id, recipient: '+79160001122', payload: '{"kind":"missed_call"}', giveUpAt: GIVE_UP, nextAttemptAt: PAST },
  ];
  await stores.store.deposits.abandon(null, {
    tenantId: 'demo', mailboxId: '100', callerNumber: '+74950000000', callerName: null, calledNumber: '100', reason: 'busy', cause: 'too-short', at: '2026-01-12T10:00:00.000Z', callId: 'call-missed',
  }, smsFor);

  // Deliveries of m-old, as the outbox worker leaves them: an e-mail sent on the second
  // attempt, an SMS not yet tried, a webhook that failed for good (with a hostile reply).
  const outbox = stores.store.outbox;
  const note = (channel: NewNotification['channel'], recipient: string, nextAttemptAt: string): NewNotification => ({
    tenantId: 'demo', mailboxId: '100', channel, event: 'message.created', subjectId: 'm-old', recipient, payload: '{"kind":"message"}', giveUpAt: GIVE_UP, nextAttemptAt,
  });
  assert.equal(await outbox.enqueue([note('email', 'owner@example.com', PAST), note('sms', '+79160001122', GIVE_UP), note('webhook', 'https://crm.example/hook', PAST)]), 3);
  const first = await outbox.claimDue(new Date(), 60_000, 10);
  assert.deepEqual(first.map((n) => `${n.subjectId === 'm-old' ? 'm-old' : 'missed'} ${n.channel}`).sort(), ['m-old email', 'm-old webhook', 'missed sms']);
  for (const n of first) {
    if (n.channel === 'email') await outbox.complete(n.id, { outcome: 'retry', detail: '421 4.3.0 try again later', providerId: null, nextAttemptAt: new Date(PAST) });
    if (n.channel === 'webhook') await outbox.complete(n.id, { outcome: 'failed', detail: 'HTTP 500 \u001b[31mboom', providerId: null });
    if (n.channel === 'sms') await outbox.complete(n.id, { outcome: 'sent', detail: null, providerId: 'smpp-42' });
  }
  const [email] = await outbox.claimDue(new Date(), 60_000, 10);
  assert.equal(email?.channel, 'email');
  await outbox.complete(email.id, { outcome: 'sent', detail: '250 2.0.0 Ok: queued as Q123', providerId: 'Q123' });
});
after(async () => {
  await stores.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('messages list', () => {
  test('--json: every message of the tenant, newest first, with the documented fields', async () => {
    const all = await voxJson<MessageJson[]>(['messages', 'list']);
    assert.deepEqual(all.map((m) => m.id), ['m-new', 'm-sales', 'm-old']);
    const old = all[2]!;
    assert.deepEqual(
      old,
      {
        id: 'm-old', tenant: 'demo', mailbox: '100', callerNumber: '+74951112233', callerName: 'Ivan', calledNumber: '100', reason: 'busy',
        receivedAt: '2026-01-10T09:00:00.000Z', durationMs: 1_500, heard: true, folder: 'inbox', folderChangedAt: old.folderChangedAt,
        recovered: false, sizeBytes: wavs.get('m-old')!.length, callId: 'call-m-old',
      },
    );
    assert.ok(!('audioKey' in old), 'storage details stay inside');
  });

  test('filters: --mailbox, --folder, --unheard, --limit', async () => {
    const ids = async (args: string[]): Promise<string[]> => (await voxJson<MessageJson[]>(['messages', 'list', ...args])).map((m) => m.id);
    assert.deepEqual(await ids(['--mailbox', '100']), ['m-new', 'm-old']);
    assert.deepEqual(await ids(['--folder', 'saved']), ['m-sales']);
    assert.deepEqual(await ids(['--unheard']), ['m-new', 'm-sales']);
    assert.deepEqual(await ids(['--limit', '1']), ['m-new']);
    assert.match(await voxFails(2, ['messages', 'list', '--folder', 'spam']), /--folder: must be one of inbox, saved, trash \(got "spam"\)/);
    assert.match(await voxFails(2, ['messages', 'list', '--limit', '0']), /--limit: must be an integer 1–1000/);
    assert.match(await voxFails(3, ['messages', 'list', '--mailbox', '999']), /mailbox 999 does not exist/);
  });

  test('the table shows local times and escapes control characters from callers', async () => {
    const r = await vox(['messages', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ID +MAILBOX +FOLDER +NEW +RECEIVED +FROM +LENGTH$/m);
    // 21:30 UTC is 00:30 the next day in Moscow (the mailbox's zone).
    assert.match(r.stdout, /^m-sales +200 +saved +new +2026-01-12 00:30:00 +\+79160001122 "\\u001b\[2J\\u009b31mEvil" +0:02$/m);
    assert.match(r.stdout, /^m-new +100 +inbox +new +2026-01-12 09:00:00 +\(unknown\)/m);
    assert.ok(!r.stdout.includes('\u001b') && !r.stdout.includes('\u009b'), 'no raw escape reaches the terminal');
    const cut = await vox(['messages', 'list', '--limit', '2']);
    assert.match(cut.stderr, /showing the newest 2; use --limit/);
  });
});

describe('messages show', () => {
  test('--json and key: value; unknown id → 3', async () => {
    const m = await voxJson<MessageJson>(['messages', 'show', 'm-sales']);
    assert.deepEqual([m.mailbox, m.folder, m.heard, m.reason], ['200', 'saved', false, 'unavailable']);
    const r = await vox(['messages', 'show', 'm-old']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^from: +\+74951112233 "Ivan"$/m);
    assert.match(r.stdout, /^received: +2026-01-10 09:00:00 \(UTC\), 2026-01-10T09:00:00.000Z$/m);
    assert.match(r.stdout, /^heard: +yes$/m);
    assert.match(await voxFails(3, ['messages', 'show', 'nope']), /message nope does not exist in tenant demo/);
    await voxFails(3, ['messages', 'show', 'm-old', '--tenant', 'other']);
  });
});

describe('messages show: deliveries', () => {
  test('--json: every notification of the message, oldest first, with its attempts', async () => {
    const m = await voxJson<MessageJson & { deliveries: DeliveryJson[] }>(['messages', 'show', 'm-old']);
    assert.equal(m.id, 'm-old');
    assert.deepEqual(
      m.deliveries.map((d) => [d.channel, d.event, d.recipient, d.status, d.attempts, d.lastError, d.providerId]),
      [
        ['email', 'message.created', 'owner@example.com', 'sent', 2, '421 4.3.0 try again later', 'Q123'],
        ['sms', 'message.created', '+79160001122', 'pending', 0, null, null],
        ['webhook', 'message.created', 'https://crm.example/hook', 'failed', 1, 'HTTP 500 \u001b[31mboom', null],
      ],
    );
    const email = m.deliveries[0]!;
    assert.deepEqual(
      email.attemptLog.map((a) => [a.attempt, a.outcome, a.detail, a.providerId]),
      [
        [1, 'retry', '421 4.3.0 try again later', null],
        [2, 'sent', '250 2.0.0 Ok: queued as Q123', 'Q123'],
      ],
    );
    assert.ok(email.attemptLog.every((a) => !Number.isNaN(Date.parse(a.at))));
    assert.equal(m.deliveries[1]?.attemptLog.length, 0);
    assert.equal(m.deliveries[1]?.nextAttemptAt, GIVE_UP);
    assert.ok(m.deliveries.every((d) => !('payload' in d)), 'the payload stays inside');

    const none = await voxJson<{ deliveries: DeliveryJson[] }>(['messages', 'show', 'm-sales']);
    assert.deepEqual(none.deliveries, []);
  });

  test('people get each delivery with status, provider id, last error and attempts; server replies escaped', async () => {
    const r = await vox(['messages', 'show', 'm-old']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^deliveries: 3 \(times in UTC\)$/m);
    assert.match(r.stdout, /^ {2}email message\.created to owner@example\.com\n {4}status: +sent after 2 attempts\n {4}provider id: +Q123\n {4}last error: +421 4\.3\.0 try again later\n {4}#1 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}retry {2}421 4\.3\.0 try again later\n {4}#2 [\d: -]+ {2}sent {3}250 2\.0\.0 Ok: queued as Q123$/m);
    assert.match(r.stdout, /^ {2}sms message\.created to \+79160001122\n {4}status: pending, 0 attempts so far, next 2099-01-01 00:00:00, gives up 2099-01-01 00:00:00$/m);
    assert.match(r.stdout, /^ {2}webhook message\.created to https:\/\/crm\.example\/hook\n {4}status: +failed after 1 attempt \(given up\)\n {4}last error: +HTTP 500 \\u001b\[31mboom$/m);
    assert.ok(!r.stdout.includes('\u001b'), 'no raw escape reaches the terminal');
    assert.match((await vox(['messages', 'show', 'm-sales'])).stdout, /^deliveries: \(none\)$/m);
  });
});

describe('messages export', () => {
  test('writes the stored WAV byte for byte; refuses to overwrite without --force', async () => {
    const out = join(tmp, 'old.wav');
    const r = await voxJson<{ id: string; out: string; sizeBytes: number }>(['messages', 'export', 'm-old', '--out', out]);
    assert.deepEqual(r, { id: 'm-old', out, sizeBytes: wavs.get('m-old')!.length });
    assert.ok(readFileSync(out).equals(wavs.get('m-old')!));

    assert.match(await voxFails(4, ['messages', 'export', 'm-new', '--out', out]), /already exists: add --force/);
    assert.ok(readFileSync(out).equals(wavs.get('m-old')!), 'left as it was');

    const forced = await vox(['messages', 'export', 'm-new', '--out', out, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /exported message m-new \(0:02, \d+ bytes\) to /);
    assert.ok(readFileSync(out).equals(wavs.get('m-new')!));

    assert.match(await voxFails(2, ['messages', 'export', 'm-old', '--out', join(tmp, 'no', 'such', 'dir.wav')]), /--out: cannot write/);
    assert.match(await voxFails(2, ['messages', 'export', 'm-old']), /required option '-o, --out <file>'/);
    await voxFails(3, ['messages', 'export', 'nope', '--out', join(tmp, 'x.wav')]);
  });
});

describe('messages missed', () => {
  test('lists missed-call records with their notifications', async () => {
    const missed = await voxJson<{ id: string; tenant: string; mailbox: string; callerNumber: string; cause: string; at: string; deliveries: DeliveryJson[] }[]>(['messages', 'missed']);
    assert.deepEqual(
      missed.map((c) => [c.tenant, c.mailbox, c.callerNumber, c.cause, c.at]),
      [['demo', '100', '+74950000000', 'too-short', '2026-01-12T10:00:00.000Z']],
    );
    const [sms] = missed[0]!.deliveries;
    assert.deepEqual(
      [sms?.channel, sms?.event, sms?.recipient, sms?.status, sms?.attempts, sms?.providerId, sms?.attemptLog.map((a) => [a.attempt, a.outcome, a.providerId])],
      ['sms', 'missed_call', '+79160001122', 'sent', 1, 'smpp-42', [[1, 'sent', 'smpp-42']]],
    );
    assert.equal(missed[0]!.deliveries.length, 1);
    assert.deepEqual(await voxJson<unknown[]>(['messages', 'missed', '--mailbox', '200']), []);
    const r = await vox(['messages', 'missed']);
    assert.match(r.stdout, /^AT +MAILBOX +FROM +TO +REASON +CAUSE +NOTIFIED$/m);
    assert.match(r.stdout, /^2026-01-12 10:00:00 +100 +\+74950000000 +100 +busy +too-short +sms sent$/m);
  });
});

describe('messages delete', () => {
  test('needs --yes; --to-trash moves; --yes removes the row and the audio', async () => {
    assert.match(await voxFails(2, ['messages', 'delete', 'm-new']), /add --yes to confirm, or use --to-trash/);

    const trashed = await voxJson<MessageJson>(['messages', 'delete', 'm-new', '--to-trash']);
    assert.equal(trashed.folder, 'trash');
    assert.ok(await stores.audio.stat('messages/demo/100/m-new.wav'), 'the audio stays while in the trash');

    const gone = await voxJson<{ id: string; deleted: boolean }>(['messages', 'delete', 'm-new', '--yes']);
    assert.deepEqual([gone.id, gone.deleted], ['m-new', true]);
    assert.equal(await stores.store.messages.get('demo', 'm-new'), null);
    assert.equal(await stores.audio.stat('messages/demo/100/m-new.wav'), null, 'the audio is deleted too');
    await voxFails(3, ['messages', 'delete', 'm-new', '--yes']);
  });

  test('mailbox remove --yes deletes the audio of its messages', async () => {
    assert.ok(await stores.audio.stat('messages/demo/200/m-sales.wav'));
    const r = await voxJson<{ audioDeleted: number }>(['mailbox', 'remove', '200', '--yes']);
    assert.equal(r.audioDeleted, 1);
    assert.equal(await stores.audio.stat('messages/demo/200/m-sales.wav'), null);
    await voxFails(3, ['messages', 'show', 'm-sales']);
  });
});
