/**
 * A real API server for the e2e tests: SQLite + audio files in a temp directory (the
 * server's own `openStores`), two tenants whose mailboxes share ids (`100` in both, so a
 * guessed id can only be refused by the tenant check), users of every role, messages
 * deposited as the call flow does, and the Fastify app listening on 127.0.0.1:0. Requests
 * go over real HTTP with fetch; cookies are carried by hand, as a browser would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stores } from '../../../src/compose/open-store.js';
import { openStores } from '../../../src/compose/open-store.js';
import { buildApp } from '../../../src/http/app.js';
import type { CookieSecurity } from '../../../src/http/auth/cookies.js';
import { listen, type HttpServer } from '../../../src/http/server.js';
import { FfmpegAudioConverter } from '../../../src/media/convert/index.js';
import { toWav } from '../../../src/media/index.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { createAccounts, createInbox, type Accounts, type LoginPolicies } from '../../../src/voicemail/accounts/index.js';
import { LiveEvents } from '../../../src/voicemail/live/live-events.js';
import { MessageActions } from '../../../src/voicemail/messages/message-actions.js';
import type { Message, Role } from '../../../src/voicemail/model.js';
import type { AudioConverter } from '../../../src/voicemail/ports.js';
import { loadBuiltinPrompts } from '../../../src/voicemail/prompts/builtin-prompts.js';
import { PromptResolver } from '../../../src/voicemail/prompts/prompt-resolver.js';
import { createSettings } from '../../../src/voicemail/settings/index.js';

export const PASSWORD = 'correct horse battery';

export interface Harness {
  readonly base: string;
  readonly stores: Stores;
  readonly accounts: Accounts;
  /** WAV bytes of each message, by id. */
  readonly wavs: Map<string, Buffer>;
  /** The clock the accounts module reads; tests move it. */
  readonly clock: { now: Date };
  /** The bus the API publishes changes on (server-sent events). */
  readonly live: LiveEvents;
  /** Every route the app registered (HEAD routes included), as Fastify's onRoute saw them. */
  readonly routes: readonly RouteInfo[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly policies?: LoginPolicies;
  readonly cookieSecure?: CookieSecurity;
  readonly trustProxy?: boolean;
  /** Decodes uploads (forward comments, broadcasts); default the server's ffmpeg converter. */
  readonly audioConverter?: AudioConverter;
  /** How often event streams ping and re-check credentials (default: the server's 25 s). */
  readonly eventsPingMs?: number;
}

