/**
 * What the SQL repositories share. The repositories hold only Kysely queries that
 * SQLite and PostgreSQL both run; everything backend-specific (opening, pragmas, how a
 * write transaction starts, what a constraint error looks like) is supplied here by
 * the backend — `src/store/sqlite/` today.
 */
import type { Kysely } from 'kysely';
import type { Database } from './database.js';

export interface SqlContext {
  readonly db: Kysely<Database>;
  /** Wall-clock time for createdAt / updatedAt / folderChangedAt (injected for tests). */
  readonly now: () => Date;
  /**
   * Whether `error` is the backend's unique or primary-key violation. The repositories
   * check for duplicates inside their transaction first (for a good message); this
   * catches what a backend with weaker isolation lets slip past that check.
   */
  readonly isUniqueViolation: (error: unknown) => boolean;
}

export const DAY_MS = 86_400_000;
