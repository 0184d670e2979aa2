/**
 * `voxmail user add|list|show|remove` and `voxmail token create|list|revoke`, run as an
 * operator would: the built CLI (`npm run build` first) against a real SQLite store in a
 * temporary data directory. Passwords and tokens are checked where they matter (the
 * stored hash verifies; the printed token authenticates) and never appear in any output
 * but the one `token create` that shows the token once.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureDemoMailbox, openStores } from '../../src/compose/open-store.js';
import { createAccounts, verifyPassword } from '../../src/voicemail/accounts/index.js';
import { CLI_BIN, cliRunner } from '../support/cli.js';

const bin = CLI_BIN;
const tmp = mkdtempSync(join(tmpdir(), 'voxmail-cli-user-'));
const data = join(tmp, 'data');

const PASSWORD = 'Tr0ub4dor & 3 horses';
const OTHER_PASSWORD = 'another-long-password';


interface UserJson {
  id: string;
  login: string;
  name: string;
  role: string;
  tenant: string | null;
  mailboxes: string[];
  language: string;
  createdAt: string;
  disabledAt: string | null;
}

interface TokenJson {
  id: string;
  user: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  token?: string;
}

/** Every output, to check that no password ever leaks. */
const outputs: string[] = [];
const { vox, voxJson, voxFails } = cliRunner({ cwd: tmp, data, onOutput: (out, err) => void outputs.push(out, err) });




/** Opens the store in this process for a look at what the CLI wrote. */
async function withStore<T>(fn: (s: Awaited<ReturnType<typeof openStores>>) => Promise<T>): Promise<T> {
  const stores = await openStores(data);
  try {
    return await fn(stores);
  } finally {
    await stores.close();
  }
}

