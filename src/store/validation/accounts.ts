/**
 * Checks of what the accounts tables store: users (role, tenant and mailboxes must fit
 * together), sessions, API tokens, audit rows. Values mostly come from the accounts
 * module, which validates people's input first; the store refuses the same things
 * again because a wrong role/tenant pair here would be a hole in every tenant check.
 * Secrets never appear in messages: only hashes are stored, and they are not echoed.
 */
import { z } from 'zod';
import { AUDIT_ACTIONS, LANGUAGES, ROLES } from '../../voicemail/model.js';
import type { NewApiToken, NewAuditEntry, NewLoginSession, NewUser, UserPatch } from '../../voicemail/ports.js';
import { id, invalid, isoTime, parseOrThrow, text } from './fields.js';

export const LOGIN_RULE = 'must be 1–254 characters: letters, digits and . _ @ + - (not starting with a symbol)';
/** Logins are compared case-insensitively: stored lower-case. Often an e-mail address. */
export const login = z
  .string({ error: LOGIN_RULE })
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(/^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}._@+-]{0,253}$/u, { error: LOGIN_RULE }));

const HASH_RULE = 'must be an argon2id PHC string';
/** Refuses anything that is not an argon2 hash, so a password can never be stored as such by mistake. */
const passwordHash = z.string({ error: HASH_RULE }).regex(/^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, { error: HASH_RULE });
const SHA256_RULE = 'must be a SHA-256 hash (64 lower-case hex digits)';
const sha256 = z.string({ error: SHA256_RULE }).regex(/^[0-9a-f]{64}$/, { error: SHA256_RULE });
const language = z.enum(LANGUAGES, { error: `must be one of ${LANGUAGES.join(', ')}` });
const MAILBOXES_RULE = 'must be a list of 1–100 different mailbox ids';
const mailboxIds = z
  .array(id, { error: MAILBOXES_RULE })
  .max(100, { error: MAILBOXES_RULE })
  .refine((list) => new Set(list).size === list.length, { error: MAILBOXES_RULE });

const userPatch = z.object({
  name: text(1, 100).optional(),
  language: language.optional(),
  passwordHash: passwordHash.optional(),
  mailboxIds: mailboxIds.optional(),
  disabledAt: isoTime.nullable().optional(),
});

const newUser = z.object({
  login,
  name: text(1, 100).optional(),
  role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
  tenantId: id.nullable(),
  mailboxIds: mailboxIds.optional(),
  language: language.optional(),
  passwordHash,
});
export type CheckedUser = z.output<typeof newUser>;

/** A user whose role, tenant and mailboxes fit together (see `Role` in model.ts). */
export function checkNewUser(input: NewUser): CheckedUser {
  const u = parseOrThrow(newUser, input);
  const boxes = u.mailboxIds ?? [];
  if (u.role === 'platform-admin' && u.tenantId !== null) throw invalid('tenantId', 'must be null for a platform-admin', u.tenantId);
  if (u.role !== 'platform-admin' && u.tenantId === null) throw invalid('tenantId', `is required for the ${u.role} role`);
  if (u.role === 'owner' && boxes.length === 0) throw invalid('mailboxIds', 'an owner needs at least one mailbox');
  if (u.role !== 'owner' && boxes.length > 0) throw invalid('mailboxIds', `must be empty for the ${u.role} role (it sees ${u.role === 'tenant-admin' ? 'every mailbox of its tenant' : 'everything'})`);
  return u;
}

export function checkUserPatch(input: UserPatch): z.output<typeof userPatch> {
  return parseOrThrow(userPatch, input);
}

const newSession = z.object({
  idHash: sha256,
  userId: id,
  createdAt: isoTime,
  expiresAt: isoTime,
  // From the request: cut, not refused (a long User-Agent is not an error of ours).
  ip: z.string().nullable().transform((s) => (s === null ? null : s.slice(0, 100))),
  userAgent: z.string().nullable().transform((s) => (s === null ? null : s.slice(0, 512))),
});

export function checkNewSession(input: NewLoginSession): z.output<typeof newSession> {
  return parseOrThrow(newSession, input);
}

const PREFIX_RULE = 'must be "vxm_" and 4–16 letters, digits, "-" or "_"';
const newToken = z.object({
  userId: id,
  name: text(1, 100),
  tokenHash: sha256,
  prefix: z.string({ error: PREFIX_RULE }).regex(/^vxm_[A-Za-z0-9_-]{4,16}$/, { error: PREFIX_RULE }),
  expiresAt: isoTime.nullable(),
});

export function checkNewToken(input: NewApiToken): z.output<typeof newToken> {
  return parseOrThrow(newToken, input);
}

const DETAIL_RULE = 'must be a JSON object text of at most 4000 characters';
const newAudit = z.object({
  at: isoTime.optional(),
  actorUserId: id.nullable(),
  actorLogin: z.string().nullable().transform((s) => (s === null ? null : s.slice(0, 254))),
  tenantId: id.nullable(),
  action: z.enum(AUDIT_ACTIONS, { error: `must be one of ${AUDIT_ACTIONS.join(', ')}` }),
  target: text(1, 300).nullable(),
  ip: z.string().nullable().transform((s) => (s === null ? null : s.slice(0, 100))),
  detail: z
    .string({ error: DETAIL_RULE })
    .max(4000, { error: DETAIL_RULE })
    .refine(isJsonObject, { error: DETAIL_RULE })
    .nullable(),
});

export function checkNewAudit(input: NewAuditEntry): z.output<typeof newAudit> {
  return parseOrThrow(newAudit, input);
}

function isJsonObject(s: string): boolean {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** A `touch`/`revoke` time argument. */
export function checkTime(field: string, value: string): string {
  return parseOrThrow(isoTime, value, field);
}
