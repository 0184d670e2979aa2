/**
 * Forward, broadcast and zip export over real HTTP, with the server's ffmpeg converter:
 * the copy's audio is compared sample by sample (comment, 4000 zero samples, original),
 * targets outside the tenant read like missing ids, bad uploads say what is wrong.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseWav, toWav } from '../../../src/media/index.js';
import { call, type ErrorJson, type Harness, json, type MessageJson, Sessions, startHarness } from './harness.js';


let h: Harness;
const sessions = new Sessions();
before(async () => {
  h = await startHarness();
  await sessions.logIn(h);
  await h.stores.store.lists.create({ tenantId: 'acme', id: 'all', name: 'Everyone', mailboxIds: ['100', '101'] });
  await h.stores.store.lists.create({ tenantId: 'beta', id: 'beta-all', name: 'Beta', mailboxIds: ['100'] });
});
after(() => h.close());

const as = sessions.as;

/** A multipart POST with the session's cookie and CSRF token. */
async function postForm(path: string, user: string, fields: [string, string][], file?: { field: string; data: Buffer; name: string }): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of fields) form.append(k, v);
  if (file) form.append(file.field, new Blob([file.data]), file.name);
  const session = as(user);
  return fetch(`${h.base}${path}`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.csrf }, body: form });
}

async function samplesOf(user: string, m: MessageJson): Promise<Int16Array> {
  const r = await call(h, m.audioUrl, { session: as(user) });
  assert.equal(r.status, 200);
  const wav = parseWav(Buffer.from(await r.arrayBuffer()));
  assert.ok(wav.ok);
  assert.equal(wav.value.sampleRate, 8000);
  return wav.value.samples;
}

function originalSamples(id: string): Int16Array {
  const wav = h.wavs.get(id);
  assert.ok(wav);
  const parsed = parseWav(wav);
  assert.ok(parsed.ok);
  return parsed.value.samples;
}

/** Normalised cross-correlation at lag 0. */
function correlation(a: Int16Array, b: Int16Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

/** 1 s of a 440 Hz + 1 kHz mix at 8 kHz: what the forwarder says. */
const COMMENT = new Int16Array(8000).map((_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000) + 3000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));

