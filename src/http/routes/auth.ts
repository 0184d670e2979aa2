/**
 * `POST /auth/login`, `POST /auth/logout`, `GET /auth/me`. Login takes JSON only: an
 * HTML form on another site can post urlencoded or text/plain bodies but not JSON (that
 * needs a CORS preflight, which this server never grants), so nobody can log a visitor
 * into an account of theirs ("login CSRF"); Fastify answers other types with 415.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Accounts } from '../../voicemail/accounts/index.js';
import { authOf } from '../auth/authenticate.js';
import { clearLoginCookies, setLoginCookies, type CookieSecurity } from '../auth/cookies.js';
import { ApiError } from '../errors.js';
import { ERROR_RESPONSES, jsonSchema } from '../schema.js';
import { toUserView, userView } from '../views.js';

export interface AuthRouteDeps {
  readonly accounts: Accounts;
  readonly cookieSecure: CookieSecurity;
}

const loginBody = z.object({
  login: z.string().min(1).max(254),
  // Bounded so one request cannot make argon2 hash megabytes; the real rule is checked on creation.
  password: z.string().min(1).max(1024),
});

const loginReply = z.object({
  user: userView,
  csrfToken: z.string().describe('send it back in X-CSRF-Token with every change (also in the vxm_csrf cookie)'),
  expiresAt: z.string().describe('the absolute end of the session; it ends earlier after 30 minutes without requests'),
});

const meReply = z.object({
  user: userView,
  via: z.enum(['session', 'token']),
  csrfToken: z.string().nullable().describe('for sessions: the X-CSRF-Token value; null for bearer tokens'),
  sessionEndsAt: z.string().nullable().describe('when the session ends without further requests'),
});

const TAGS = ['auth'];

/** Routes anyone may call. */
export function registerLoginRoute(app: FastifyInstance, deps: AuthRouteDeps): void {
  app.post<{ Body: z.output<typeof loginBody> }>(
    '/auth/login',
    {
      schema: {
        tags: TAGS,
        summary: 'Log in with login and password; sets the session cookie',
        description:
          'JSON only. 5 failures for one login (or 20 from one address) within 15 minutes lock it for 15 minutes (429 with Retry-After).',
        body: jsonSchema(loginBody, 'input'),
        response: { 200: jsonSchema(loginReply), ...ERROR_RESPONSES },
      },
    },
    async (request, reply): Promise<z.output<typeof loginReply>> => {
      const outcome = await deps.accounts.login.login({
        login: request.body.login,
        password: request.body.password,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      if (!outcome.ok) {
        if (outcome.reason === 'locked') {
          throw new ApiError('VM_API_LOCKED_OUT', 'too many failed logins: try again later', { 'retry-after': String(outcome.retryAfterSeconds) });
        }
        throw new ApiError('VM_API_LOGIN_FAILED', 'wrong login or password');
      }
      const maxAgeSeconds = Math.floor(deps.accounts.sessions.timeouts.absoluteMs / 1000);
      setLoginCookies(request, reply, deps.cookieSecure, { sessionId: outcome.sessionId, csrfToken: outcome.csrfToken, maxAgeSeconds });
      return { user: toUserView(outcome.user), csrfToken: outcome.csrfToken, expiresAt: outcome.expiresAt };
    },
  );
}

/** Routes of a logged-in caller (the authenticate hook runs first). */
export function registerSessionRoutes(app: FastifyInstance, deps: AuthRouteDeps): void {
  app.post(
    '/auth/logout',
    {
      schema: {
        tags: TAGS,
        summary: 'End the session (its cookie stops working at once); with a bearer token, does nothing',
        response: { 204: { type: 'null', description: 'logged out' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { principal } = authOf(request);
      await deps.accounts.authenticator.logout(principal);
      if (principal.via === 'session') {
        await deps.accounts.audit.record({ kind: 'principal', principal }, { action: 'logout', tenantId: principal.user.tenantId, target: principal.user.login, ip: request.ip });
        clearLoginCookies(request, reply, deps.cookieSecure);
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/me',
    {
      schema: {
        tags: TAGS,
        summary: 'Who is logged in, and the CSRF token of the session',
        response: { 200: jsonSchema(meReply), ...ERROR_RESPONSES },
      },
    },
    (request, reply) => {
      const auth = authOf(request);
      const body: z.output<typeof meReply> = {
        user: toUserView(auth.principal.user),
        via: auth.principal.via,
        csrfToken: auth.csrfToken,
        sessionEndsAt: auth.sessionEndsAt?.toISOString() ?? null,
      };
      return reply.send(body);
    },
  );
}
