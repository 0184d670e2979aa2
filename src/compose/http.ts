/**
 * Builds the HTTP side from the config and the opened stores: the accounts services, the
 * tenant-scoped inbox (whose changes queue their notifications and kick the outbox
 * worker, like the call flow's), and the Fastify app, listening on `http.host:port`.
 *
 * Cookie security (`http.cookieSecure`): "auto" means `Secure` always when
 * `notify.publicUrl` is https (the server is known to be reached over TLS), else per
 * request (when the request itself came over https). `http.trustProxy` says whose
 * X-Forwarded-For/-Proto to believe (default nobody: the client address is the socket's).
 */
import type { Config } from '../config/index.js';
import { buildApp } from '../http/app.js';
import type { BoundAddress } from '../http/routes/health.js';
import { listen, type HttpServer } from '../http/server.js';
import { FfmpegAudioConverter } from '../media/convert/index.js';
import type { Logger } from '../shared/logger.js';
import { VERSION } from '../version.js';
import { createAccounts, createInbox } from '../voicemail/accounts/index.js';
import type { LiveEvents } from '../voicemail/live/live-events.js';
import { MessageActions } from '../voicemail/messages/message-actions.js';
import { loadBuiltinPrompts } from '../voicemail/prompts/builtin-prompts.js';
import { PromptResolver } from '../voicemail/prompts/prompt-resolver.js';
import { createSettings } from '../voicemail/settings/index.js';
import type { NotifyService } from './notify.js';
import type { Stores } from './open-store.js';

export interface HttpDeps {
  readonly config: Config;
  readonly stores: Stores;
  /** The planner and the worker to kick; null in tools that run without notifications. */
  readonly notify: Pick<NotifyService, 'planner' | 'kick'> | null;
  /** Changes published for open inboxes (server-sent events). */
  readonly live: LiveEvents;
  readonly logger: Logger;
  readonly sipAddresses: () => readonly BoundAddress[];
}

export async function startHttp(deps: HttpDeps): Promise<HttpServer> {
  const { config, stores, notify } = deps;
  const log = deps.logger.child({ module: 'http' });
  const accounts = createAccounts({ store: stores.store });
  const actions = new MessageActions(stores.store, stores.audio, notify?.planner ?? null, log, () => notify?.kick(), deps.live);
  // Uploaded audio (forward comments, broadcasts) is decoded by ffmpeg (src/media/convert/).
  const converter = new FfmpegAudioConverter();
  const inbox = createInbox({ store: stores.store, audio: stores.audio, actions, audit: accounts.audit, converter });
  // Previews read what a caller hears; every greeting upload gets a fresh key, so the call flow's own resolver never serves an old one.
  const previews = new PromptResolver({ store: stores.audio, builtins: await loadBuiltinPrompts(), logger: log.child({ module: 'prompts' }) });
  const settings = createSettings({ store: stores.store, audio: stores.audio, audit: accounts.audit, converter, resolver: previews });
  const app = buildApp({
    version: VERSION,
    sipAddresses: deps.sipAddresses,
    logger: log,
    accounts,
    inbox,
    cookieSecure: config.http.cookieSecure === 'auto' && config.notify.publicUrl?.startsWith('https:') === true ? true : config.http.cookieSecure,
    trustProxy: config.http.trustProxy,
    live: deps.live,
    settings,
  });
  return listen(app, { host: config.http.host, port: config.http.port });
}
