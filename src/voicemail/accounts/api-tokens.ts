/**
 * API tokens for integrations: `vxm_` + 256 random bits, shown once at creation, stored
 * as SHA-256. A token acts as its user (same role and scope); it stops working when
 * revoked, when it expires, or when its user is disabled or removed. `lastUsedAt` is
 * written at most once a minute.
 */
import type { ApiToken, User } from '../model.js';
import type { ApiTokenRepository, UserRepository } from '../ports.js';
import { isApiTokenShape, newApiToken, sha256Hex } from './secrets.js';

export const TOKEN_TOUCH_EVERY_MS = 60_000;
export const TOKEN_MAX_DAYS = 3650;
const DAY_MS = 86_400_000;

export interface CreatedToken {
  /** The secret: print it once, never store or log it. */
  readonly token: string;
  readonly record: ApiToken;
}

export class ApiTokenManager {
  constructor(
    private readonly store: { readonly apiTokens: ApiTokenRepository; readonly users: UserRepository },
    private readonly now: () => Date,
  ) {}

  /** `expiresInDays` 1–3650, or null for a token that lasts until revoked. */
  async create(user: User, name: string, expiresInDays: number | null): Promise<CreatedToken> {
    if (expiresInDays !== null && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > TOKEN_MAX_DAYS)) {
      throw new RangeError(`expiresInDays must be an integer 1–${String(TOKEN_MAX_DAYS)}`);
    }
    const secret = newApiToken();
    const expiresAt = expiresInDays === null ? null : new Date(this.now().getTime() + expiresInDays * DAY_MS).toISOString();
    const record = await this.store.apiTokens.create({ userId: user.id, name, tokenHash: secret.hash, prefix: secret.prefix, expiresAt });
    return { token: secret.token, record };
  }

  /** The user and token of a presented bearer token, or null (unknown, revoked, expired, user gone or disabled). */
  async resolve(token: string): Promise<{ readonly user: User; readonly token: ApiToken } | null> {
    if (!isApiTokenShape(token)) return null;
    const record = await this.store.apiTokens.findByHash(sha256Hex(token));
    if (!record || !this.isUsable(record)) return null;
    const user = await this.store.users.get(record.userId);
    if (!user || user.disabledAt !== null) return null;
    const now = this.now().getTime();
    if (record.lastUsedAt === null || now - Date.parse(record.lastUsedAt) >= TOKEN_TOUCH_EVERY_MS) {
      await this.store.apiTokens.touch(record.id, new Date(now).toISOString());
    }
    return { user, token: record };
  }

  /** Whether the token (by id) may still be used; not counted as a use. */
  async stillUsable(id: string): Promise<boolean> {
    const record = await this.store.apiTokens.get(id);
    if (!record || !this.isUsable(record)) return false;
    const user = await this.store.users.get(record.userId);
    return user !== null && user.disabledAt === null;
  }

  isUsable(record: ApiToken): boolean {
    return record.revokedAt === null && (record.expiresAt === null || this.now().getTime() < Date.parse(record.expiresAt));
  }

  async revoke(id: string): Promise<ApiToken> {
    return this.store.apiTokens.revoke(id, this.now().toISOString());
  }
}