describe('forward', () => {
  test('without a comment (JSON): copies to a mailbox and a list, own box and duplicates dropped; audio identical', async () => {
    const events: string[] = [];
    const off = h.live.subscribe((e) => events.push(`${e.type}:${e.type === 'message.deleted' ? e.mailboxId : e.message.mailboxId}`));
    const r = await call(h, '/api/v1/messages/a100-0/forward', { method: 'POST', session: as('alice@acme.example'), body: { to: ['101', '100'], lists: ['all'] } });
    off();
    assert.equal(r.status, 201, await r.clone().text());
    const { messages } = await json<{ messages: MessageJson[] }>(r);
    assert.equal(messages.length, 1);
    const copy = messages[0]!;
    const source = await h.stores.store.messages.get('acme', 'a100-0');
    assert.ok(source);
    assert.equal(copy.mailboxId, '101');
    assert.notEqual(copy.id, source.id);
    assert.deepEqual(
      [copy.callerNumber, copy.callerName, copy.calledNumber, copy.reason, copy.receivedAt, copy.origin, copy.forwardedBy, copy.commentMs, copy.heard, copy.folder],
      [source.callerNumber, source.callerName, source.calledNumber, source.reason, source.receivedAt, 'forward', 'alice@acme.example', 0, false, 'inbox'],
    );
    assert.deepEqual(await samplesOf('bob', copy), originalSamples('a100-0'));
    assert.deepEqual(events, ['message.created:101']);
    // Bob (owner of 101) sees it; Alice's own box got nothing.
    const bobs = await json<{ messages: MessageJson[] }>(await call(h, '/api/v1/messages', { session: as('bob') }));
    assert.ok(bobs.messages.some((m) => m.id === copy.id));
  });

  test('with a WAV comment: comment + 4000 zero samples + the original, exactly (the comment by correlation: it is loudness-normalised)', async () => {
    const r = await postForm('/api/v1/messages/a100-4/forward', 'alice@acme.example', [['to', '101']], { field: 'comment', data: toWav(COMMENT), name: 'comment.wav' });
    assert.equal(r.status, 201, await r.clone().text());
    const copy = (await json<{ messages: MessageJson[] }>(r)).messages[0]!;
    const got = await samplesOf('bob', copy);
    const original = originalSamples('a100-4');
    assert.equal(copy.commentMs, 1500, 'the original starts after the 1 s comment and the 0.5 s gap');
    const lead = got.length - original.length;
    assert.equal(lead, COMMENT.length + 4000, 'comment length kept');
    assert.deepEqual(got.subarray(lead), original, 'the original, sample for sample');
    assert.ok(got.subarray(COMMENT.length, lead).every((v) => v === 0), '0.5 s of digital silence');
    assert.ok(correlation(got.subarray(0, COMMENT.length), COMMENT) > 0.95, 'the comment is what was sent');
    assert.equal(copy.durationMs, Math.round((got.length * 1000) / 8000));
    assert.equal(copy.origin, 'forward');
  });

  test('targets outside the tenant (mailbox, list) and messages of another tenant answer like missing ids', async () => {
    const missing = async (path: string, body: unknown, other: string, otherBody: unknown, user = 'alice@acme.example'): Promise<void> => {
      const a = await call(h, path, { method: 'POST', session: as(user), body });
      const b = await call(h, other, { method: 'POST', session: as(user), body: otherBody });
      const [ta, tb] = [await a.text(), await b.text()];
      assert.equal(a.status, 404, ta);
      assert.deepEqual([a.status, ta], [b.status, tb]);
    };
    // beta's mailbox 999 does not exist anywhere; beta's list exists only in beta.
    await missing('/api/v1/messages/a100-0/forward', { lists: ['beta-all'] }, '/api/v1/messages/a100-0/forward', { lists: ['nope'] });
    await missing('/api/v1/messages/a100-0/forward?tenant=beta', { to: ['100'] }, '/api/v1/messages/nope/forward', { to: ['100'] });
    await missing('/api/v1/messages/b100-0/forward', { to: ['101'] }, '/api/v1/messages/nope/forward', { to: ['101'] });
    await missing('/api/v1/messages/a100-0/forward', { to: ['999'] }, '/api/v1/messages/a100-0/forward', { to: ['998'] });
    // bob cannot forward Alice's message (owner scope).
    await missing('/api/v1/messages/a100-0/forward', { to: ['101'] }, '/api/v1/messages/nope/forward', { to: ['101'] }, 'bob');
    // Nothing reached beta.
    assert.deepEqual((await h.stores.store.messages.list({ tenantId: 'beta' })).map((m) => m.id), ['b100-0']);
    const none = await call(h, '/api/v1/messages/a100-0/forward', { method: 'POST', session: as('alice@acme.example'), body: { to: ['100'] } });
    assert.equal(none.status, 400, 'only its own mailbox: nobody to send to');
  });

  test('bad uploads: not audio → 415 naming the problem; empty → 422; a second file field → 400', async () => {
    const notAudio = await postForm('/api/v1/messages/a100-0/forward', 'alice@acme.example', [['to', '101']], { field: 'comment', data: Buffer.from('%PDF-1.7 this is a document, not a recording\n'.repeat(20)), name: 'x.pdf' });
    assert.equal(notAudio.status, 415);
    const body = await json<ErrorJson>(notAudio);
    assert.equal(body.error.code, 'VM_API_UNSUPPORTED_AUDIO');
    assert.ok(body.error.message.length > 10, body.error.message);
    const silent = await postForm('/api/v1/messages/a100-0/forward', 'alice@acme.example', [['to', '101']], { field: 'comment', data: toWav(new Int16Array(800)), name: 's.wav' });
    assert.equal(silent.status, 422);
    assert.equal((await json<ErrorJson>(silent)).error.code, 'VM_API_AUDIO_EMPTY');
    const wrong = await postForm('/api/v1/messages/a100-0/forward', 'alice@acme.example', [['to', '101']], { field: 'audio', data: toWav(COMMENT), name: 'c.wav' });
    assert.equal(wrong.status, 400);
  });
});

