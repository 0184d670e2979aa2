/**
 * Authentication of every `/api/v1` request but the login itself, as an `onRequest`
 * hook (before the body is even read):
 * - `Authorization: Bearer vxm_...` — an API token. No CSRF check: browsers never add
 *   this header by themselves. A bad token is a 401 even if a cookie is also present.
 * - else the `vxm_session` cookie — a browser session. Changes (POST, PUT, PATCH,
 *   DELETE) must carry the session's CSRF token in `X-CSRF-Token`, or get 403.
 */
// The plugin's type augmentation (request.cookies, reply.setCookie); app.ts registers it.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator, Principal } from '../../voicemail/accounts/index.js';
import { safeEqual } from '../../voicemail/accounts/index.js';
import { ApiError } from '../errors.js';
import { CSRF_HEADER, SESSION_COOKIE } from './cookies.js';

export interface RequestAuth {
  readonly principal: Principal;
  /** The session's CSRF token (null for bearer tokens). */
  readonly csrfToken: string | null;
  readonly sessionEndsAt: Date | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticate hook on every authenticated route. */
    auth: RequestAuth | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i;

const unauthenticated = (message: string): ApiError => new ApiError('VM_API_UNAUTHENTICATED', message, { 'www-authenticate': 'Bearer realm="voxmail"' });

export function authenticateHook(authenticator: Authenticator): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const token = BEARER.exec(header)?.[1];
      if (token === undefined) throw unauthenticated('Authorization must be "Bearer vxm_..."');
      const principal = await authenticator.byToken(token);
      if (!principal) throw unauthenticated('the API token is unknown, revoked or expired');
      request.auth = { principal, csrfToken: null, sessionEndsAt: null };
      return;
    }
    const sessionId = request.cookies[SESSION_COOKIE];
    if (sessionId === undefined || sessionId === '') throw unauthenticated('log in first (POST /api/v1/auth/login) or send Authorization: Bearer vxm_...');
    const session = await authenticator.bySession(sessionId);
    if (!session) throw unauthenticated('the session has ended or was revoked: log in again');
    if (!SAFE_METHODS.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
        throw new ApiError('VM_API_CSRF', 'changes need the X-CSRF-Token header (the csrfToken of GET /api/v1/auth/me, also in the vxm_csrf cookie)');
      }
    }
    request.auth = { principal: session.principal, csrfToken: session.csrfToken, sessionEndsAt: session.endsAt };
  };
}

/** The caller of an authenticated route (the hook guarantees it is set). */
export function authOf(request: FastifyRequest): RequestAuth {
  if (!request.auth) throw new ApiError('VM_API_UNAUTHENTICATED', 'not authenticated');
  return request.auth;
}
