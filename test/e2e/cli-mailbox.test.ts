/**
 * `voxmail tenant` and `voxmail mailbox`, run as a user would: the built CLI
 * (`node dist/cli/bin.js`, so `npm run build` first, as in cli.test.ts) against a real
 * SQLite store in a temporary data directory. Checks the JSON round trip, the messages
 * and exit codes of bad input (2), missing things (3) and conflicts (4), that the PIN
 * never reaches the output, the config chain for the data directory, and that the
 * commands work while `voxmail serve` runs on the same data directory.
 */
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureDemoMailbox, openStores } from '../../src/compose/open-store.js';
import { cleanEnv, finishCli, type CliRun } from '../support/cli.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'dist/cli/bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'voxmail-cli-mailbox-'));
const data = join(tmp, 'data');



function start(args: readonly string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [bin, ...args], { cwd: tmp, env: cleanEnv(env) });
}


/** `voxmail ARGS --data <data>` */
function vox(args: readonly string[], dataDir = data, env: Record<string, string> = {}): Promise<CliRun> {
  return finishCli(start([...args, '--data', dataDir], env));
}

/** Runs a command that must succeed with --json and returns its one JSON document. */
async function voxJson<T = Record<string, unknown>>(args: readonly string[], dataDir = data): Promise<T> {
  const r = await vox([...args, '--json'], dataDir);
  assert.equal(r.code, 0, `voxmail ${args.join(' ')}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs a command that must fail with `code`, print nothing on stdout and one or more lines on stderr. */
async function voxFails(code: number, args: readonly string[], dataDir = data): Promise<string> {
  const r = await vox(args, dataDir);
  assert.equal(r.code, code, `voxmail ${args.join(' ')} exited ${String(r.code)}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout for a failure');
  assert.match(r.stderr, /^voxmail: /);
  return r.stderr;
}

interface MailboxJson {
  id: string;
  tenant: string;
  name: string;
  numbers: string[];
  language: string;
  timeZone: string;
  greetings: Record<string, { mode: string; audioKey: string | null }>;
  warningMode: string;
  maxMessageMs: number;
  minMessageMs: number;
  silenceTimeoutMs: number;
  retentionDays: number;
  savedRetentionDays: number;
  quotaMessages: number;
  operatorUri: string | null;
  pinSet: boolean;
  emails: string[];
  emailAction: string;
  smsNumber: string | null;
  mwiUris: string[];
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run \`npm run build\` first (npm test does)`);
  const stores = await openStores(data);
  try {
    assert.equal(await ensureDemoMailbox(stores.store), true, 'an empty store gets the demo');
    assert.equal(await ensureDemoMailbox(stores.store), false, 'only once');
  } finally {
    await stores.close();
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('help', () => {
  test('voxmail --help lists the data commands and exit codes 3 and 4', async () => {
    const r = await finishCli(start(['--help']));
    assert.equal(r.code, 0, r.stderr);
    for (const cmd of ['tenant', 'mailbox', 'messages']) assert.match(r.stdout, new RegExp(`^  ${cmd} `, 'm'));
    assert.match(r.stdout, /3 {2}not found/);
    assert.match(r.stdout, /4 {2}conflict/);
  });

  test('mailbox add --help lists every setting and the shared options', async () => {
    const r = await finishCli(start(['mailbox', 'add', '--help']));
    assert.equal(r.code, 0, r.stderr);
    for (const flag of [
      '--name', '--number', '--language', '--time-zone', '--max-length', '--min-length', '--silence-timeout', '--retention-days',
      '--saved-retention-days', '--quota', '--operator', '--pin', '--greeting-mode', '--warning', '--email ', '--email-action',
      '--sms-number', '--mwi <sip-uri>', '--no-mwi', '--config', '--data <dir>', 'VOXMAIL_DATA', '--tenant', '--json',
    ]) {
      assert.ok(r.stdout.includes(flag), `${flag} missing from:\n${r.stdout}`);
    }
  });
});

describe('the demo tenant and mailbox (ensureDemoMailbox)', () => {
  test('tenant demo with mailbox 100 on number 100, English', async () => {
    const tenants = await voxJson<{ id: string; name: string }[]>(['tenant', 'list']);
    assert.deepEqual(tenants.map((t) => [t.id, t.name]), [['demo', 'Demo']]);
    const m = await voxJson<MailboxJson>(['mailbox', 'show', '100']);
    assert.equal(m.tenant, 'demo');
    assert.equal(m.name, 'Demo mailbox');
    assert.deepEqual(m.numbers, ['100']);
    assert.equal(m.language, 'en');
    assert.equal(m.pinSet, false);
  });
});

describe('mailbox add / list / show / update / remove', () => {
  const pin = '8642';

  test('add with every setting, normalised, PIN never printed', async () => {
    const r = await vox([
      'mailbox', 'add', '200',
      '--name', 'Sales',
      '--number', '+7 (495) 123-45-67', '--number', '200, 201',
      '--language', 'ru',
      '--time-zone', 'europe/moscow',
      '--max-length', '120', '--min-length', '0.5', '--silence-timeout', '5',
      '--retention-days', '30', '--saved-retention-days', '365', '--quota', '50',
      '--operator', 'sip:operator@pbx.example.com',
      '--pin', pin,
      '--greeting-mode', 'busy=leave-message', '--greeting-mode', 'all=call-later',
      '--warning', 'none',
      '--email', 'a@example.com,b@example.com', '--email-action', 'attach-keep',
      '--sms-number', '+7 916 000-00-00',
      '--mwi', 'sip:200@192.0.2.10:5060', '--mwi', 'SIPS:200@phone.example;transport=tls',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(pin) && !r.stderr.includes(pin), 'the PIN is not printed');
    assert.ok(!r.stdout.includes('argon2') && !r.stdout.toLowerCase().includes('pinhash'), 'nor its hash');
    const m = JSON.parse(r.stdout) as MailboxJson;
    assert.equal(m.id, '200');
    assert.equal(m.tenant, 'demo');
    assert.equal(m.name, 'Sales');
    assert.deepEqual(m.numbers, ['+74951234567', '200', '201']);
    assert.equal(m.language, 'ru');
    assert.equal(m.timeZone, 'Europe/Moscow');
    assert.equal(m.maxMessageMs, 120_000);
    assert.equal(m.minMessageMs, 500);
    assert.equal(m.silenceTimeoutMs, 5_000);
    assert.equal(m.retentionDays, 30);
    assert.equal(m.savedRetentionDays, 365);
    assert.equal(m.quotaMessages, 50);
    assert.equal(m.operatorUri, 'sip:operator@pbx.example.com');
    assert.equal(m.pinSet, true);
    // `all` first whatever its position, then the specific reason.
    assert.deepEqual(
      Object.fromEntries(Object.entries(m.greetings).map(([k, g]) => [k, g.mode])),
      { busy: 'leave-message', 'no-answer': 'call-later', unavailable: 'call-later', unconditional: 'call-later', default: 'call-later' },
    );
    assert.equal(m.warningMode, 'none');
    assert.deepEqual(m.emails, ['a@example.com', 'b@example.com']);
    assert.equal(m.emailAction, 'attach-keep');
    assert.equal(m.smsNumber, '+79160000000');
    assert.deepEqual(m.mwiUris, ['sip:200@192.0.2.10:5060', 'sips:200@phone.example;transport=tls'], 'the scheme lower-cased');
  });

  test('list (JSON and table) and show (key: value) without the PIN', async () => {
    const all = await voxJson<MailboxJson[]>(['mailbox', 'list']);
    assert.deepEqual(all.map((m) => m.id).sort(), ['100', '200']);
    for (const m of all) assert.ok(!('pinHash' in m));

    const table = await vox(['mailbox', 'list']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^ID +NAME +NUMBERS +LANG +TIME ZONE +PIN/);
    assert.ok(lines.some((l) => /^200 +Sales +\+74951234567, 200, 201 +ru +Europe\/Moscow +yes/.test(l)), table.stdout);

    const show = await vox(['mailbox', 'show', '200']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^pin: +set$/m);
    assert.match(show.stdout, /^numbers: +\+74951234567, 200, 201$/m);
    assert.match(show.stdout, /^max length: +120 s$/m);
    assert.match(show.stdout, /^mwi: +sip:200@192\.0\.2\.10:5060, sips:200@phone\.example;transport=tls$/m);
    assert.match((await vox(['mailbox', 'show', '100'])).stdout, /^mwi: +\(none\)$/m);
    assert.ok(!show.stdout.includes(pin) && !show.stdout.includes('argon2'));
  });

  test('update: add/remove numbers, drop PIN and operator, one greeting mode; the rest is kept', async () => {
    const m = await voxJson<MailboxJson>([
      'mailbox', 'update', '200', '--add-number', '202', '--remove-number', '201', '--no-pin', '--no-operator', '--greeting-mode', 'no-answer=leave-message',
    ]);
    assert.deepEqual(m.numbers, ['+74951234567', '200', '202']);
    assert.equal(m.pinSet, false);
    assert.equal(m.operatorUri, null);
    assert.equal(m.greetings['no-answer']?.mode, 'leave-message');
    assert.equal(m.greetings.unavailable?.mode, 'call-later');
    assert.equal(m.name, 'Sales');
    assert.equal(m.maxMessageMs, 120_000);

    const again = await voxJson<MailboxJson>(['mailbox', 'update', '200', '--pin', '13579', '--number', '200', '--no-email', '--no-sms-number']);
    assert.equal(again.pinSet, true);
    assert.deepEqual(again.numbers, ['200'], '--number replaces the list');
    assert.deepEqual(again.emails, []);
    assert.equal(again.smsNumber, null);
  });

  test('update --mwi replaces the MWI list, --no-mwi empties it; bad URIs are refused', async () => {
    const m = await voxJson<MailboxJson>(['mailbox', 'update', '200', '--mwi', 'sip:200@10.0.0.7', '--mwi', 'sip:200@10.0.0.7']);
    assert.deepEqual(m.mwiUris, ['sip:200@10.0.0.7'], 'replaced; a repeat is dropped');
    assert.equal(m.name, 'Sales', 'the rest is kept');
    assert.deepEqual((await voxJson<MailboxJson>(['mailbox', 'update', '200', '--no-mwi'])).mwiUris, []);
    assert.deepEqual((await voxJson<MailboxJson>(['mailbox', 'show', '200'])).mwiUris, []);

    assert.match(await voxFails(2, ['mailbox', 'update', '200', '--mwi', 'tel:+74951234567']), /--mwi: must be a sip: or sips: URI .*\(got "tel:\+74951234567"\)/);
    assert.match(await voxFails(2, ['mailbox', 'update', '200', '--mwi', '']), /--mwi: must not be empty \(use --no-mwi/);
    const many = Array.from({ length: 17 }, (_, i) => ['--mwi', `sip:${String(i)}@10.0.0.1`]).flat();
    assert.match(await voxFails(2, ['mailbox', 'update', '200', ...many]), /--mwi: must list at most 16 URIs \(got 17\)/);
    assert.match(await voxFails(2, ['mailbox', 'add', '299', '--mwi', 'http://x']), /--mwi: must be a sip: or sips: URI/);
    const added = await voxJson<MailboxJson>(['mailbox', 'add', '299', '--no-mwi']);
    assert.deepEqual(added.mwiUris, []);
    await voxJson(['mailbox', 'remove', '299', '--yes']);
  });

  test('update with nothing to change is a usage error', async () => {
    const err = await voxFails(2, ['mailbox', 'update', '200']);
    assert.match(err, /nothing to change/);
  });

  test('remove needs --yes, then deletes; the mailbox is gone', async () => {
    const refused = await voxFails(2, ['mailbox', 'remove', '200']);
    assert.match(refused, /add --yes/);
    await voxJson(['mailbox', 'show', '200']);
    const removed = await voxJson<{ id: string; removed: boolean }>(['mailbox', 'remove', '200', '--yes']);
    assert.deepEqual([removed.id, removed.removed], ['200', true]);
    await voxFails(3, ['mailbox', 'show', '200']);
  });
});

describe('validation: exit 2, every problem named, nothing stored', () => {
  test('bad values list what is allowed', async () => {
    const err = await voxFails(2, [
      'mailbox', 'add', '300',
      '--max-length', '5', '--min-length', 'abc', '--silence-timeout', '0', '--retention-days', '0', '--quota', '-1',
      '--language', 'de', '--time-zone', 'Mars/Base', '--number', 'abc', '--email', 'nope', '--operator', 'http://example.com',
      '--greeting-mode', 'busy=sing', '--warning', 'loud', '--email-action', 'fax', '--sms-number', '12#',
    ]);
    const expected = [
      '--max-length: must be 10–600 seconds (got 5)',
      '--min-length: must be 0–10 seconds (got "abc")',
      '--silence-timeout: must be 1–60 seconds (got 0)',
      '--retention-days: must be an integer 1–3650 days (got 0)',
      '--quota: must be an integer 1–100000 messages (got "-1")',
      '--language: must be one of ru, en (got "de")',
      '--time-zone: must be an IANA time zone name such as Europe/Moscow or UTC (got "Mars/Base")',
      '--number: must be a phone number',
      '--email: must be an e-mail address such as name@example.com (got "nope")',
      '--operator: must be a sip:, sips: or tel: URI',
      '--greeting-mode: must be REASON=MODE with REASON one of busy, no-answer, unavailable, unconditional, default, all',
      '--warning: must be one of none, standard, custom (got "loud")',
      '--email-action: must be one of notify, attach-delete, attach-keep (got "fax")',
      '--sms-number: must be a mobile number',
    ];
    for (const e of expected) assert.ok(err.includes(e), `${e}\nmissing from:\n${err}`);
    await voxFails(3, ['mailbox', 'show', '300']);
  });

  test('a bad PIN says the rule without echoing it', async () => {
    const err = await voxFails(2, ['mailbox', 'add', '300', '--pin', '12ab']);
    assert.match(err, /--pin: must be 4–12 digits/);
    assert.ok(!err.includes('12ab'), err);
  });

  test('min length must stay below max length, also against stored values', async () => {
    assert.match(await voxFails(2, ['mailbox', 'add', '300', '--min-length', '10', '--max-length', '10']), /--min-length: must be shorter/);
    assert.match(await voxFails(2, ['mailbox', 'update', '100', '--max-length', '10', '--min-length', '10']), /--min-length: must be shorter/);
  });

  test('bad ids, a missing argument, an unknown option', async () => {
    assert.match(await voxFails(2, ['mailbox', 'add', 'a/b']), /<id>: must be 1–64 letters, digits, "-" or "_"/);
    assert.match(await voxFails(2, ['mailbox', 'list', '--tenant', '../x']), /--tenant: must be 1–64/);
    const missing = await vox(['mailbox', 'add']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required argument 'id'/);
    const unknown = await vox(['mailbox', 'list', '--frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--frobnicate'/);
  });
});

describe('not found: exit 3', () => {
  test('mailbox, tenant, number', async () => {
    assert.match(await voxFails(3, ['mailbox', 'show', '999']), /mailbox 999 does not exist in tenant demo/);
    await voxFails(3, ['mailbox', 'update', '999', '--name', 'x']);
    await voxFails(3, ['mailbox', 'remove', '999', '--yes']);
    assert.match(await voxFails(3, ['mailbox', 'list', '--tenant', 'nope']), /tenant "nope" does not exist/);
    assert.match(await voxFails(3, ['tenant', 'show', 'nope']), /tenant nope does not exist/);
    assert.match(await voxFails(3, ['mailbox', 'update', '100', '--remove-number', '555']), /mailbox 100 has no number 555/);
  });
});

describe('conflicts: exit 4, nothing changed', () => {
  test('duplicate mailbox id, a number another mailbox has, duplicate tenant', async () => {
    assert.match(await voxFails(4, ['mailbox', 'add', '100']), /mailbox 100 already exists/);
    const taken = await voxFails(4, ['mailbox', 'add', '300', '--number', '1-0-0']);
    assert.match(taken, /number 100 already belongs to mailbox 100/);
    await voxFails(3, ['mailbox', 'show', '300']);

    await voxJson(['mailbox', 'add', '300', '--number', '300']);
    await voxFails(4, ['mailbox', 'update', '300', '--add-number', '100']);
    assert.deepEqual((await voxJson<MailboxJson>(['mailbox', 'show', '300'])).numbers, ['300']);
    assert.match(await voxFails(4, ['tenant', 'add', 'demo']), /tenant demo already exists/);
  });
});

describe('tenants', () => {
  test('add / show / list; ids and numbers are per tenant', async () => {
    const t = await voxJson<{ id: string; name: string; defaultEmail: string | null; duplicateToDefault: boolean }>([
      'tenant', 'add', 'acme', '--name', 'ACME Ltd', '--default-email', 'voicemail@acme.example', '--duplicate-to-default',
    ]);
    assert.deepEqual([t.id, t.name, t.defaultEmail, t.duplicateToDefault], ['acme', 'ACME Ltd', 'voicemail@acme.example', true]);
    assert.match(await voxFails(2, ['tenant', 'add', 'x', '--default-email', 'bad']), /--default-email: must be an e-mail address/);

    const m = await voxJson<MailboxJson>(['mailbox', 'add', '100', '--tenant', 'acme', '--number', '100']);
    assert.deepEqual([m.tenant, m.id, m.numbers], ['acme', '100', ['100']]);

    const show = await vox(['tenant', 'show', 'acme']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^mailboxes: +1$/m);
    assert.match(show.stdout, /^duplicate to default: +yes$/m);
    const list = await voxJson<{ id: string }[]>(['tenant', 'list']);
    assert.deepEqual(list.map((x) => x.id).sort(), ['acme', 'demo']);
  });
});

describe('the data directory comes from the config chain', () => {
  test('VOXMAIL_DATA, and dataDir in a config file (relative to the file)', async () => {
    const viaEnv = await finishCli(start(['tenant', 'list', '--json'], { VOXMAIL_DATA: data }));
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.ok((JSON.parse(viaEnv.stdout) as { id: string }[]).some((t) => t.id === 'demo'));

    const confDir = join(tmp, 'conf');
    mkdirSync(confDir, { recursive: true });
    writeFileSync(join(confDir, 'voxmail.yaml'), `dataDir: ../data\n`);
    const viaFile = await finishCli(start(['mailbox', 'show', '100', '--json', '--config', join(confDir, 'voxmail.yaml')]));
    assert.equal(viaFile.code, 0, viaFile.stderr);
    assert.equal((JSON.parse(viaFile.stdout) as MailboxJson).name, 'Demo mailbox');

    const bad = await finishCli(start(['mailbox', 'list'], { VOXMAIL_SIP_PROT: '1' }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /VM_CONFIG_INVALID/);
  });
});

/** Reads JSON log lines of a running server until one has `msg`. */
function waitForLog(child: ChildProcessWithoutNullStreams, msg: string, timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => done(new Error(`no "${msg}" log line within ${String(timeoutMs)} ms:\n${out}`)), timeoutMs);
    const onData = (s: Buffer): void => {
      out += s.toString('utf8');
      if (out.split('\n').some((l) => l.startsWith('{') && (JSON.parse(l) as { msg?: string }).msg === msg)) done();
    };
    const onExit = (code: number | null): void => done(new Error(`voxmail serve exited with ${String(code)}:\n${out}`));
    function done(e?: Error): void {
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve();
    }
    child.stdout.on('data', onData);
    child.on('exit', onExit);
  });
}

describe('while voxmail serve runs on the same data directory', () => {
  test('tenant and mailbox commands work, and the server stops cleanly', async () => {
    const live = join(tmp, 'live');
    const server = start(['serve', '--sip-host', '127.0.0.1', '--sip-port', '0', '--http-port', '0', '--data', live]);
    const exited = finishCli(server, 30_000);
    try {
      await waitForLog(server, 'voxmail started');
      await voxJson(['tenant', 'add', 'live'], live);
      await voxJson(['mailbox', 'add', '7', '--tenant', 'live', '--number', '7', '--pin', '2580'], live);
      const list = await voxJson<MailboxJson[]>(['mailbox', 'list', '--tenant', 'live'], live);
      assert.deepEqual(list.map((m) => [m.id, m.pinSet]), [['7', true]]);
      assert.ok(existsSync(join(live, 'voxmail.db')));
    } finally {
      server.kill('SIGTERM');
    }
    const r = await exited;
    assert.equal(r.code, 0, r.stderr);
    for (const f of readdirSync(live).filter((n) => n.startsWith('voxmail.db'))) {
      assert.ok(!readFileSync(join(live, f)).includes('2580'), `the PIN is not stored in clear (${f})`);
    }
  });
});