describe('broadcast', () => {
  test('to a list: one message per mailbox, caller = the sender, received now', async () => {
    h.clock.now = new Date('2026-02-01T08:00:00.000Z');
    const r = await postForm('/api/v1/broadcasts', 'acme-admin', [['list', 'all'], ['to', '100']], { field: 'audio', data: toWav(COMMENT), name: 'news.wav' });
    assert.equal(r.status, 201, await r.clone().text());
    const { messages } = await json<{ messages: MessageJson[] }>(r);
    assert.deepEqual(messages.map((m) => m.mailboxId).sort(), ['100', '101']);
    for (const m of messages) {
      assert.deepEqual([m.origin, m.forwardedBy, m.callerNumber, m.callerName, m.receivedAt, m.commentMs], ['broadcast', 'acme-admin', 'acme-admin', 'acme-admin', '2026-02-01T08:00:00.000Z', 0]);
      assert.ok(correlation(await samplesOf('acme-admin', m), COMMENT) > 0.95);
    }
  });

  test("another tenant's list is not found; a platform admin names the tenant; audio is required", async () => {
    const foreign = await postForm('/api/v1/broadcasts', 'acme-admin', [['list', 'beta-all']], { field: 'audio', data: toWav(COMMENT), name: 'a.wav' });
    const missing = await postForm('/api/v1/broadcasts', 'acme-admin', [['list', 'nope']], { field: 'audio', data: toWav(COMMENT), name: 'a.wav' });
    assert.deepEqual([foreign.status, await foreign.text()], [missing.status, await missing.text()]);
    assert.equal(missing.status, 404);
    const other = await postForm('/api/v1/broadcasts', 'acme-admin', [['to', '100'], ['tenant', 'beta']], { field: 'audio', data: toWav(COMMENT), name: 'a.wav' });
    assert.equal(other.status, 404);
    const root = await postForm('/api/v1/broadcasts', 'root', [['to', '100'], ['tenant', 'beta']], { field: 'audio', data: toWav(COMMENT), name: 'a.wav' });
    assert.equal(root.status, 201, await root.clone().text());
    assert.equal((await json<{ messages: MessageJson[] }>(root)).messages[0]?.tenantId, 'beta');
    const noAudio = await postForm('/api/v1/broadcasts', 'acme-admin', [['to', '100']]);
    assert.equal(noAudio.status, 400);
  });
});

describe('export', () => {
  test('zip of a mailbox: index.csv, index.json and every WAV, byte for byte; audited', async () => {
    const r = await call(h, '/api/v1/mailboxes/101/export.zip', { session: as('bob') });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/zip');
    const dir = mkdtempSync(join(tmpdir(), 'voxmail-zip-'));
    try {
      const zipFile = join(dir, 'box.zip');
      writeFileSync(zipFile, Buffer.from(await r.arrayBuffer()));
      // python3's zipfile as an independent reader: names, and each entry's bytes as hex.
      const listing = execFileSync('python3', ['-c', 'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).hex() for n in z.namelist()}))', zipFile], { maxBuffer: 64 * 1024 * 1024 });
      const entries = JSON.parse(listing.toString()) as Record<string, string>;
      const index = JSON.parse(Buffer.from(entries['index.json']!, 'hex').toString()) as { messages: (MessageJson & { file: string })[] };
      const inBox = await h.stores.store.messages.list({ tenantId: 'acme', mailboxId: '101' });
      assert.deepEqual(index.messages.map((m) => m.id), inBox.map((m) => m.id));
      const a101 = index.messages.find((m) => m.id === 'a101-0');
      assert.equal(a101?.file, 'messages/2026-01-10T10-00-00.000Z_+74951234567_a101-0.wav');
      assert.ok(a101.file in entries);
      assert.deepEqual(Buffer.from(entries[a101.file]!, 'hex'), h.wavs.get('a101-0'));
      for (const m of index.messages) {
        const stored = await h.stores.audio.get(inBox.find((x) => x.id === m.id)!.audioKey);
        assert.deepEqual(Buffer.from(entries[m.file]!, 'hex'), stored, m.file);
      }
      const csv = Buffer.from(entries['index.csv']!, 'hex').toString().trim().split('\r\n');
      assert.equal(csv.length, index.messages.length + 1);
      assert.ok(csv[0]!.startsWith('id,tenantId,mailboxId,callerNumber,callerName'));
      assert.ok(csv[0]!.endsWith(',file'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const audit = await h.stores.store.audit.list({ tenantId: 'acme' });
    const row = audit.find((e) => e.target === 'mailbox:101' && e.action === 'message.download');
    assert.ok(row);
    assert.equal((JSON.parse(row.detail ?? '{}') as { export?: boolean }).export, true);
  });

  test('?folder= limits it; another tenant or owner: like a missing mailbox', async () => {
    const r = await call(h, '/api/v1/mailboxes/100/export.zip?folder=trash', { session: as('alice@acme.example') });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
    for (const [user, path] of [
      ['beta-admin', '/api/v1/mailboxes/101/export.zip'],
      ['bob', '/api/v1/mailboxes/100/export.zip'],
      ['acme-admin', '/api/v1/mailboxes/100/export.zip?tenant=beta'],
    ] as const) {
      const a = await call(h, path, { session: as(user) });
      const b = await call(h, '/api/v1/mailboxes/nope/export.zip', { session: as(user) });
      assert.deepEqual([a.status, await a.text()], [b.status, await b.text()], `${user} ${path}`);
      assert.equal(a.status, 404);
    }
  });
});
