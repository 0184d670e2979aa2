/**
 * Browser sessions: a random 256-bit id in an HttpOnly cookie, stored as its SHA-256.
 * A session ends 30 minutes after its last request (idle) or 12 hours after login
 * (absolute), whichever comes first, or when revoked (logout, user removed or
 * disabled). `lastSeenAt` is written at most once a minute, so a busy inbox does not
 * turn every read into a database write; the idle timeout is therefore exact to
 * within that minute (a session may end up to a minute early, never late).
 */
import type { LoginSession, User } from '../model.js';
import type { SessionRepository, UserRepository } from '../ports.js';
import { csrfTokenFor, isSessionIdShape, newSessionId, sha256Hex } from './secrets.js';

export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_ABSOLUTE_MS = 12 * 3_600_000;
export const SESSION_TOUCH_EVERY_MS = 60_000;

export interface SessionTimeouts {
  readonly idleMs: number;
  readonly absoluteMs: number;
}

export interface NewSessionResult {
  /** The cookie value: shown to the browser only. */
  readonly sessionId: string;
  readonly csrfToken: string;
  readonly session: LoginSession;
}

export interface ResolvedSession {
  readonly user: User;
  /** As stored after this request (lastSeenAt moved when it was touched). */
  readonly session: LoginSession;
  readonly csrfToken: string;
}

export class SessionManager {
  readonly timeouts: SessionTimeouts;

  constructor(
    private readonly store: { readonly sessions: SessionRepository; readonly users: UserRepository },
    private readonly now: () => Date,
    timeouts: Partial<SessionTimeouts> = {},
  ) {
    this.timeouts = { idleMs: timeouts.idleMs ?? SESSION_IDLE_MS, absoluteMs: timeouts.absoluteMs ?? SESSION_ABSOLUTE_MS };
  }

  async create(user: User, ip: string | null, userAgent: string | null): Promise<NewSessionResult> {
    const sessionId = newSessionId();
    const at = this.now();
    const session = await this.store.sessions.create({
      idHash: sha256Hex(sessionId),
      userId: user.id,
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + this.timeouts.absoluteMs).toISOString(),
      ip,
      userAgent,
    });
    return { sessionId, csrfToken: csrfTokenFor(sessionId), session };
  }

  /** The live session of a cookie value, or null (unknown, ended, revoked, user gone or disabled). */
  async resolve(sessionId: string): Promise<ResolvedSession | null> {
    if (!isSessionIdShape(sessionId)) return null;
    const session = await this.store.sessions.get(sha256Hex(sessionId));
    if (!session || !this.isLive(session)) return null;
    const user = await this.store.users.get(session.userId);
    if (!user || user.disabledAt !== null) return null;
    const now = this.now().getTime();
    if (now - Date.parse(session.lastSeenAt) < SESSION_TOUCH_EVERY_MS) return { user, session, csrfToken: csrfTokenFor(sessionId) };
    const lastSeenAt = new Date(now).toISOString();
    await this.store.sessions.touch(session.idHash, lastSeenAt);
    return { user, session: { ...session, lastSeenAt }, csrfToken: csrfTokenFor(sessionId) };
  }

  /**
   * Whether the session (by its stored hash) may still be used, WITHOUT counting as
   * activity: a long-lived event stream re-checks with this, so an open but untouched
   * tab still reaches its idle timeout.
   */
  async stillLive(idHash: string): Promise<boolean> {
    const session = await this.store.sessions.get(idHash);
    if (!session || !this.isLive(session)) return false;
    const user = await this.store.users.get(session.userId);
    return user !== null && user.disabledAt === null;
  }

  /** When the session ends if no further request comes: the earlier of idle and absolute. */
  endsAt(session: LoginSession): Date {
    return new Date(Math.min(Date.parse(session.lastSeenAt) + this.timeouts.idleMs, Date.parse(session.expiresAt)));
  }

  isLive(session: LoginSession): boolean {
    return session.revokedAt === null && this.now().getTime() < this.endsAt(session).getTime();
  }

  async revoke(idHash: string): Promise<void> {
    await this.store.sessions.revoke(idHash, this.now().toISOString());
  }

  /**
   * Deletes sessions that can no longer be used (past their absolute end, or revoked).
   * Called at each login, so the table stays as small as the sessions of the last 12
   * hours without a timer of its own.
   */
  async purgeEnded(): Promise<number> {
    return this.store.sessions.purge(this.now().toISOString());
  }

  async revokeAllOf(userId: string): Promise<number> {
    return this.store.sessions.revokeAllOf(userId, this.now().toISOString());
  }
}
