/**
 * A small fetch wrapper for the REST API: JSON or FormData bodies, the session's CSRF
 * token on every change (X-CSRF-Token), and every failure turned into an ApiError with
 * the server's `{error: {code, message}}` — or a code of our own when there is no such
 * body (network down, a proxy's HTML page). A 401 calls `onUnauthorized` (back to login).
 */
import type {
  DistributionList,
  Folder,
  GreetingReason,
  LoginReply,
  Mailbox,
  MailboxPatch,
  MeReply,
  Message,
  MessagePage,
  Tenant,
} from './types.js';

export const API = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The route is not there (yet): 404 that is not about a missing record, or 405/501. */
  get notFound(): boolean {
    return this.status === 404;
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  onUnauthorized?: () => void;
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.append(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** Adds query parameters to a URL that may already have some (audioUrl has ?tenant=). */
export function withQuery(url: string, query: Query): string {
  const qs = queryString(query);
  if (!qs) return url;
  return url.includes('?') ? `${url}&${qs.slice(1)}` : `${url}${qs}`;
}

function isErrorBody(v: unknown): v is { error: { code: string; message: string } } {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = v.error;
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' && typeof (e as { message?: unknown }).message === 'string';
}

/** Turns a failed answer into an ApiError, whatever its body. */
export async function errorOf(response: Response): Promise<ApiError> {
  let body: unknown = null;
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      body = await response.json();
    } catch {
      body = null;
    }
  }
  if (isErrorBody(body)) return new ApiError(response.status, body.error.code, body.error.message);
  const text = response.statusText || 'request failed';
  return new ApiError(response.status, `HTTP_${String(response.status)}`, `${String(response.status)} ${text}`);
}

export class ApiClient {
  csrfToken: string | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly onUnauthorized: (() => void) | undefined;

  constructor(options: ApiClientOptions = {}) {
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.onUnauthorized = options.onUnauthorized;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: BodyInit | undefined;
    if (options.form) body = options.form;
    else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetchFn(`${API}${path}${queryString(options.query)}`, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
    }
    if (!response.ok) {
      const error = await errorOf(response);
      if (response.status === 401 && path !== '/auth/login') this.onUnauthorized?.();
      throw error;
    }
    if (response.status === 204) return undefined as T;
    const type = response.headers.get('content-type') ?? '';
    if (!type.includes('json')) throw new ApiError(response.status, 'BAD_RESPONSE', 'the server answered something other than JSON');
    return (await response.json()) as T;
  }

  // --- session
  async login(login: string, password: string): Promise<LoginReply> {
    const reply = await this.request<LoginReply>('POST', '/auth/login', { json: { login, password } });
    this.csrfToken = reply.csrfToken;
    return reply;
  }
  async me(): Promise<MeReply> {
    const reply = await this.request<MeReply>('GET', '/auth/me');
    this.csrfToken = reply.csrfToken;
    return reply;
  }
  async logout(): Promise<void> {
    await this.request<undefined>('POST', '/auth/logout');
    this.csrfToken = null;
  }

  // --- mailboxes and tenants
  mailboxes(tenant?: string): Promise<{ mailboxes: Mailbox[] }> {
    return this.request('GET', '/mailboxes', { query: { tenant } });
  }
  mailbox(id: string, tenant?: string): Promise<Mailbox> {
    return this.request('GET', `/mailboxes/${encodeURIComponent(id)}`, { query: { tenant } });
  }
  patchMailbox(id: string, patch: MailboxPatch, tenant?: string): Promise<Mailbox> {
    return this.request('PATCH', `/mailboxes/${encodeURIComponent(id)}`, { json: patch, query: { tenant } });
  }
  tenant(id: string): Promise<Tenant> {
    return this.request('GET', `/tenants/${encodeURIComponent(id)}`);
  }
  patchTenant(id: string, patch: Partial<Pick<Tenant, 'defaultEmail' | 'duplicateToDefault'>>): Promise<Tenant> {
    return this.request('PATCH', `/tenants/${encodeURIComponent(id)}`, { json: patch });
  }

