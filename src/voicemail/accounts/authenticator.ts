/** Turns what a request presents (a session cookie or a bearer token) into a Principal. */
import type { ApiTokenManager } from './api-tokens.js';
import type { Principal } from './principal.js';
import type { SessionManager } from './sessions.js';

export interface SessionPrincipal {
  readonly principal: Principal;
  /** What the browser must send back in X-CSRF-Token for changes. */
  readonly csrfToken: string;
  /** When the session ends without further requests (idle or absolute limit). */
  readonly endsAt: Date;
}

export class Authenticator {
  constructor(
    private readonly sessions: SessionManager,
    private readonly tokens: ApiTokenManager,
  ) {}

  async bySession(sessionId: string): Promise<SessionPrincipal | null> {
    const s = await this.sessions.resolve(sessionId);
    if (!s) return null;
    return {
      principal: { user: s.user, via: 'session', sessionIdHash: s.session.idHash, tokenId: null },
      csrfToken: s.csrfToken,
      endsAt: this.sessions.endsAt(s.session),
    };
  }

  async byToken(token: string): Promise<Principal | null> {
    const t = await this.tokens.resolve(token);
    return t ? { user: t.user, via: 'token', sessionIdHash: null, tokenId: t.token.id } : null;
  }

  /**
   * Whether what authenticated `p` still holds (not ended, revoked, disabled), without
   * counting as activity: for long-lived requests such as the event stream.
   */
  async stillValid(p: Principal): Promise<boolean> {
    if (p.sessionIdHash !== null) return this.sessions.stillLive(p.sessionIdHash);
    if (p.tokenId !== null) return this.tokens.stillUsable(p.tokenId);
    return false;
  }

  /** Logout: the session stops working at once. Tokens are revoked explicitly, not by logout. */
  async logout(p: Principal): Promise<void> {
    if (p.sessionIdHash !== null) await this.sessions.revoke(p.sessionIdHash);
  }
}