before(async () => {
  assert.ok(existsSync(bin), `${bin} is missing: run \`npm run build\` first (npm test does)`);
  await withStore(async (s) => {
    await ensureDemoMailbox(s.store);
    await s.store.mailboxes.create({ tenantId: 'demo', id: '200' });
    await s.store.tenants.create({ id: 'acme' });
  });
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('user add', () => {
  test('a platform admin, password from stdin; the stored hash verifies', async () => {
    const u = await voxJson<UserJson>(['user', 'add', 'Root@Example.com', '--role', 'platform-admin', '--name', 'Root', '--password-stdin'], `${PASSWORD}\n`);
    assert.deepEqual({ ...u, id: '', createdAt: '' }, { id: '', login: 'root@example.com', name: 'Root', role: 'platform-admin', tenant: null, mailboxes: [], language: 'en', createdAt: '', disabledAt: null });
    const stored = await withStore((s) => s.store.users.findByLogin('root@example.com'));
    assert.ok(stored);
    assert.match(stored.passwordHash, /^\$argon2id\$/);
    assert.equal(await verifyPassword(stored.passwordHash, PASSWORD), true, 'one trailing newline is not part of the password');
  });

  test('an owner of two mailboxes and a tenant admin; human output', async () => {
    const r = await vox(['user', 'add', 'anna', '--role', 'owner', '--tenant', 'demo', '--mailbox', '100,200', '--language', 'ru', '--password-stdin'], PASSWORD);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^added user anna$/m);
    assert.match(r.stdout, /^mailboxes: +100, 200$/m);
    assert.match(r.stdout, /^language: +ru$/m);
    const boss = await vox(['user', 'add', 'boss', '--role', 'tenant-admin', '--tenant', 'acme', '--password', OTHER_PASSWORD]);
    assert.equal(boss.code, 0, boss.stderr);
    assert.match(boss.stderr, /note: --password is visible to other local users/);
  });

  test('bad input: exit 2 with every problem, 3 for unknown tenant or mailbox, 4 for a taken login; nothing written', async () => {
    const short = await voxFails(2, ['user', 'add', 'x1', '--role', 'tenant-admin', '--tenant', 'demo', '--password-stdin'], 'short-pw');
    assert.match(short, /--password-stdin: must be 10–256 characters \(the value is not shown\)/);
    assert.ok(!short.includes('short-pw'));
    assert.match(await voxFails(2, ['user', 'add', 'x1', '--role', 'tenant-admin', '--tenant', 'demo']), /a password is required/);
    const many = await voxFails(2, ['user', 'add', 'x1', '--role', 'platform-admin', '--tenant', 'demo', '--mailbox', '100', '--password-stdin'], PASSWORD);
    assert.match(many, /invalid options:/);
    assert.match(many, /--tenant: a platform-admin belongs to no tenant/);
    assert.match(many, /--mailbox: only owners have mailboxes/);
    assert.match(await voxFails(2, ['user', 'add', 'x1', '--role', 'owner', '--tenant', 'demo', '--password-stdin'], PASSWORD), /--mailbox: an owner needs at least one mailbox/);
    assert.match(await voxFails(2, ['user', 'add', 'x1', '--role', 'owner', '--password-stdin'], PASSWORD), /--tenant: is required for the owner role/);
    assert.match(await voxFails(2, ['user', 'add', 'x1', '--role', 'king', '--password-stdin'], PASSWORD), /--role: must be one of platform-admin, tenant-admin, owner/);
    assert.match(await voxFails(2, ['user', 'add', 'x1', '--role', 'tenant-admin', '--tenant', 'demo', '--password', PASSWORD, '--password-stdin'], PASSWORD), /either --password or --password-stdin/);
    assert.match(await voxFails(3, ['user', 'add', 'x1', '--role', 'tenant-admin', '--tenant', 'ghost', '--password-stdin'], PASSWORD), /tenant "ghost" does not exist/);
    assert.match(await voxFails(3, ['user', 'add', 'x1', '--role', 'owner', '--tenant', 'demo', '--mailbox', '999', '--password-stdin'], PASSWORD), /no mailbox 999/);
    assert.match(await voxFails(4, ['user', 'add', 'ANNA', '--role', 'owner', '--tenant', 'demo', '--mailbox', '100', '--password-stdin'], PASSWORD), /a user with login anna already exists/);
    assert.match(await voxFails(2, ['user', 'add', 'has space', '--role', 'tenant-admin', '--tenant', 'demo', '--password-stdin'], PASSWORD), /<login>: must be 1–254 characters without spaces/);
    const logins = (await voxJson<UserJson[]>(['user', 'list'])).map((u) => u.login);
    assert.deepEqual(logins, ['anna', 'boss', 'root@example.com']);
  });
});

describe('user list, show, remove', () => {
  test('list (all, by tenant) and show, as JSON and as text', async () => {
    assert.deepEqual((await voxJson<UserJson[]>(['user', 'list', '--tenant', 'demo'])).map((u) => [u.login, u.mailboxes]), [['anna', ['100', '200']]]);
    const table = await vox(['user', 'list']);
    assert.match(table.stdout, /^LOGIN +NAME +ROLE +TENANT +MAILBOXES +STATE$/m);
    assert.match(table.stdout, /^anna +anna +owner +demo +100,200$/m);
    const anna = await voxJson<UserJson>(['user', 'show', 'Anna']);
    assert.equal(anna.role, 'owner');
    assert.match((await vox(['user', 'show', 'boss'])).stdout, /^mailboxes: +all of the tenant$/m);
    assert.match(await voxFails(3, ['user', 'show', 'ghost']), /user ghost does not exist/);
  });
});

describe('token', () => {
  let tokenId = '';
  let token = '';

  test('create prints the token once; it authenticates as its user', async () => {
    const t = await voxJson<TokenJson>(['token', 'create', '--user', 'anna', '--name', 'crm', '--expires-days', '30']);
    assert.match(t.token ?? '', /^vxm_[A-Za-z0-9_-]{43}$/);
    assert.equal(t.prefix, t.token?.slice(0, 12));
    assert.deepEqual([t.user, t.name, t.revokedAt, t.lastUsedAt], ['anna', 'crm', null, null]);
    assert.ok(t.expiresAt && Math.abs(Date.parse(t.expiresAt) - Date.now() - 30 * 86_400_000) < 60_000);
    tokenId = t.id;
    token = t.token ?? '';
    const resolved = await withStore((s) => createAccounts({ store: s.store }).tokens.resolve(token));
    assert.equal(resolved?.user.login, 'anna');

    const human = await vox(['token', 'create', '--user', 'boss']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^token: +vxm_[A-Za-z0-9_-]{43}$/m);
    assert.match(human.stdout, /only time the token is shown/);
    assert.match(human.stdout, /^expires: +\(none\)$/m);
  });

  test('list never shows tokens; revoke stops them at once', async () => {
    const listed = await vox(['token', 'list', '--json']);
    assert.ok(!listed.stdout.includes(token) && !listed.stdout.includes(token.slice(12)), 'no token in the list');
    const mine = (JSON.parse(listed.stdout) as TokenJson[]).filter((t) => t.user === 'anna');
    assert.deepEqual(mine.map((t) => [t.id, t.name]), [[tokenId, 'crm']]);
    assert.deepEqual((await voxJson<TokenJson[]>(['token', 'list', '--user', 'boss'])).map((t) => t.name), ['api']);
    assert.match((await vox(['token', 'list'])).stdout, /^ID +USER +NAME +PREFIX +CREATED +EXPIRES +LAST USED +STATE$/m);

    const revoked = await voxJson<TokenJson>(['token', 'revoke', tokenId]);
    assert.ok(revoked.revokedAt);
    assert.equal(await withStore((s) => createAccounts({ store: s.store }).tokens.resolve(token)), null);
    assert.match(await voxFails(3, ['token', 'revoke', 'no-such-token']), /API token no-such-token does not exist/);
    assert.match(await voxFails(2, ['token', 'create', '--user', 'anna', '--expires-days', '0']), /--expires-days: must be an integer 1–3650/);
    assert.match(await voxFails(3, ['token', 'create', '--user', 'ghost']), /user ghost does not exist/);
  });

  test('user remove needs --yes; it ends the tokens too; everything was audited', async () => {
    assert.match(await voxFails(2, ['user', 'remove', 'boss']), /add --yes to confirm/);
    const bossToken = (await voxJson<TokenJson[]>(['token', 'list', '--user', 'boss']))[0];
    assert.ok(bossToken);
    const boss = await voxJson<UserJson>(['user', 'show', 'boss']);
    assert.deepEqual(await voxJson(['user', 'remove', 'boss', '--yes']), { login: 'boss', id: boss.id, removed: true });
    assert.equal(await withStore((s) => s.store.apiTokens.get(bossToken.id)), null);
    assert.match(await voxFails(3, ['user', 'remove', 'boss', '--yes']), /user boss does not exist/);
    const actions = await withStore(async (s) => (await s.store.audit.list({})).map((e) => `${e.action} ${String(e.actorLogin)}`));
    for (const a of ['user.create cli', 'token.create cli', 'token.revoke cli', 'user.remove cli']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
  });

  test('no password ever appeared in any output', () => {
    assert.ok(outputs.length > 30);
    for (const out of outputs) assert.ok(!out.includes(PASSWORD) && !out.includes(OTHER_PASSWORD) && !out.includes('$argon2'), `leaked into:\n${out}`);
  });
});