  /** Greetings (`greetings/{reason}`) and the warning (`warning`) share their routes' shape. */
  uploadPrompt(mailboxId: string, prompt: GreetingReason | 'warning', audio: Blob, tenant?: string): Promise<Mailbox> {
    const form = new FormData();
    form.append('audio', audio, fileNameOf(audio));
    return this.request('PUT', promptPath(mailboxId, prompt), { form, query: { tenant } });
  }
  speakPrompt(mailboxId: string, prompt: GreetingReason | 'warning', text: string, language?: string, tenant?: string): Promise<Mailbox> {
    return this.request('POST', `${promptPath(mailboxId, prompt)}/tts`, { json: { text, ...(language ? { language } : {}) }, query: { tenant } });
  }
  resetPrompt(mailboxId: string, prompt: GreetingReason | 'warning', tenant?: string): Promise<Mailbox> {
    return this.request('DELETE', promptPath(mailboxId, prompt), { query: { tenant } });
  }
  promptAudioUrl(mailboxId: string, prompt: GreetingReason | 'warning', tenant?: string): string {
    return `${API}${promptPath(mailboxId, prompt)}/audio${queryString({ tenant, v: Date.now() })}`;
  }

  // --- messages
  messages(filter: { mailbox?: string; folder?: Folder; q?: string; cursor?: string | null; limit?: number; tenant?: string }, signal?: AbortSignal): Promise<MessagePage> {
    return this.request('GET', '/messages', { query: { ...filter, cursor: filter.cursor ?? undefined }, ...(signal ? { signal } : {}) });
  }
  markHeard(m: Message, tenant?: string): Promise<Message> {
    return this.request('POST', `/messages/${encodeURIComponent(m.id)}/heard`, { query: { tenant } });
  }
  markNew(m: Message, tenant?: string): Promise<Message> {
    return this.request('DELETE', `/messages/${encodeURIComponent(m.id)}/heard`, { query: { tenant } });
  }
  move(m: Message, folder: Folder, tenant?: string): Promise<Message> {
    return this.request('POST', `/messages/${encodeURIComponent(m.id)}/move`, { json: { folder }, query: { tenant } });
  }
  restore(id: string, tenant?: string): Promise<Message> {
    return this.request('POST', `/messages/${encodeURIComponent(id)}/restore`, { query: { tenant } });
  }
  purge(m: Message, tenant?: string): Promise<void> {
    return this.request('DELETE', `/messages/${encodeURIComponent(m.id)}`, { query: { tenant } });
  }
  forward(m: Message, to: string[], lists: string[], comment: Blob | null, tenant?: string): Promise<{ messages: Message[] }> {
    const form = targetsForm(to, lists);
    if (comment) form.append('comment', comment, fileNameOf(comment));
    return this.request('POST', `/messages/${encodeURIComponent(m.id)}/forward`, { form, query: { tenant } });
  }
  broadcast(to: string[], lists: string[], audio: Blob, tenant?: string): Promise<{ messages: Message[] }> {
    const form = targetsForm(to, lists);
    if (tenant) form.append('tenant', tenant);
    form.append('audio', audio, fileNameOf(audio));
    return this.request('POST', '/broadcasts', { form });
  }
  lists(tenant?: string): Promise<{ lists: DistributionList[] }> {
    return this.request('GET', '/lists', { query: { tenant } });
  }
}

function promptPath(mailboxId: string, prompt: GreetingReason | 'warning'): string {
  const box = `/mailboxes/${encodeURIComponent(mailboxId)}`;
  return prompt === 'warning' ? `${box}/warning` : `${box}/greetings/${prompt}`;
}

function targetsForm(to: string[], lists: string[]): FormData {
  const form = new FormData();
  for (const id of to) form.append('to', id);
  for (const id of lists) form.append('list', id);
  return form;
}

/** A file name for a recorded Blob (a File keeps its own). */
export function fileNameOf(blob: Blob): string {
  if (typeof File !== 'undefined' && blob instanceof File && blob.name) return blob.name;
  if (blob.type.includes('webm')) return 'recording.webm';
  if (blob.type.includes('ogg')) return 'recording.ogg';
  if (blob.type.includes('wav')) return 'recording.wav';
  if (blob.type.includes('mpeg')) return 'recording.mp3';
  return 'recording';
}
