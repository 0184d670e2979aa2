/**
 * The two cookies of a browser login:
 * - `vxm_session`: the session id. HttpOnly (scripts never see it), SameSite=Lax (not sent
 *   with cross-site POSTs), Path=/, Secure when the server is reached over https.
 * - `vxm_csrf`: the session's CSRF token, readable by the web app's scripts (not HttpOnly),
 *   so that it can send it back in the `X-CSRF-Token` header (double submit): a page on
 *   another site can make the browser send cookies, never read them or set that header.
 * Both last as long as the session can (12 h); the server checks the real timeouts.
 */
// The plugin's type augmentation (request.cookies, reply.setCookie); app.ts registers it.
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'vxm_session';
export const CSRF_COOKIE = 'vxm_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** true/false, or `auto`: Secure when the request came over https (`trustProxy` makes X-Forwarded-Proto count). */
export type CookieSecurity = boolean | 'auto';

function secureFor(request: FastifyRequest, setting: CookieSecurity): boolean {
  return setting === 'auto' ? request.protocol === 'https' : setting;
}

export function setLoginCookies(
  request: FastifyRequest,
  reply: FastifyReply,
  setting: CookieSecurity,
  values: { readonly sessionId: string; readonly csrfToken: string; readonly maxAgeSeconds: number },
): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: secureFor(request, setting), maxAge: values.maxAgeSeconds };
  reply.setCookie(SESSION_COOKIE, values.sessionId, { ...common, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, values.csrfToken, { ...common, httpOnly: false });
}

export function clearLoginCookies(request: FastifyRequest, reply: FastifyReply, setting: CookieSecurity): void {
  const common = { path: '/', sameSite: 'lax' as const, secure: secureFor(request, setting) };
  reply.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, { ...common, httpOnly: false });
}
