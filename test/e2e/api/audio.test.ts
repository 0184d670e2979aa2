/**
 * The audio route as a browser's <audio> element uses it: Range requests (exact bytes),
 * 416, ETag / If-None-Match / If-Range, HEAD; then heard / delete with their audit rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, json, login, startHarness, type ErrorJson, type Harness, type Session } from './harness.js';

let h: Harness;
let alice: Session;
const URL_A = '/api/v1/messages/a100-0/audio';
before(async () => {
  h = await startHarness();
  alice = await login(h, 'alice@acme.example');
});
after(() => h.close());

const wav = (): Buffer => {
  const b = h.wavs.get('a100-0');
  assert.ok(b);
  return b;
};
const bytes = async (r: Response): Promise<Buffer> => Buffer.from(await r.arrayBuffer());
const get = (range?: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> =>
  call(h, URL_A, { method, session: alice, headers: { ...headers, ...(range === undefined ? {} : { range }) } });

describe('GET /messages/:id/audio', () => {
  test('without Range: the whole WAV, Accept-Ranges, a strong ETag', async () => {
    const r = await get();
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'audio/wav');
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal(r.headers.get('content-length'), String(wav().length));
    assert.match(r.headers.get('etag') ?? '', /^"[^"]+"$/);
    assert.equal(r.headers.get('cache-control'), 'private, no-cache');
    assert.equal(r.headers.get('content-disposition'), 'inline; filename="message-a100-0.wav"');
    assert.ok((await bytes(r)).equals(wav()));
    const download = await call(h, `${URL_A}?download=true`, { session: alice });
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment;/);
    await download.body?.cancel();
  });

  test('bytes=0-99: 206 with exactly those bytes', async () => {
    const r = await get('bytes=0-99');
    assert.equal(r.status, 206);
    assert.equal(r.headers.get('content-range'), `bytes 0-99/${String(wav().length)}`);
    assert.equal(r.headers.get('content-length'), '100');
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.ok((await bytes(r)).equals(wav().subarray(0, 100)));
  });

  test('bytes=-100 (the last 100) and bytes=1000- (to the end); a seek in the middle', async () => {
    const size = wav().length;
    const tail = await get('bytes=-100');
    assert.equal(tail.status, 206);
    assert.equal(tail.headers.get('content-range'), `bytes ${String(size - 100)}-${String(size - 1)}/${String(size)}`);
    assert.ok((await bytes(tail)).equals(wav().subarray(size - 100)));
    const open = await get('bytes=1000-');
    assert.equal(open.status, 206);
    assert.equal(open.headers.get('content-range'), `bytes 1000-${String(size - 1)}/${String(size)}`);
    assert.ok((await bytes(open)).equals(wav().subarray(1000)));
    const mid = await get('bytes=8000-8999');
    assert.ok((await bytes(mid)).equals(wav().subarray(8000, 9000)));
    const past = await get(`bytes=${String(size - 10)}-${String(size + 1000)}`);
    assert.equal(past.headers.get('content-range'), `bytes ${String(size - 10)}-${String(size - 1)}/${String(size)}`, 'the end is cut to the file');
    await past.body?.cancel();
  });

  test('a range past the end: 416 with Content-Range: bytes */size', async () => {
    const size = wav().length;
    for (const range of [`bytes=${String(size)}-`, `bytes=${String(size + 5)}-${String(size + 10)}`, 'bytes=-0']) {
      const r = await get(range);
      assert.equal(r.status, 416, range);
      assert.equal(r.headers.get('content-range'), `bytes */${String(size)}`);
      assert.equal((await json<ErrorJson>(r)).error.code, 'VM_API_RANGE_NOT_SATISFIABLE');
    }
    const ignored = await get('bytes=5-1');
    assert.equal(ignored.status, 200, 'an invalid range is ignored');
    await ignored.body?.cancel();
  });

  test('If-None-Match: 304; If-Range with another tag: the whole file', async () => {
    const etag = (await get('bytes=0-0')).headers.get('etag') ?? '';
    const same = await get(undefined, { 'if-none-match': etag });
    assert.equal(same.status, 304);
    const stale = await get('bytes=0-9', { 'if-range': '"something-else"' });
    assert.equal(stale.status, 200);
    assert.ok((await bytes(stale)).equals(wav()));
    const fresh = await get('bytes=0-9', { 'if-range': etag });
    assert.equal(fresh.status, 206);
    await fresh.body?.cancel();
  });

  test('HEAD: the headers of the GET, no body', async () => {
    const r = await get(undefined, {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-length'), String(wav().length));
    assert.equal(r.headers.get('accept-ranges'), 'bytes');
    assert.equal((await bytes(r)).length, 0);
    const part = await get('bytes=0-99', {}, 'HEAD');
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 0-99/${String(wav().length)}`);
  });

  test('downloads are audited once per playback (requests from byte 0), with who, tenant, address', async () => {
    const rows = await h.stores.store.audit.list({ action: 'message.download', target: 'a100-0' });
    // Above: full, ?download, 0-99, the ignored invalid range (full), If-Range stale (full), 0-9 fresh, 0-0 (for the
    // etag) = 7; the seeks, 416s, 304 and HEADs are not downloads.
    assert.equal(rows.length, 7, rows.map((r) => r.detail).join('\n'));
    for (const r of rows) assert.deepEqual([r.actorLogin, r.tenantId, r.ip], ['alice@acme.example', 'acme', '127.0.0.1']);
    assert.ok(rows.some((r) => r.detail === '{"mailbox":"100","range":"0-99"}'));
  });
});

describe('changes', () => {
  test('heard / unheard through MessageActions', async () => {
    const on = await call(h, '/api/v1/messages/a100-3/heard', { method: 'POST', session: alice });
    assert.equal((await json<{ heard: boolean }>(on)).heard, true);
    assert.equal((await h.stores.store.messages.get('acme', 'a100-3'))?.heard, true);
    const off = await call(h, '/api/v1/messages/a100-3/heard', { method: 'DELETE', session: alice });
    assert.equal((await json<{ heard: boolean }>(off)).heard, false);
  });

  test('delete: 204, row and audio gone, audited; then 404', async () => {
    const m = await h.stores.store.messages.get('acme', 'a100-4');
    assert.ok(m && (await h.stores.audio.stat(m.audioKey)));
    const r = await call(h, '/api/v1/messages/a100-4', { method: 'DELETE', session: alice });
    assert.equal(r.status, 204);
    assert.equal(await h.stores.store.messages.get('acme', 'a100-4'), null);
    assert.equal(await h.stores.audio.stat(m.audioKey), null);
    const [entry] = await h.stores.store.audit.list({ action: 'message.delete' });
    assert.deepEqual([entry?.actorLogin, entry?.tenantId, entry?.target, entry?.ip, entry?.detail], ['alice@acme.example', 'acme', 'a100-4', '127.0.0.1', '{"mailbox":"100","folder":"inbox"}']);
    assert.equal((await call(h, '/api/v1/messages/a100-4', { session: alice })).status, 404);
    assert.equal((await call(h, '/api/v1/messages/a100-4', { method: 'DELETE', session: alice })).status, 404);
    assert.equal((await call(h, '/api/v1/messages/a100-4/audio', { session: alice })).status, 404);
  });
});
