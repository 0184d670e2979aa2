import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, errorOf, queryString, withQuery } from './client.js';

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

describe('ApiClient', () => {
  it('keeps the CSRF token from login and sends it on changes only', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetchFn = vi.fn((url: RequestInfo | URL, init?: RequestInit) => {
      const href = url as string;
      calls.push({ url: href, init: init ?? {} });
      if (href.endsWith('/auth/login')) return Promise.resolve(json(200, { user: { id: 'u1' }, csrfToken: 'tok', expiresAt: 'x' }));
      return Promise.resolve(json(200, { messages: [], nextCursor: null }));
    });
    const api = new ApiClient({ fetch: fetchFn });
    await api.login('anna', 'secret-password');
    expect(api.csrfToken).toBe('tok');
    await api.messages({ folder: 'inbox', q: 'ivan' });
    await api.request('POST', '/messages/m1/heard');
    const headers = (i: number): Record<string, string> => calls[i]?.init.headers as Record<string, string>;
    expect(calls[0]?.init.body).toBe(JSON.stringify({ login: 'anna', password: 'secret-password' }));
    expect(headers(1)['x-csrf-token']).toBeUndefined();
    expect(calls[1]?.url).toBe('/api/v1/messages?folder=inbox&q=ivan');
    expect(headers(2)['x-csrf-token']).toBe('tok');
  });

  it('turns the API error body into an ApiError with its code and message', async () => {
    const api = new ApiClient({ fetch: () => Promise.resolve(json(409, { error: { code: 'VM_API_NOT_IN_TRASH', message: 'the message is not in the trash' } })) });
    const err = await api.restore('m1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'VM_API_NOT_IN_TRASH', message: 'the message is not in the trash' });
  });

  it('calls onUnauthorized on 401 (not for a failed login)', async () => {
    const onUnauthorized = vi.fn();
    const api = new ApiClient({ fetch: () => Promise.resolve(json(401, { error: { code: 'VM_API_UNAUTHORIZED', message: 'sign in' } })), onUnauthorized });
    await expect(api.mailboxes()).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.login('a', 'b')).rejects.toMatchObject({ status: 401 });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('describes answers without our error body and network failures', async () => {
    const html = new ApiClient({ fetch: () => Promise.resolve(new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway', headers: { 'content-type': 'text/html' } })) });
    await expect(html.mailboxes()).rejects.toMatchObject({ status: 502, code: 'HTTP_502', message: '502 Bad Gateway' });
    const broken = new ApiClient({ fetch: () => Promise.resolve(new Response('{not json', { status: 500, headers: { 'content-type': 'application/json' } })) });
    await expect(broken.mailboxes()).rejects.toMatchObject({ status: 500, code: 'HTTP_500' });
    const down = new ApiClient({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(down.mailboxes()).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
    const notJson = new ApiClient({ fetch: () => Promise.resolve(new Response('ok', { status: 200, headers: { 'content-type': 'text/plain' } })) });
    await expect(notJson.mailboxes()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('answers undefined for 204 and sends forward targets as multipart', async () => {
    let body: unknown;
    const api = new ApiClient({
      fetch: (_url, init) => {
        body = init?.body;
        return Promise.resolve(new Response(null, { status: 204 }));
      },
    });
    await expect(api.purge({ id: 'm1' } as never)).resolves.toBeUndefined();
    await api.forward({ id: 'm1' } as never, ['100', '101'], ['sales'], new Blob(['x'], { type: 'audio/webm' }));
    expect(body).toBeInstanceOf(FormData);
    const form = body as FormData;
    expect(form.getAll('to')).toEqual(['100', '101']);
    expect(form.getAll('list')).toEqual(['sales']);
    expect((form.get('comment') as File).name).toBe('recording.webm');
  });
});

describe('errorOf and query helpers', () => {
  it('reads a 404 of an unknown route', async () => {
    const e = await errorOf(json(404, { error: { code: 'VM_API_NOT_FOUND', message: 'no such resource' } }));
    expect(e.notFound).toBe(true);
  });
  it('builds query strings, skipping empty values', () => {
    expect(queryString({ a: 'x y', b: undefined, c: null, d: '', e: 2, f: true })).toBe('?a=x+y&e=2&f=true');
    expect(queryString({})).toBe('');
    expect(withQuery('/api/v1/messages/1/audio?tenant=demo', { download: true })).toBe('/api/v1/messages/1/audio?tenant=demo&download=true');
    expect(withQuery('/a', { download: true })).toBe('/a?download=true');
  });
});
