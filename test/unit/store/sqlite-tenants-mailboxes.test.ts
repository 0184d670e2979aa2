import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openTestStore, tempDir, TestTime } from './store-fixture.js';

const dir = await tempDir('store-mailboxes');

describe('SQLite tenants', () => {
  test('create, get, list, update', async () => {
    const { store } = await openTestStore(dir);
    const created = await store.tenants.create({ id: 'acme' });
    assert.deepEqual(created, {
      id: 'acme',
      name: 'acme',
      defaultEmail: null,
      duplicateToDefault: false,
      webhookUrl: null,
      webhookSecret: null,
      createdAt: '2026-03-01T12:00:00.000Z',
    });
    await store.tenants.create({ id: 'beta', name: 'Beta LLC', defaultEmail: 'vm@beta.example', duplicateToDefault: true });
    assert.deepEqual(await store.tenants.get('acme'), created);
    assert.equal(await store.tenants.get('nope'), null);
    assert.deepEqual(
      (await store.tenants.list()).map((t) => [t.id, t.name, t.duplicateToDefault]),
      [
        ['acme', 'acme', false],
        ['beta', 'Beta LLC', true],
      ],
    );
    const updated = await store.tenants.update('acme', { name: 'ACME', defaultEmail: 'ops@acme.example' });
    assert.equal(updated.name, 'ACME');
    assert.equal(updated.defaultEmail, 'ops@acme.example');
    assert.deepEqual(await store.tenants.get('acme'), updated);
    const cleared = await store.tenants.update('acme', { defaultEmail: null, duplicateToDefault: true });
    assert.equal(cleared.defaultEmail, null);
    assert.equal(cleared.name, 'ACME', 'fields not in the patch are kept');
    assert.equal(cleared.duplicateToDefault, true);
  });

  test('webhook URL and secret: stored, updated, cleared; defaults null', async () => {
    const { store } = await openTestStore(dir);
    const secret = 's3cret-s3cret-s3cret';
    const created = await store.tenants.create({ id: 'hooked', webhookUrl: 'https://hooks.example/voxmail?x=1', webhookSecret: secret });
    assert.equal(created.webhookUrl, 'https://hooks.example/voxmail?x=1');
    assert.equal(created.webhookSecret, secret);
    assert.deepEqual(await store.tenants.get('hooked'), created);
    assert.deepEqual((await store.tenants.list()).map((t) => [t.id, t.webhookUrl]), [['hooked', 'https://hooks.example/voxmail?x=1']]);

    const renamed = await store.tenants.update('hooked', { name: 'Hooked' });
    assert.equal(renamed.webhookSecret, secret, 'fields not in the patch are kept');
    const moved = await store.tenants.update('hooked', { webhookUrl: 'http://10.0.0.5:8080/hook' });
    assert.equal(moved.webhookUrl, 'http://10.0.0.5:8080/hook');
    assert.equal(moved.webhookSecret, secret);
    const cleared = await store.tenants.update('hooked', { webhookUrl: null, webhookSecret: null });
    assert.equal(cleared.webhookUrl, null);
    assert.equal(cleared.webhookSecret, null);
    assert.deepEqual(await store.tenants.get('hooked'), cleared);
  });

  test('webhook URL must be http(s) ≤ 2048; the secret 16–256 characters and never echoed', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 'acme' });
    const badUrls = ['ftp://x.example/', 'hooks.example/x', 'javascript:alert(1)', 'https://', 'http://a b.example/', `https://x.example/${'a'.repeat(2048)}`];
    for (const webhookUrl of badUrls) {
      await assert.rejects(store.tenants.update('acme', { webhookUrl }), { code: 'VM_STORE_INVALID', message: /^webhookUrl: must be an http:\/\/ or https:\/\/ URL of at most 2048 characters/ }, webhookUrl);
      await assert.rejects(store.tenants.create({ id: 'x', webhookUrl }), { code: 'VM_STORE_INVALID' }, webhookUrl);
    }
    for (const webhookSecret of ['too-short-secr', 'x'.repeat(257)]) {
      await assert.rejects(store.tenants.update('acme', { webhookSecret }), (error: Error) => {
        assert.equal((error as Error & { code: string }).code, 'VM_STORE_INVALID');
        assert.match(error.message, /^webhookSecret: must be text of 16–256 characters$/);
        assert.ok(!error.message.includes(webhookSecret.slice(0, 10)), 'the secret is not echoed');
        return true;
      });
    }
    assert.deepEqual(await store.tenants.get('acme'), { ...(await store.tenants.get('acme'))!, webhookUrl: null, webhookSecret: null }, 'nothing written');
    assert.equal((await store.tenants.list()).length, 1);
  });

  test('errors: duplicate, missing, invalid', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 'acme' });
    await assert.rejects(store.tenants.create({ id: 'acme' }), { code: 'VM_STORE_DUPLICATE_TENANT', message: /acme/ });
    await assert.rejects(store.tenants.update('ghost', { name: 'x' }), { code: 'VM_STORE_NOT_FOUND', message: /ghost/ });
    await assert.rejects(store.tenants.create({ id: '../etc' }), { code: 'VM_STORE_INVALID', message: /^id: must be 1–64 letters/ });
    await assert.rejects(store.tenants.update('acme', { defaultEmail: 'not-an-address' }), {
      code: 'VM_STORE_INVALID',
      message: /^defaultEmail: must be an e-mail address \(got "not-an-address"\)$/,
    });
  });
});

