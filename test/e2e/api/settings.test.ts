/**
 * PATCH /mailboxes/{id}, GET/PATCH /tenants/{id} over real HTTP: who may change what
 * (owners their personal settings, tenant admins everything of their tenant), 404 like
 * a missing id outside the scope, 400 naming the field, and one audit row per change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyPin } from '../../../src/voicemail/pin.js';
import { call, type ErrorJson, type Harness, json, Sessions, startHarness } from './harness.js';

interface MailboxJson {
  id: string;
  name: string;
  timeZone: string;
  maxMessageMs: number;
  pinSet: boolean;
  numbers: string[];
  quotaMessages: number;
  emails: string[];
  greetings: Record<string, { mode: string; custom: boolean }>;
  warningMode: string;
}
interface TenantJson {
  id: string;
  name: string;
  defaultEmail: string | null;
  duplicateToDefault: boolean;
  webhookUrl: string | null;
  webhookSecretSet: boolean;
}

let h: Harness;
const sessions = new Sessions();
before(async () => {
  h = await startHarness();
  await sessions.logIn(h);
});
after(() => h.close());
const as = sessions.as;

const patch = (user: string, path: string, body: unknown): Promise<Response> => call(h, path, { method: 'PATCH', session: as(user), body });

async function errorOf(r: Response, status: number): Promise<ErrorJson['error']> {
  const text = await r.text();
  assert.equal(r.status, status, text);
  return (JSON.parse(text) as ErrorJson).error;
}

async function settingChanges(target: string): Promise<{ setting: string; actor: string | null }[]> {
  const rows = await h.stores.store.audit.list({ action: 'setting.change', target, limit: 500 });
  return rows.map((r) => ({ setting: (JSON.parse(r.detail ?? '{}') as { setting: string }).setting, actor: r.actorLogin, detail: r.detail })).map(({ setting, actor }) => ({ setting, actor }));
}

describe('PATCH /mailboxes/{id}', () => {
  test('an owner changes personal settings; each changed setting is audited once, unchanged ones not', async () => {
    const before = (await settingChanges('mailbox:100')).length;
    const r = await patch('alice@acme.example', '/api/v1/mailboxes/100', {
      name: ' Alice Smith ',
      timeZone: 'europe/moscow',
      maxMessageMs: 120_000,
      emails: ['alice@acme.example'],
      greetings: { busy: { mode: 'call-later' } },
      pin: '2468',
      language: 'en', // unchanged: not audited
    });
    assert.equal(r.status, 200, await r.clone().text());
    const m = await json<MailboxJson>(r);
    assert.equal(m.name, 'Alice Smith');
    assert.equal(m.timeZone, 'Europe/Moscow');
    assert.equal(m.maxMessageMs, 120_000);
    assert.equal(m.pinSet, true);
    assert.equal(m.greetings.busy?.mode, 'call-later');
    assert.equal(m.greetings['no-answer']?.mode, 'leave-message');
    assert.ok(!JSON.stringify(m).includes('2468') && !JSON.stringify(m).includes('argon2'));
    const stored = await h.stores.store.mailboxes.get('acme', '100');
    assert.ok(stored?.pinHash?.startsWith('$argon2id$'));
    assert.ok(await verifyPin(stored!.pinHash!, '2468'));
    const rows = (await settingChanges('mailbox:100')).slice(0, (await settingChanges('mailbox:100')).length - before);
    assert.deepEqual(rows.map((x) => x.setting).sort(), ['emails', 'greetings.busy', 'maxMessageMs', 'name', 'pin', 'timeZone']);
    assert.ok(rows.every((x) => x.actor === 'alice@acme.example'));
    const raw = await h.stores.store.audit.list({ action: 'setting.change', target: 'mailbox:100', limit: 50 });
    assert.ok(raw.every((e) => !(e.detail ?? '').includes('2468')), 'never the PIN');
    assert.deepEqual(JSON.parse(raw.find((e) => e.detail?.includes('"pin"'))?.detail ?? ''), { mailbox: '100', setting: 'pin' });
  });

  test('pin null removes it', async () => {
    const m = await json<MailboxJson>(await patch('alice@acme.example', '/api/v1/mailboxes/100', { pin: null }));
    assert.equal(m.pinSet, false);
  });

  test('admin-only settings: 403 VM_API_FORBIDDEN for an owner, nothing changed', async () => {
    for (const body of [{ numbers: ['555'] }, { quotaMessages: 5 }, { operatorUri: 'sip:op@pbx' }, { mwiUris: ['sip:100@192.0.2.1'] }, { name: 'x', quotaMessages: 5 }]) {
      const e = await errorOf(await patch('alice@acme.example', '/api/v1/mailboxes/100', body), 403);
      assert.equal(e.code, 'VM_API_FORBIDDEN');
      assert.match(e.message, new RegExp(Object.keys(body).filter((k) => k !== 'name')[0]!));
    }
    const m = await h.stores.store.mailboxes.get('acme', '100');
    assert.deepEqual([m?.numbers, m?.quotaMessages, m?.name], [['100'], 100, 'Alice Smith']);
  });

  test('a tenant admin changes admin-only settings; a taken number is 400 naming the owner', async () => {
    const r = await patch('acme-admin', '/api/v1/mailboxes/101', { numbers: ['+7 (495) 111-22-33', '101'], quotaMessages: 50, operatorUri: 'SIP:op@pbx.example', mwiUris: ['sip:101@192.0.2.7'] });
    assert.equal(r.status, 200, await r.clone().text());
    const m = await json<MailboxJson>(r);
    assert.deepEqual(m.numbers, ['+74951112233', '101']);
    assert.equal(m.quotaMessages, 50);
    const e = await errorOf(await patch('acme-admin', '/api/v1/mailboxes/101', { numbers: ['100'] }), 400);
    assert.equal(e.code, 'VM_API_INVALID_REQUEST');
    assert.match(e.message, /numbers: 100 already belongs to mailbox 100/);
    const rows = await settingChanges('mailbox:101');
    assert.deepEqual(rows.map((x) => x.setting).sort(), ['mwiUris', 'numbers', 'operatorUri', 'quotaMessages']);
  });

  test('a platform admin names the tenant', async () => {
    const r = await patch('root', '/api/v1/mailboxes/100?tenant=beta', { name: 'Beta desk' });
    assert.equal((await json<MailboxJson>(r)).name, 'Beta desk');
    assert.equal((await errorOf(await patch('root', '/api/v1/mailboxes/100', { name: 'x' }), 400)).code, 'VM_API_TENANT_REQUIRED');
  });

  test('outside the scope: 404 with the body of a mailbox that does not exist', async () => {
    for (const [user, path] of [
      ['bob', '/api/v1/mailboxes/100'],
      ['beta-admin', '/api/v1/mailboxes/101'],
      ['alice@acme.example', '/api/v1/mailboxes/100?tenant=beta'],
    ] as const) {
      const a = await patch(user, path, { name: 'Mallory' });
      const b = await patch(user, '/api/v1/mailboxes/nope', { name: 'Mallory' });
      assert.deepEqual([a.status, await a.text()], [404, await b.text()], `${user} ${path}`);
    }
    assert.equal((await h.stores.store.mailboxes.get('acme', '100'))?.name, 'Alice Smith');
  });

  test('invalid values: 400 VM_API_INVALID_REQUEST naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ maxMessageMs: 5_000 }, /maxMessageMs/],
      [{ maxMessageMs: 700_000 }, /maxMessageMs/],
      [{ minMessageMs: 9_000, maxMessageMs: 10_000 }, /ok/],
      [{ minMessageMs: 10_000, maxMessageMs: 10_000 }, /minMessageMs/],
      [{ timeZone: 'Mars/Olympus' }, /timeZone/],
      [{ pin: '12a4' }, /pin: must be 4–12 digits/],
      [{ pin: '123' }, /pin/],
      [{ emails: ['not-an-address'] }, /emails/],
      [{ smsNumber: 'call me' }, /smsNumber/],
      [{ language: 'de' }, /language/],
      [{ greetings: { busy: { mode: 'sing' } } }, /greetings/],
      [{ warningMode: 'custom' }, /warningMode: custom needs a custom warning/],
      [{ name: '   ' }, /name/],
    ];
    for (const [body, want] of cases) {
      const r = await patch('alice@acme.example', '/api/v1/mailboxes/100', body);
      if (want.source === 'ok') {
        assert.equal(r.status, 200, await r.text());
        continue;
      }
      const e = await errorOf(r, 400);
      assert.equal(e.code, 'VM_API_INVALID_REQUEST', JSON.stringify(body));
      assert.match(e.message, want, JSON.stringify(body));
      assert.ok(!e.message.includes('12a4'), 'the PIN is not echoed');
    }
  });

  test('the session needs the CSRF header to change settings', async () => {
    const r = await call(h, '/api/v1/mailboxes/100', { method: 'PATCH', session: as('alice@acme.example'), withCsrf: false, body: { name: 'x' } });
    assert.equal((await errorOf(r, 403)).code, 'VM_API_CSRF');
  });
});

describe('GET/PATCH /tenants/{id}', () => {
  test('every user of the tenant reads it; the webhook secret shows only as webhookSecretSet', async () => {
    await h.stores.store.tenants.update('acme', { webhookSecret: 'a-very-secret-key-123' });
    for (const u of ['alice@acme.example', 'acme-admin', 'root']) {
      const r = await call(h, '/api/v1/tenants/acme', { session: as(u) });
      const text = await r.text();
      assert.equal(r.status, 200, text);
      assert.ok(!text.includes('a-very-secret'));
      const t = JSON.parse(text) as TenantJson;
      assert.deepEqual(Object.keys(t).sort(), ['defaultEmail', 'duplicateToDefault', 'id', 'name', 'webhookSecretSet', 'webhookUrl']);
      assert.equal(t.webhookSecretSet, true);
    }
  });

  test('another tenant is 404 like one that does not exist', async () => {
    for (const [u, m] of [
      ['beta-admin', 'GET'],
      ['alice@acme.example', 'GET'],
      ['beta-admin', 'PATCH'],
    ] as const) {
      const path = u === 'beta-admin' ? '/api/v1/tenants/acme' : '/api/v1/tenants/beta';
      const a = await call(h, path, { method: m, session: as(u), ...(m === 'PATCH' ? { body: { name: 'x' } } : {}) });
      const b = await call(h, '/api/v1/tenants/nope', { method: m, session: as(u), ...(m === 'PATCH' ? { body: { name: 'x' } } : {}) });
      assert.deepEqual([a.status, await a.text()], [404, await b.text()]);
    }
  });

  test('tenant admins change it (each setting audited, the secret by name only); owners get 403', async () => {
    const r = await patch('acme-admin', '/api/v1/tenants/acme', {
      name: 'ACME Corp',
      defaultEmail: 'voicemail@acme.example',
      duplicateToDefault: true,
      webhookUrl: 'https://hooks.acme.example/vm',
      webhookSecret: 'another-secret-value-456',
    });
    assert.equal(r.status, 200);
    const t = await json<TenantJson>(r);
    assert.deepEqual(t, { id: 'acme', name: 'ACME Corp', defaultEmail: 'voicemail@acme.example', duplicateToDefault: true, webhookUrl: 'https://hooks.acme.example/vm', webhookSecretSet: true });
    assert.equal((await h.stores.store.tenants.get('acme'))?.webhookSecret, 'another-secret-value-456');
    const rows = await h.stores.store.audit.list({ action: 'setting.change', target: 'tenant:acme', limit: 50 });
    assert.deepEqual(rows.map((e) => (JSON.parse(e.detail ?? '') as { setting: string }).setting).sort(), ['defaultEmail', 'duplicateToDefault', 'name', 'webhookSecret', 'webhookUrl']);
    assert.ok(rows.every((e) => !(e.detail ?? '').includes('secret-value')));
    assert.deepEqual(JSON.parse(rows[0]!.detail!), { tenant: 'acme', setting: (JSON.parse(rows[0]!.detail!) as { setting: string }).setting });

    const e = await errorOf(await patch('alice@acme.example', '/api/v1/tenants/acme', { name: 'Alice Inc' }), 403);
    assert.equal(e.code, 'VM_API_FORBIDDEN');
    const byRoot = await json<TenantJson>(await patch('root', '/api/v1/tenants/beta', { webhookUrl: null, defaultEmail: null }));
    assert.equal(byRoot.webhookUrl, null);
  });

  test('invalid values: 400 naming the field, the secret never echoed', async () => {
    for (const [body, want] of [
      [{ webhookUrl: 'ftp://x' }, /webhookUrl/],
      [{ defaultEmail: 'nobody' }, /defaultEmail/],
      [{ webhookSecret: 'short' }, /webhookSecret/],
      [{ duplicateToDefault: 'yes' }, /duplicateToDefault/],
    ] as const) {
      const e = await errorOf(await patch('acme-admin', '/api/v1/tenants/acme', body), 400);
      assert.equal(e.code, 'VM_API_INVALID_REQUEST');
      assert.match(e.message, want);
      assert.ok(!e.message.includes('short"'), 'no secret in the message');
    }
  });
});
