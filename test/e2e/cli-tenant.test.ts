/**
 * `voxmail tenant add|update|show|list` with the e-mail defaults and the webhook
 * settings, run as a user would: the built CLI (`npm run build` first) against a real
 * SQLite store in a temporary data directory. The webhook secret is stored as given and
 * never printed, in any output, by any command.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureDemoMailbox, openStores } from '../../src/compose/open-store.js';
import { CLI_BIN, cliRunner } from '../support/cli.js';

const bin = CLI_BIN;
const tmp = mkdtempSync(join(tmpdir(), 'voxmail-cli-tenant-'));
const data = join(tmp, 'data');

const SECRET = 'whsec-0123456789abcdef-XYZ';
const OTHER_SECRET = 'another-secret-of-32-characters!';


interface TenantJson {
  id: string;
  name: string;
  defaultEmail: string | null;
  duplicateToDefault: boolean;
  webhookUrl: string | null;
  webhookSecret: 'set' | null;
  createdAt: string;
}

/** Every output of every command run here, to check that no secret ever leaks. */
const outputs: string[] = [];
const { vox, voxJson, voxFails } = cliRunner({ cwd: tmp, data, onOutput: (out, err) => void outputs.push(out, err) });




/** The tenant as the store has it (the secret included), read in this process. */
async function stored(id: string): Promise<{ webhookUrl: string | null; webhookSecret: string | null; defaultEmail: string | null; duplicateToDefault: boolean; name: string }> {
  const stores = await openStores(data);
  try {
    const t = await stores.store.tenants.get(id);
    assert.ok(t, `tenant ${id} is stored`);
    return t;
  } finally {
    await stores.close();
  }
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run \`npm run build\` first (npm test does)`);
  const stores = await openStores(data);
  try {
    await ensureDemoMailbox(stores.store);
  } finally {
    await stores.close();
  }
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('tenant help', () => {
  test('add and update list the same settings', async () => {
    for (const cmd of ['add', 'update']) {
      const r = await vox(['tenant', cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      for (const flag of [
        '--name', '--default-email <address>', '--no-default-email', '--duplicate-to-default', '--no-duplicate-to-default',
        '--webhook-url <url>', '--no-webhook', '--webhook-secret <secret>', '--json',
      ]) {
        assert.ok(r.stdout.includes(flag), `tenant ${cmd}: ${flag} missing from:\n${r.stdout}`);
      }
    }
  });
});

describe('tenant update', () => {
  test('e-mail defaults: change what is given, keep the rest', async () => {
    const t = await voxJson<TenantJson>(['tenant', 'update', 'demo', '--default-email', 'voicemail@demo.example', '--duplicate-to-default']);
    assert.deepEqual([t.id, t.name, t.defaultEmail, t.duplicateToDefault], ['demo', 'Demo', 'voicemail@demo.example', true]);
    const renamed = await voxJson<TenantJson>(['tenant', 'update', 'demo', '--name', '  Demo Ltd ']);
    assert.deepEqual([renamed.name, renamed.defaultEmail, renamed.duplicateToDefault], ['Demo Ltd', 'voicemail@demo.example', true]);
    const cleared = await voxJson<TenantJson>(['tenant', 'update', 'demo', '--no-default-email', '--no-duplicate-to-default']);
    assert.deepEqual([cleared.defaultEmail, cleared.duplicateToDefault], [null, false]);
    assert.equal(cleared.createdAt, t.createdAt);
  });

  test('webhook URL and secret: stored as given, shown only as "set"', async () => {
    const r = await vox(['tenant', 'update', 'demo', '--webhook-url', 'https://crm.example/hooks/voxmail?src=vm', '--webhook-secret', SECRET]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^updated tenant demo$/m);
    assert.match(r.stdout, /^webhook url: +https:\/\/crm\.example\/hooks\/voxmail\?src=vm$/m);
    assert.match(r.stdout, /^webhook secret: +set$/m);
    assert.equal(r.stderr, '');
    assert.deepEqual(
      [(await stored('demo')).webhookUrl, (await stored('demo')).webhookSecret],
      ['https://crm.example/hooks/voxmail?src=vm', SECRET],
    );

    const json = await voxJson<TenantJson>(['tenant', 'show', 'demo']);
    assert.equal(json.webhookUrl, 'https://crm.example/hooks/voxmail?src=vm');
    assert.equal(json.webhookSecret, 'set');
    const list = await voxJson<TenantJson[]>(['tenant', 'list']);
    assert.equal(list.find((x) => x.id === 'demo')?.webhookSecret, 'set');
    const table = await vox(['tenant', 'list']);
    assert.match(table.stdout, /^ID +NAME +MAILBOXES +DEFAULT E-MAIL +WEBHOOK$/m);
    assert.match(table.stdout, /^demo +Demo Ltd +1 +https:\/\/crm\.example\/hooks\/voxmail\?src=vm$/m);

    // Changing only the URL keeps the secret, and the other way round.
    await voxJson(['tenant', 'update', 'demo', '--webhook-url', 'http://10.0.0.5:8080/hook']);
    assert.equal((await stored('demo')).webhookSecret, SECRET);
    await voxJson(['tenant', 'update', 'demo', '--webhook-secret', OTHER_SECRET]);
    assert.deepEqual([(await stored('demo')).webhookUrl, (await stored('demo')).webhookSecret], ['http://10.0.0.5:8080/hook', OTHER_SECRET]);
  });

  test('--no-webhook removes the URL and the secret', async () => {
    const t = await voxJson<TenantJson>(['tenant', 'update', 'demo', '--no-webhook']);
    assert.deepEqual([t.webhookUrl, t.webhookSecret], [null, null]);
    assert.deepEqual([(await stored('demo')).webhookUrl, (await stored('demo')).webhookSecret], [null, null]);
    assert.match((await vox(['tenant', 'show', 'demo'])).stdout, /^webhook secret: +not set$/m);
  });

  test('bad values exit 2 with every problem, the secret never quoted; nothing changes', async () => {
    const before = await stored('demo');
    assert.match(
      await voxFails(2, ['tenant', 'update', 'demo', '--webhook-url', 'ftp://files.example/x']),
      /--webhook-url: must be an http:\/\/ or https:\/\/ URL of at most 2048 characters.*\(got "ftp:\/\/files\.example\/x"\)/,
    );
    await voxFails(2, ['tenant', 'update', 'demo', '--webhook-url', 'crm.example/hook']);
    await voxFails(2, ['tenant', 'update', 'demo', '--webhook-url', `https://x.example/${'a'.repeat(2048)}`]);
    const short = 'sh0rt-s3cret';
    const err = await voxFails(2, ['tenant', 'update', 'demo', '--webhook-secret', short]);
    assert.match(err, /--webhook-secret: must be 16–256 characters \(got 12 characters; the value is not shown\)/);
    assert.ok(!err.includes(short));
    const both = await voxFails(2, ['tenant', 'update', 'demo', '--no-webhook', '--webhook-url', 'https://x.example', '--webhook-secret', SECRET, '--default-email', 'nope']);
    assert.match(both, /invalid options:/);
    assert.match(both, /--no-webhook: cannot be combined with --webhook-url/);
    assert.match(both, /--no-webhook: cannot be combined with --webhook-secret/);
    assert.match(both, /--default-email: must be an e-mail address/);
    assert.match(await voxFails(2, ['tenant', 'update', 'demo', '--name', '']), /--name: must be 1–100 characters/);
    assert.match(await voxFails(2, ['tenant', 'update', 'demo']), /nothing to change/);
    assert.match(await voxFails(3, ['tenant', 'update', 'ghost', '--name', 'x']), /tenant ghost does not exist/);
    assert.match(await voxFails(2, ['tenant', 'update', '../x', '--name', 'x']), /<id>: must be 1–64/);
    assert.deepEqual(await stored('demo'), before);
  });

  test('a URL without a secret (or the reverse) is allowed, with a note on stderr', async () => {
    const r = await vox(['tenant', 'update', 'demo', '--webhook-url', 'https://crm.example/hook', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /note: tenant demo has a webhook URL but no --webhook-secret/);
    assert.equal((JSON.parse(r.stdout) as TenantJson).webhookSecret, null);
    await voxJson(['tenant', 'update', 'demo', '--no-webhook']);
    const s = await vox(['tenant', 'update', 'demo', '--webhook-secret', SECRET]);
    assert.match(s.stderr, /note: tenant demo has a webhook secret but no --webhook-url/);
  });
});

describe('tenant add', () => {
  test('takes the same settings', async () => {
    const t = await voxJson<TenantJson>([
      'tenant', 'add', 'acme', '--name', 'ACME', '--default-email', 'vm@acme.example', '--no-duplicate-to-default',
      '--webhook-url', 'https://acme.example/hook', '--webhook-secret', SECRET,
    ]);
    assert.deepEqual(
      { ...t, createdAt: '' },
      { id: 'acme', name: 'ACME', defaultEmail: 'vm@acme.example', duplicateToDefault: false, webhookUrl: 'https://acme.example/hook', webhookSecret: 'set', createdAt: '' },
    );
    assert.equal((await stored('acme')).webhookSecret, SECRET);
    const plain = await voxJson<TenantJson>(['tenant', 'add', 'beta', '--no-webhook', '--no-default-email']);
    assert.deepEqual([plain.name, plain.defaultEmail, plain.webhookUrl, plain.webhookSecret], ['beta', null, null, null]);
    assert.match(await voxFails(4, ['tenant', 'add', 'acme']), /tenant acme already exists \(change it with: voxmail tenant update acme\)/);
    assert.match(await voxFails(2, ['tenant', 'add', 'gamma', '--webhook-secret', 'x']), /--webhook-secret: must be 16–256 characters/);
  });
});

describe('the webhook secret', () => {
  test('never appeared in any output above', () => {
    assert.ok(outputs.length > 20, 'the other tests ran first');
    for (const out of outputs) {
      assert.ok(!out.includes(SECRET) && !out.includes(OTHER_SECRET), `a secret leaked into:\n${out}`);
    }
  });
});
