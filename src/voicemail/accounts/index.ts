/**
 * Accounts: users, roles, login sessions, API tokens, lock-out, audit, and the
 * tenant-scoped view of mailboxes and messages the REST API serves. `createAccounts`
 * wires them over one store; the HTTP layer and the CLI use only what this exports.
 */
import type { MessageActions } from '../messages/message-actions.js';
import type { AudioConverter, AudioStore, VoicemailStore } from '../ports.js';
import { ApiTokenManager } from './api-tokens.js';
import { AuditTrail } from './audit.js';
import { Authenticator } from './authenticator.js';
import { Inbox } from './inbox.js';
import { LoginService, type LoginPolicies } from './login.js';
import { SessionManager, type SessionTimeouts } from './sessions.js';
import { UserAdmin } from './users.js';

export { ACCOUNT_LOCKOUT, ADDRESS_LOCKOUT, accountKey, LoginService, type LoginAttempt, type LoginOutcome, type LoginPolicies } from './login.js';
export { ApiTokenManager, TOKEN_MAX_DAYS, type CreatedToken } from './api-tokens.js';
export { AuditTrail, CLI_ACTOR, type Actor, type AuditRecord } from './audit.js';
export { Authenticator, type SessionPrincipal } from './authenticator.js';
export {
  ACCESS_TENANT_REQUIRED,
  Inbox,
  UPLOAD_MAX_MS,
  type AudioObject,
  type MailboxExport,
  type MessagePage,
  type MessageQuery,
  type RequestContext,
  type Targets,
} from './inbox.js';
export { hashPassword, PASSWORD_MAX, PASSWORD_MIN, PASSWORD_RULE, validatePassword, verifyPassword } from './passwords.js';
export { canSeeMailbox, scopeOf, type Principal, type Scope } from './principal.js';
export { API_TOKEN_PREFIX, csrfTokenFor, safeEqual, sha256Hex } from './secrets.js';
export { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SessionManager, type SessionTimeouts } from './sessions.js';
export { UserAdmin, type AddUserInput } from './users.js';

export interface Accounts {
  readonly sessions: SessionManager;
  readonly tokens: ApiTokenManager;
  readonly authenticator: Authenticator;
  readonly login: LoginService;
  readonly users: UserAdmin;
  readonly audit: AuditTrail;
}

export interface AccountsOptions {
  readonly store: VoicemailStore;
  /** Wall-clock time (injected for tests of the timeouts). */
  readonly now?: () => Date;
  readonly timeouts?: Partial<SessionTimeouts>;
  readonly policies?: LoginPolicies;
}

export function createAccounts(options: AccountsOptions): Accounts {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const audit = new AuditTrail(store.audit, now);
  const sessions = new SessionManager(store, now, options.timeouts);
  const tokens = new ApiTokenManager(store, now);
  return {
    sessions,
    tokens,
    authenticator: new Authenticator(sessions, tokens),
    login: new LoginService({ users: store.users, throttle: store.loginThrottle, sessions, audit, now, ...(options.policies ? { policies: options.policies } : {}) }),
    users: new UserAdmin(store, sessions, audit),
    audit,
  };
}

/** The scoped inbox over the same store, with the message actions the server uses (lamp, webhooks). */
export function createInbox(deps: {
  readonly store: VoicemailStore;
  readonly audio: AudioStore;
  readonly actions: MessageActions;
  readonly audit: AuditTrail;
  /** Decodes uploaded audio (forward comments, broadcasts); src/media/convert/ in the server. */
  readonly converter?: AudioConverter | null;
  readonly now?: () => Date;
}): Inbox {
  return new Inbox(deps);
}
