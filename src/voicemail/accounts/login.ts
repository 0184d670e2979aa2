/**
 * Password login with lock-out. Counters live in the store (per login as typed and per
 * source address), so neither a restart nor spreading guesses over time within a window
 * gets around them:
 * - 5 failures for one login within 15 minutes lock that login for 15 minutes;
 * - 20 failures from one address within 15 minutes lock that address for 15 minutes
 *   (one guesser trying many logins).
 * While locked, the password is not even checked (no argon2 work for an attacker to
 * cause). Unknown logins count and take as long as wrong passwords, and the answer is
 * the same, so the login form does not reveal which logins exist. A success clears the
 * login's counter but not the address's: otherwise a guesser with one valid account
 * could reset the address counter between guesses.
 */
import type { User } from '../model.js';
import type { LoginThrottleRepository, ThrottlePolicy, UserRepository } from '../ports.js';
import type { AuditTrail } from './audit.js';
import { verifyDummy, verifyPassword } from './passwords.js';
import type { SessionManager } from './sessions.js';

const MINUTES_15 = 15 * 60_000;
export const ACCOUNT_LOCKOUT: ThrottlePolicy = Object.freeze({ maxFailures: 5, windowMs: MINUTES_15, lockMs: MINUTES_15 });
export const ADDRESS_LOCKOUT: ThrottlePolicy = Object.freeze({ maxFailures: 20, windowMs: MINUTES_15, lockMs: MINUTES_15 });

export interface LoginAttempt {
  readonly login: string;
  readonly password: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export type LoginOutcome =
  | { readonly ok: true; readonly user: User; readonly sessionId: string; readonly csrfToken: string; readonly expiresAt: string }
  | { readonly ok: false; readonly reason: 'invalid' }
  | { readonly ok: false; readonly reason: 'locked'; readonly retryAfterSeconds: number };

export interface LoginPolicies {
  readonly account: ThrottlePolicy;
  readonly address: ThrottlePolicy;
}

/** The counter key of a login as typed: trimmed, lower-case, bounded (the store key is ≤ 300). */
export function accountKey(login: string): string {
  return login.trim().toLowerCase().slice(0, 254) || '(empty)';
}

export class LoginService {
  constructor(
    private readonly deps: {
      readonly users: UserRepository;
      readonly throttle: LoginThrottleRepository;
      readonly sessions: SessionManager;
      readonly audit: AuditTrail;
      readonly now: () => Date;
      readonly policies?: LoginPolicies;
    },
  ) {}

  private get policies(): LoginPolicies {
    return this.deps.policies ?? { account: ACCOUNT_LOCKOUT, address: ADDRESS_LOCKOUT };
  }

  async login(attempt: LoginAttempt): Promise<LoginOutcome> {
    const { users, throttle, audit } = this.deps;
    const key = accountKey(attempt.login);
    const now = this.deps.now().getTime();
    const locks = [await throttle.get('account', key), attempt.ip === null ? null : await throttle.get('ip', attempt.ip)];
    const lockedUntil = Math.max(0, ...locks.map((t) => (t?.lockedUntil ? Date.parse(t.lockedUntil) : 0)));
    if (lockedUntil > now) {
      await audit.record({ kind: 'anonymous', login: key }, { action: 'login.locked', tenantId: null, target: key, ip: attempt.ip });
      return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((lockedUntil - now) / 1000) };
    }

    const user = await users.findByLogin(key);
    const passwordOk = user ? await verifyPassword(user.passwordHash, attempt.password) : await verifyDummy(attempt.password);
    if (!user || !passwordOk || user.disabledAt !== null) {
      const reason = !user ? 'unknown login' : !passwordOk ? 'wrong password' : 'user disabled';
      const at = this.deps.now();
      const counted = [await throttle.recordFailure('account', key, at, this.policies.account)];
      if (attempt.ip !== null) counted.push(await throttle.recordFailure('ip', attempt.ip, at, this.policies.address));
      await audit.record(
        user ? { kind: 'principal', principal: { user, via: 'session', sessionIdHash: null, tokenId: null } } : { kind: 'anonymous', login: key },
        { action: 'login.failed', tenantId: user?.tenantId ?? null, target: key, ip: attempt.ip, detail: { reason } },
      );
      const until = Math.max(0, ...counted.map((t) => (t.lockedUntil ? Date.parse(t.lockedUntil) : 0)));
      if (until > at.getTime()) return { ok: false, reason: 'locked', retryAfterSeconds: Math.ceil((until - at.getTime()) / 1000) };
      return { ok: false, reason: 'invalid' };
    }

    await throttle.clear('account', key);
    await this.deps.sessions.purgeEnded();
    const created = await this.deps.sessions.create(user, attempt.ip, attempt.userAgent);
    await audit.record(
      { kind: 'principal', principal: { user, via: 'session', sessionIdHash: created.session.idHash, tokenId: null } },
      { action: 'login', tenantId: user.tenantId, target: user.login, ip: attempt.ip },
    );
    return { ok: true, user, sessionId: created.sessionId, csrfToken: created.csrfToken, expiresAt: created.session.expiresAt };
  }
}