export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly hidden: boolean;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'voxmail-api-'));
  const stores = await openStores(join(dir, 'data'));
  const { store, audio } = stores;
  const clock = { now: new Date() };
  const wavs = new Map<string, Buffer>();

  for (const t of ['acme', 'beta']) await store.tenants.create({ id: t, name: t.toUpperCase() });
  await store.mailboxes.create({ tenantId: 'acme', id: '100', name: 'Alice', numbers: ['100'], pinHash: null });
  await store.mailboxes.create({ tenantId: 'acme', id: '101', name: 'Bob', numbers: ['101'] });
  await store.mailboxes.create({ tenantId: 'beta', id: '100', name: 'Beta reception', numbers: ['100'] });

  const accounts = createAccounts({ store, now: () => clock.now, ...(options.policies ? { policies: options.policies } : {}) });
  const users: [string, Role, string | null, string[]][] = [
    ['root', 'platform-admin', null, []],
    ['acme-admin', 'tenant-admin', 'acme', []],
    ['alice@acme.example', 'owner', 'acme', ['100']],
    ['bob', 'owner', 'acme', ['101']],
    ['beta-admin', 'tenant-admin', 'beta', []],
  ];
  for (const [login, role, tenantId, mailboxIds] of users) await accounts.users.add({ login, role, tenantId, mailboxIds, password: PASSWORD }, { kind: 'cli' });

  const deposit = async (tenantId: string, mailboxId: string, id: string, receivedAt: string, samples: number): Promise<Message> => {
    const base = { tenantId, mailboxId, callerNumber: '+74951234567', callerName: 'Ivan', calledNumber: mailboxId, reason: 'no-answer' as const, receivedAt, callId: `call-${id}` };
    await store.deposits.begin({ id, ...base, minMessageMs: 0 });
    const wav = toWav(new Int16Array(samples).map((_, i) => ((i * 37) % 30_000) - 15_000));
    wavs.set(id, wav);
    writeFileSync(audio.partialPath(id), wav);
    const audioKey = `messages/${tenantId}/${mailboxId}/${id}.wav`;
    const { sizeBytes } = await audio.commitPartial(id, audioKey);
    return store.deposits.finish(id, { id, ...base, durationMs: Math.round(samples / 8), recovered: false, audioKey, sizeBytes });
  };
  // acme/100 (Alice): 5 messages a minute apart; acme/101 (Bob): 1; beta/100: 1.
  for (let i = 0; i < 5; i++) await deposit('acme', '100', `a100-${String(i)}`, new Date(Date.UTC(2026, 0, 10, 9, i)).toISOString(), 8_000 + i);
  await deposit('acme', '101', 'a101-0', '2026-01-10T10:00:00.000Z', 4_000);
  await deposit('beta', '100', 'b100-0', '2026-01-10T11:00:00.000Z', 4_000);

  const live = new LiveEvents();
  // Greeting previews, as the server builds them (src/compose/http.ts).
  const previews = new PromptResolver({ store: audio, builtins: await loadBuiltinPrompts(), logger: silentLogger() });
  const actions = new MessageActions(store, audio, null, silentLogger(), () => undefined, live);
  const app = buildApp({
    live,
    version: '9.9.9',
    sipAddresses: () => [{ transport: 'udp', host: '127.0.0.1', port: 5060 }],
    logger: silentLogger(),
    accounts,
    inbox: createInbox({ store, audio, actions, audit: accounts.audit, converter: options.audioConverter ?? new FfmpegAudioConverter(), now: () => clock.now }),
    settings: createSettings({ store, audio, audit: accounts.audit, converter: options.audioConverter ?? new FfmpegAudioConverter(), resolver: previews }),
    ...(options.cookieSecure !== undefined ? { cookieSecure: options.cookieSecure } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.eventsPingMs !== undefined ? { eventsPingMs: options.eventsPingMs } : {}),
  });
  const routes: RouteInfo[] = [];
  app.addHook('onRoute', (r) => {
    const hidden = r.schema?.hide === true;
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, hidden });
  });
  const server: HttpServer = await listen(app, { host: '127.0.0.1', port: 0 });
  return {
    base: `http://127.0.0.1:${String(server.address.port)}`,
    stores,
    accounts,
    wavs,
    clock,
    live,
    routes,
    close: async () => {
      await server.close();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Session {
  /** `Cookie` header value with both cookies. */
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookies: readonly string[];
}

export interface CallOptions {
  readonly method?: string;
  readonly session?: Session;
  /** Send the session's CSRF token (default: yes when a session is given). */
  readonly withCsrf?: boolean;
  readonly token?: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export async function call(h: Harness, path: string, o: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.session) {
    headers.cookie = o.session.cookie;
    if (o.withCsrf !== false) headers['x-csrf-token'] = o.session.csrf;
  }
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${h.base}${path}`, { method: o.method ?? 'GET', headers, ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}) });
}

export async function json<T>(r: Response): Promise<T> {
  return (await r.json()) as T;
}

export interface ErrorJson {
  error: { code: string; message: string };
}

export async function login(h: Harness, loginName: string, password = PASSWORD): Promise<Session> {
  const r = await call(h, '/api/v1/auth/login', { method: 'POST', body: { login: loginName, password } });
  if (r.status !== 200) throw new Error(`login ${loginName}: ${String(r.status)} ${await r.text()}`);
  const body = await json<{ csrfToken: string }>(r);
  const setCookies = r.headers.getSetCookie();
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  return { cookie, csrf: body.csrfToken, setCookies };
}

/** Every user the harness creates, one per role and tenant. */
export const USERS = ['root', 'acme-admin', 'alice@acme.example', 'bob', 'beta-admin'] as const;

/** Logged-in sessions of a test file, by login. */
export class Sessions {
  private readonly byLogin = new Map<string, Session>();

  async logIn(h: Harness, users: readonly string[] = USERS): Promise<void> {
    for (const u of users) this.byLogin.set(u, await login(h, u));
  }

  /** The session of `user` (the test fails if it never logged in). */
  readonly as = (user: string): Session => {
    const session = this.byLogin.get(user);
    if (!session) throw new Error(`${user} has not logged in`);
    return session;
  };
}

/** A message as the API shows it (docs/api.md). */
export interface MessageJson {
  id: string;
  tenantId: string;
  mailboxId: string;
  callerNumber: string | null;
  callerName: string | null;
  calledNumber: string | null;
  reason: string;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  folder: string;
  restoreFolder: string | null;
  origin: string;
  forwardedBy: string | null;
  commentMs: number;
  transcript: string | null;
  audioUrl: string;
}

export interface MessagePageJson {
  messages: MessageJson[];
  nextCursor: string | null;
}