describe('SQLite mailboxes', () => {
  test('a new mailbox takes the documented defaults', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    const mb = await store.mailboxes.create({ tenantId: 't1', id: '100' });
    const greeting = { mode: 'leave-message', audioKey: null };
    assert.deepEqual(mb, {
      id: '100',
      tenantId: 't1',
      name: '100',
      language: 'en',
      timeZone: 'UTC',
      numbers: [],
      greetings: { busy: greeting, 'no-answer': greeting, unavailable: greeting, unconditional: greeting, default: greeting },
      warningMode: 'standard',
      warningAudioKey: null,
      maxMessageMs: 180_000,
      minMessageMs: 1_000,
      silenceTimeoutMs: 8_000,
      retentionDays: 14,
      savedRetentionDays: 90,
      quotaMessages: 100,
      operatorUri: null,
      pinHash: null,
      emails: [],
      emailAction: 'notify',
      smsNumber: null,
      mwiUris: [],
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-01T12:00:00.000Z',
    });
    assert.deepEqual(await store.mailboxes.get('t1', '100'), mb, 'what create returns is what was stored');
  });

  test('every field round-trips; update merges greetings, replaces lists, bumps updatedAt', async () => {
    const time = new TestTime();
    const { store } = await openTestStore(dir, time);
    await store.tenants.create({ id: 't1' });
    const created = await store.mailboxes.create({
      tenantId: 't1',
      id: '200',
      name: 'Sales',
      language: 'ru',
      timeZone: 'Europe/Moscow',
      numbers: ['+74950000200', '200'],
      greetings: { busy: { mode: 'call-later', audioKey: 'greetings/t1/200/busy.wav' } },
      warningMode: 'custom',
      warningAudioKey: 'greetings/t1/200/warning.wav',
      maxMessageMs: 600_000,
      minMessageMs: 0,
      silenceTimeoutMs: 5_000,
      retentionDays: 3650,
      savedRetentionDays: 1,
      quotaMessages: 5,
      operatorUri: 'tel:+74951234567',
      pinHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g',
      emails: ['a@x.example', 'b@x.example'],
      emailAction: 'attach-keep',
      smsNumber: '+79990001122',
      mwiUris: ['sip:200@phone1.example', 'sips:200@phone2.example:5061;transport=tls'],
    });
    assert.deepEqual(await store.mailboxes.get('t1', '200'), created);
    assert.deepEqual(created.mwiUris, ['sip:200@phone1.example', 'sips:200@phone2.example:5061;transport=tls']);
    assert.deepEqual(created.greetings.busy, { mode: 'call-later', audioKey: 'greetings/t1/200/busy.wav' });
    assert.deepEqual(created.greetings.default, { mode: 'leave-message', audioKey: null });

    time.advanceDays(1);
    const updated = await store.mailboxes.update('t1', '200', {
      greetings: { default: { mode: 'wait-operator', audioKey: null } },
      emails: ['c@x.example'],
      numbers: ['201'],
      operatorUri: null,
      mwiUris: ['sip:201@phone3.example'],
    });
    assert.deepEqual(updated.greetings.busy, created.greetings.busy, 'greetings not in the patch are kept');
    assert.deepEqual(updated.greetings.default, { mode: 'wait-operator', audioKey: null });
    assert.deepEqual(updated.emails, ['c@x.example']);
    assert.deepEqual(updated.numbers, ['201']);
    assert.deepEqual(updated.mwiUris, ['sip:201@phone3.example'], 'mwiUris replaces the list');
    assert.deepEqual((await store.mailboxes.list('t1'))[0]?.mwiUris, ['sip:201@phone3.example']);
    assert.equal(updated.operatorUri, null);
    assert.equal(updated.name, 'Sales');
    assert.equal(updated.createdAt, '2026-03-01T12:00:00.000Z');
    assert.equal(updated.updatedAt, '2026-03-02T12:00:00.000Z');
    assert.deepEqual(await store.mailboxes.get('t1', '200'), updated);
    assert.equal((await store.mailboxes.findByNumber('t1', '201'))?.id, '200');
    assert.equal(await store.mailboxes.findByNumber('t1', '200'), null, 'replaced numbers no longer route');
    assert.deepEqual((await store.mailboxes.update('t1', '200', { mwiUris: [] })).mwiUris, []);
  });

  test('errors: unknown tenant, duplicate id, missing mailbox', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    await assert.rejects(store.mailboxes.create({ tenantId: 'ghost', id: '100' }), { code: 'VM_STORE_UNKNOWN_TENANT', message: /ghost/ });
    await store.mailboxes.create({ tenantId: 't1', id: '100' });
    await assert.rejects(store.mailboxes.create({ tenantId: 't1', id: '100' }), {
      code: 'VM_STORE_DUPLICATE_MAILBOX',
      message: 'mailbox 100 already exists in tenant t1',
    });
    await assert.rejects(store.mailboxes.update('t1', '999', { name: 'x' }), { code: 'VM_STORE_NOT_FOUND', message: /999/ });
    await assert.rejects(store.mailboxes.remove('t1', '999'), { code: 'VM_STORE_NOT_FOUND' });
  });

  test('ranges are checked on create and update, with the field and the allowed range in the message', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ maxMessageMs: 9_999 }, /^maxMessageMs: must be an integer 10000–600000 ms \(10 s – 10 min\) \(got 9999\)$/],
      [{ maxMessageMs: 600_001 }, /^maxMessageMs: must be an integer 10000–600000/],
      [{ maxMessageMs: 12_000.5 }, /^maxMessageMs: must be an integer/],
      [{ retentionDays: 0 }, /^retentionDays: must be an integer 1–3650 days \(got 0\)$/],
      [{ savedRetentionDays: 3651 }, /^savedRetentionDays: must be an integer 1–3650 days/],
      [{ minMessageMs: -1 }, /^minMessageMs: must be an integer 0–10000 ms/],
      [{ silenceTimeoutMs: 500 }, /^silenceTimeoutMs: must be an integer 1000–60000 ms/],
      [{ quotaMessages: 0 }, /^quotaMessages: must be an integer 1–100000 messages/],
      [{ language: 'de' }, /^language: must be one of ru, en \(got "de"\)$/],
      [{ timeZone: 'Mars/Olympus' }, /^timeZone: must be an IANA time zone/],
      [{ numbers: ['100', '100'] }, /^numbers: must not list "100" twice$/],
      [{ numbers: ['1 00'] }, /^numbers\.0: must be a number or extension/],
      [{ numbers: ['100\u0000'] }, /^numbers\.0: must be a number or extension/],
      [{ emails: ['nobody'] }, /^emails\.0: must be an e-mail address/],
      [{ greetings: { busy: { mode: 'shout', audioKey: null } } }, /^greetings\.busy\.mode: must be one of leave-message/],
      [{ greetings: { busy: { mode: 'call-later', audioKey: '../x.wav' } } }, /^greetings\.busy\.audioKey: must be an audio key/],
      [{ warningAudioKey: '/etc/passwd' }, /^warningAudioKey: must be an audio key/],
      [{ operatorUri: 'http://x' }, /^operatorUri: must be a sip:, sips: or tel: URI/],
      [{ maxMessageMs: 10_000, minMessageMs: 10_000 }, /^minMessageMs: must be less than maxMessageMs \(10000\) \(got 10000\)$/],
      [{ emailAction: 'print' }, /^emailAction: must be one of notify, attach-delete, attach-keep/],
      [{ name: '' }, /^name: must be text of 1–100 characters/],
      [{ mwiUris: ['tel:+74951234567'] }, /^mwiUris\.0: must be a sip: or sips: URI without spaces/],
      [{ mwiUris: ['sip:a b@x'] }, /^mwiUris\.0: must be a sip: or sips: URI/],
      [{ mwiUris: [`sip:${'x'.repeat(251)}`] }, /^mwiUris\.0: must be a sip: or sips: URI without spaces, at most 256 characters/],
      [{ mwiUris: ['sip:1@x', 'sip:1@x'] }, /^mwiUris: must not list "sip:1@x" twice$/],
      [{ mwiUris: Array.from({ length: 17 }, (_, i) => `sip:${String(i)}@x`) }, /^mwiUris: must list at most 16 URIs/],
      [{ mwiUris: 'sip:1@x' }, /^mwiUris: must be a list of sip: or sips: URIs/],
    ];
    for (const [patch, message] of cases) {
      await assert.rejects(store.mailboxes.create({ tenantId: 't1', id: 'x', ...patch }), { code: 'VM_STORE_INVALID', message }, JSON.stringify(patch));
    }
    await store.mailboxes.create({ tenantId: 't1', id: '100' });
    for (const [patch, message] of cases) {
      await assert.rejects(store.mailboxes.update('t1', '100', patch), { code: 'VM_STORE_INVALID', message }, JSON.stringify(patch));
    }
    assert.equal((await store.mailboxes.list('t1')).length, 1, 'nothing invalid was created');
    await assert.rejects(store.mailboxes.create({ tenantId: 't1', id: 'a/b' }), { code: 'VM_STORE_INVALID', message: /^id: / });
  });

  test('a PIN that is not an argon2id hash is refused without echoing it', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    await assert.rejects(store.mailboxes.create({ tenantId: 't1', id: '100', pinHash: '1234' }), (error: Error) => {
      assert.equal((error as Error & { code: string }).code, 'VM_STORE_INVALID');
      assert.match(error.message, /^pinHash: must be an argon2id hash/);
      assert.doesNotMatch(error.message, /1234/);
      return true;
    });
  });

  test('a number routes to one mailbox per tenant; other tenants may use it', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    await store.tenants.create({ id: 't2' });
    await store.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['+74950000100', '100'] });
    await assert.rejects(store.mailboxes.create({ tenantId: 't1', id: '101', numbers: ['101', '100'] }), {
      code: 'VM_STORE_NUMBER_TAKEN',
      message: 'number 100 is already routed to mailbox 100 of tenant t1',
    });
    assert.equal(await store.mailboxes.get('t1', '101'), null, 'the refused create left nothing behind');
    await store.mailboxes.create({ tenantId: 't1', id: '101', numbers: ['101'] });
    await assert.rejects(store.mailboxes.update('t1', '101', { numbers: ['+74950000100'] }), {
      code: 'VM_STORE_NUMBER_TAKEN',
      message: /\+74950000100 is already routed to mailbox 100/,
    });
    assert.deepEqual((await store.mailboxes.get('t1', '101'))?.numbers, ['101'], 'the refused update changed nothing');
    // Re-saving a mailbox's own numbers (reordered) is not a conflict with itself.
    const reordered = await store.mailboxes.update('t1', '100', { numbers: ['100', '+74950000100'] });
    assert.deepEqual(reordered.numbers, ['100', '+74950000100']);

    await store.mailboxes.create({ tenantId: 't2', id: '100', numbers: ['100'] });
    assert.equal((await store.mailboxes.findByNumber('t1', '100'))?.tenantId, 't1');
    assert.equal((await store.mailboxes.findByNumber('t2', '100'))?.tenantId, 't2');
    assert.equal(await store.mailboxes.findByNumber('t2', '+74950000100'), null);
  });

  test('queries are scoped by tenant', async () => {
    const { store } = await openTestStore(dir);
    await store.tenants.create({ id: 't1' });
    await store.tenants.create({ id: 't2' });
    await store.mailboxes.create({ tenantId: 't1', id: '100', numbers: ['100'] });
    await store.mailboxes.create({ tenantId: 't1', id: '101' });
    await store.mailboxes.create({ tenantId: 't2', id: '200', numbers: ['200'] });
    assert.equal(await store.mailboxes.get('t2', '100'), null);
    await assert.rejects(store.mailboxes.update('t2', '100', { name: 'stolen' }), { code: 'VM_STORE_NOT_FOUND' });
    await assert.rejects(store.mailboxes.remove('t2', '100'), { code: 'VM_STORE_NOT_FOUND' });
    assert.deepEqual(
      (await store.mailboxes.list('t1')).map((m) => [m.id, m.numbers]),
      [
        ['100', ['100']],
        ['101', []],
      ],
    );
    assert.deepEqual(
      (await store.mailboxes.list()).map((m) => `${m.tenantId}/${m.id}`),
      ['t1/100', 't1/101', 't2/200'],
    );
    assert.equal((await store.mailboxes.get('t1', '100'))?.name, '100');
  });
});
