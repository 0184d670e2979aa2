/**
 * The HTTP app: `/healthz`, the REST API under `/api/v1`, its OpenAPI document. Built
 * here without listening (server.ts listens), so tests can `inject` or listen on port 0.
 *
 * Every route has a JSON schema (schema.ts: zod → JSON Schema), every error has the shape
 * `{error: {code, message}}` (errors.ts), and every response carries security headers
 * (helmet) and `Cache-Control: no-store` unless the route says otherwise. Request bodies
 * are JSON of at most 64 KiB by default (uploads, later, raise it per route).
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../shared/logger.js';
import type { Accounts, Inbox } from '../voicemail/accounts/index.js';
import type { LiveEvents } from '../voicemail/live/live-events.js';
import type { Settings } from '../voicemail/settings/index.js';
import { authenticateHook } from './auth/authenticate.js';
import { CSRF_HEADER, SESSION_COOKIE, type CookieSecurity } from './auth/cookies.js';
import { errorBodyOf, handleError, toApiError } from './errors.js';
import { registerAudioRoute } from './routes/audio.js';
import { registerLoginRoute, registerSessionRoutes } from './routes/auth.js';
import { registerDocsRoutes } from './routes/docs.js';
import { registerEventsRoute } from './routes/events.js';
import { registerExportRoute } from './routes/export.js';
import { registerHealthRoutes, type BoundAddress } from './routes/health.js';
import { registerListRoutes } from './routes/lists.js';
import { registerMailboxRoutes } from './routes/mailboxes.js';
import { registerGreetingRoutes } from './routes/greetings.js';
import { registerForwardRoutes } from './routes/message-forward.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerSettingsRoutes } from './routes/settings.js';
import { registerWebApp } from './routes/web.js';

export const API_PREFIX = '/api/v1';
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface AppDeps {
  readonly version: string;
  /** Read on every /healthz request. */
  readonly sipAddresses: () => readonly BoundAddress[];
  readonly logger: Logger;
  readonly accounts: Accounts;
  readonly inbox: Inbox;
  /** Secure flag of the login cookies; `auto` (default): when the request came over https. */
  readonly cookieSecure?: CookieSecurity;
  /** Fastify's trustProxy: whose X-Forwarded-For/-Proto to believe (the client IP counts for lock-out and audit). Default: nobody. */
  readonly trustProxy?: boolean | string | readonly string[];
  /** Largest request body, bytes; default 64 KiB. */
  readonly bodyLimit?: number;
  /** Changes published for open inboxes (server-sent events). */
  readonly live: LiveEvents;
  /** Mailbox and tenant settings, greetings and warnings; their routes are served only when given. */
  readonly settings?: Settings;
  /** How often an event stream pings and re-checks its credentials; default 25 s (tests shorten it). */
  readonly eventsPingMs?: number;
}

/** Audio uploads (greetings, warnings, forward comments, broadcasts): one file, bounded. */
export const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;

/**
 * One debug line per request (route pattern, status, time), nothing at info: request
 * logs at info would drown the call logs, and URLs carry ids only, never secrets.
 */
class QuietRequestLog extends LogController {
  constructor() {
    super({ disableRequestLogging: false });
  }

  override incomingRequest(): void {
    // The completion line says everything worth keeping.
  }

  override requestCompleted(error: Error | null, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, route: request.routeOptions.url ?? null, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (error) request.log.warn({ ...line, err: error }, 'http request failed');
    else request.log.debug(line, 'http request');
  }
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const cookieSecure = deps.cookieSecure ?? 'auto';
  const trustProxy = deps.trustProxy;
  // Typed as Fastify's logger interface (pino's Logger has more), so the instance is a plain FastifyInstance.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    logController: new QuietRequestLog(),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    ...(trustProxy === undefined ? {} : { trustProxy: typeof trustProxy === 'object' ? [...trustProxy] : trustProxy }),
    // close() drops idle keep-alive connections instead of waiting for them.
    forceCloseConnections: true,
    requestTimeout: 30_000,
    // A malformed URL (bad percent-encoding) gets our error shape too.
    frameworkErrors: (error, _request, reply) => {
      const api = toApiError(error);
      void (reply as FastifyReply).code(api?.statusCode ?? 400).send(errorBodyOf(api?.code ?? 'VM_API_INVALID_REQUEST', error.message));
    },
  });

  // JSON bodies only: Fastify's built-in text/plain parser would let a cross-site form post reach a route.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(errorBodyOf('VM_API_NOT_FOUND', 'no such resource')));
  app.decorateRequest('auth', null);
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    return payload;
  });

  void app.register(helmet, {
    // A JSON API and, later, a same-origin web app: nothing is loaded from elsewhere.
    contentSecurityPolicy: { useDefaults: true, directives: { 'default-src': ["'self'"], 'media-src': ["'self'", 'blob:'], 'frame-ancestors': ["'none'"], 'upgrade-insecure-requests': null } },
    // HSTS only where the server is known to be reached over https.
    hsts: cookieSecure === true,
    frameguard: { action: 'deny' },
  });
  void app.register(cookie);
  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Voxmail REST API',
        version: deps.version,
        description: 'Errors: {"error": {"code": "VM_API_...", "message": "..."}} (codes in docs/errors.md). Authentication: the session cookie from POST /api/v1/auth/login (changes also need the X-CSRF-Token header), or Authorization: Bearer vxm_... (an API token from `voxmail token create`).',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `changes also need the ${CSRF_HEADER} header` },
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token vxm_...' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
  });

  // Plugins (not plain calls), so that swagger, registered above, sees every route.
  void app.register((root, _opts, done) => {
    registerHealthRoutes(root, deps);
    registerDocsRoutes(root);
    void root.register(
      (api, _apiOpts, apiDone) => {
        // multipart/form-data for audio uploads. Cross-site forms can send it, but every
        // change authenticated by the cookie needs the X-CSRF-Token header (authenticate.ts).
        void api.register(multipart, {
          limits: { fileSize: UPLOAD_MAX_BYTES, files: 1, fields: 40, fieldSize: 4096, parts: 41, headerPairs: 100 },
        });
        registerLoginRoute(api, { accounts: deps.accounts, cookieSecure });
        void api.register((authed, _authedOpts, authedDone) => {
          authed.addHook('onRequest', authenticateHook(deps.accounts.authenticator));
          registerSessionRoutes(authed, { accounts: deps.accounts, cookieSecure });
          registerMailboxRoutes(authed, deps.inbox);
          registerMessageRoutes(authed, deps.inbox, API_PREFIX);
          registerAudioRoute(authed, deps.inbox);
          if (deps.settings) registerSettingsRoutes(authed, deps.settings);
          if (deps.settings) registerGreetingRoutes(authed, deps.settings);
          registerForwardRoutes(authed, deps.inbox, API_PREFIX);
          registerListRoutes(authed, deps.inbox);
          registerExportRoute(authed, deps.inbox, API_PREFIX);
          registerEventsRoute(authed, { live: deps.live, authenticator: deps.accounts.authenticator, apiPrefix: API_PREFIX, ...(deps.eventsPingMs !== undefined ? { pingMs: deps.eventsPingMs } : {}) });
          authedDone();
        });
        apiDone();
      },
      { prefix: API_PREFIX },
    );
    registerWebApp(root);
    done();
  });
  return app;
}
