/**
 * The interfaces the voicemail domain needs from storage. `src/store/` implements them
 * (SQLite + local files as the embedded default; PostgreSQL and S3 can follow), and
 * only the composition root picks an implementation. Every method is async so that a
 * networked database fits the same shape.
 */
import type { Readable } from 'node:stream';
import type {
  ApiToken,
  AuditAction,
  AuditEntry,
  DiversionReason,
  EmailAction,
  Folder,
  GreetingReason,
  GreetingSetting,
  Language,
  LoginSession,
  LoginThrottle,
  Mailbox,
  Message,
  MissedCall,
  DeliveryAttempt,
  DistributionList,
  Notification,
  NotificationChannel,
  NotificationEvent,
  NotificationStatus,
  PendingDeposit,
  Role,
  Tenant,
  ThrottleScope,
  User,
  WarningMode,
} from './model.js';

/** The fields a new mailbox may set; the rest take the documented defaults. */
export interface NewMailbox {
  readonly tenantId: string;
  readonly id: string;
  readonly name?: string;
  readonly language?: Language;
  readonly timeZone?: string;
  readonly numbers?: readonly string[];
  readonly greetings?: Partial<Record<GreetingReason, GreetingSetting>>;
  readonly warningMode?: WarningMode;
  readonly warningAudioKey?: string | null;
  readonly maxMessageMs?: number;
  readonly minMessageMs?: number;
  readonly silenceTimeoutMs?: number;
  readonly retentionDays?: number;
  readonly savedRetentionDays?: number;
  readonly quotaMessages?: number;
  readonly operatorUri?: string | null;
  readonly pinHash?: string | null;
  readonly emails?: readonly string[];
  readonly emailAction?: EmailAction;
  readonly smsNumber?: string | null;
  readonly mwiUris?: readonly string[];
}

/** A partial update; `numbers`/`emails` replace the whole list when given. */
export type MailboxPatch = Partial<Omit<NewMailbox, 'tenantId' | 'id'>>;

export interface NewTenant {
  readonly id: string;
  readonly name?: string;
  readonly defaultEmail?: string | null;
  readonly duplicateToDefault?: boolean;
  readonly webhookUrl?: string | null;
  readonly webhookSecret?: string | null;
}
export type TenantPatch = Partial<Omit<NewTenant, 'id'>>;

export interface MessageFilter {
  readonly tenantId?: string;
  readonly mailboxId?: string;
  readonly folder?: Folder;
  readonly heard?: boolean;
  /** ISO bounds on receivedAt, inclusive from / exclusive to. */
  readonly from?: string;
  readonly to?: string;
  /**
   * Case-insensitive substring of the caller's number or name, the called number or the
   * transcript (LIKE wildcards in it are plain characters). Scans the matching rows.
   */
  readonly q?: string;
  readonly limit?: number;
  /** Only these mailboxes (an owner's); an empty list matches nothing. With `mailboxId`, both apply. */
  readonly mailboxIds?: readonly string[];
  /** Cursor pagination: only messages after this one in newest-first order (older, or as old with a smaller id). */
  readonly olderThan?: MessageCursor;
}

/** A position in the newest-first order of messages: (receivedAt, id), both descending. */
export interface MessageCursor {
  readonly receivedAt: string;
  readonly id: string;
}

/** The fields of issue 6 are optional: a deposit leaves them to their defaults (a call, no comment, no transcript). */
export type NewMessage = Omit<Message, 'heard' | 'folder' | 'folderChangedAt' | 'origin' | 'forwardedBy' | 'commentMs' | 'transcript' | 'restoreFolder'> &
  Partial<Pick<Message, 'origin' | 'forwardedBy' | 'commentMs' | 'transcript'>>;
export type NewMissedCall = Omit<MissedCall, 'id'>;

/** A notification to queue; the store adds id, deliveryKey, status and counters. */
export interface NewNotification {
  readonly tenantId: string;
  readonly mailboxId: string | null;
  readonly channel: NotificationChannel;
  readonly event: NotificationEvent;
  readonly subjectId: string;
  readonly recipient: string;
  readonly payload: string;
  readonly giveUpAt: string;
  /** Default: now. */
  readonly nextAttemptAt?: string;
}

/**
 * The notifications a change causes, computed from the row it wrote (so they can name
 * its id); the store inserts them in the same transaction as the change.
 */
export type NotificationsFor<T> = (record: T) => readonly NewNotification[];

/**
 * Why a write was refused. Stable codes (docs/errors.md): the CLI and the API turn
 * them into messages.
 */
export type StoreErrorCode =
  | 'VM_STORE_NOT_FOUND'
  | 'VM_STORE_DUPLICATE_MAILBOX'
  | 'VM_STORE_NUMBER_TAKEN'
  | 'VM_STORE_UNKNOWN_TENANT'
  | 'VM_STORE_DUPLICATE_TENANT'
  | 'VM_STORE_DUPLICATE_USER'
  | 'VM_STORE_UNKNOWN_MAILBOX'
  | 'VM_STORE_NOT_IN_TRASH'
  | 'VM_STORE_DUPLICATE_LIST'
  | 'VM_STORE_INVALID';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface TenantRepository {
  create(tenant: NewTenant): Promise<Tenant>;
  get(id: string): Promise<Tenant | null>;
  list(): Promise<Tenant[]>;
  update(id: string, patch: TenantPatch): Promise<Tenant>;
}

export interface MailboxRepository {
  /** Throws StoreError VM_STORE_DUPLICATE_MAILBOX / VM_STORE_NUMBER_TAKEN / VM_STORE_UNKNOWN_TENANT. */
  create(mailbox: NewMailbox): Promise<Mailbox>;
  get(tenantId: string, id: string): Promise<Mailbox | null>;
  /** The mailbox that has `number` among its numbers, within the tenant. */
  findByNumber(tenantId: string, number: string): Promise<Mailbox | null>;
  list(tenantId?: string): Promise<Mailbox[]>;
  update(tenantId: string, id: string, patch: MailboxPatch): Promise<Mailbox>;
  /** Removes the mailbox with its messages and missed calls; returns the audio keys to delete. */
  remove(tenantId: string, id: string): Promise<{ audioKeys: string[] }>;
}

export interface MessageRepository {
  get(tenantId: string, id: string): Promise<Message | null>;
  /** Newest first. */
  list(filter: MessageFilter): Promise<Message[]>;
  /** Messages counted against the quota (every folder but trash). */
  countForQuota(tenantId: string, mailboxId: string): Promise<number>;
  /**
   * What a message-waiting lamp shows, in one counting query: `unheard` = inbox messages
   * not heard, `kept` = every message but trash (as `countForQuota`).
   */
  lampCounts(tenantId: string, mailboxId: string): Promise<{ unheard: number; kept: number }>;
  setHeard(tenantId: string, id: string, heard: boolean, notify?: NotificationsFor<Message>): Promise<Message>;
  /**
   * Moving into trash remembers the folder it came from (`restoreFolder`); moving out
   * clears it. Moving to the folder it is in changes nothing (and notifies no one).
   */
  move(tenantId: string, id: string, folder: Folder, notify?: NotificationsFor<Message>): Promise<Message>;
  /** Back from trash to `restoreFolder` (inbox when unknown); VM_STORE_NOT_IN_TRASH outside trash. */
  restore(tenantId: string, id: string, notify?: NotificationsFor<Message>): Promise<Message>;
  /**
   * Inserts a complete message (a forwarded or broadcast copy: its audio is already
   * stored) into the inbox, unheard, with `notify`'s notifications in the same
   * transaction. VM_STORE_NOT_FOUND for an unknown mailbox; VM_STORE_INVALID for an id in use.
   */
  create(message: NewMessage, notify?: NotificationsFor<Message>): Promise<Message>;
  /** Removes the row; returns the audio key for the caller to delete. */
  remove(tenantId: string, id: string, notify?: NotificationsFor<Message>): Promise<{ audioKey: string }>;
  /**
   * Messages whose retention has passed at `now`: inbox/trash older than the
   * mailbox's retentionDays (by receivedAt / folderChangedAt), saved older than savedRetentionDays.
   */
  expired(now: Date, limit: number): Promise<Message[]>;
}

export interface NewDistributionList {
  readonly tenantId: string;
  readonly id: string;
  readonly name: string;
  readonly mailboxIds: readonly string[];
}
export type DistributionListPatch = Partial<Pick<NewDistributionList, 'name' | 'mailboxIds'>>;

/**
 * Distribution lists (targets of forwards and broadcasts). Mailbox ids are checked
 * against the tenant when written (VM_STORE_UNKNOWN_MAILBOX); a mailbox removed later
 * stays listed and is skipped by whoever sends to the list.
 */
export interface DistributionListRepository {
  /** VM_STORE_DUPLICATE_LIST, VM_STORE_UNKNOWN_TENANT, VM_STORE_UNKNOWN_MAILBOX. */
  create(list: NewDistributionList): Promise<DistributionList>;
  get(tenantId: string, id: string): Promise<DistributionList | null>;
  /** By id. */
  list(tenantId: string): Promise<DistributionList[]>;
  update(tenantId: string, id: string, patch: DistributionListPatch): Promise<DistributionList>;
  /** VM_STORE_NOT_FOUND when there is no such list. */
  remove(tenantId: string, id: string): Promise<void>;
}

export interface MissedCallRepository {
  list(filter: { tenantId?: string; mailboxId?: string; limit?: number }): Promise<MissedCall[]>;
}

/**
 * The deposit lifecycle, each step one transaction:
 * begin (pending row) → finish (message row in, pending row out) or
 * abandon (missed-call row in, pending row out). `pending()` lists what a crash left.
 */
export interface DepositRepository {
  begin(deposit: PendingDeposit): Promise<void>;
  finish(depositId: string, message: NewMessage, notify?: NotificationsFor<Message>): Promise<Message>;
  abandon(depositId: string | null, missed: NewMissedCall, notify?: NotificationsFor<MissedCall>): Promise<MissedCall>;
  pending(): Promise<PendingDeposit[]>;
}

export interface NotificationFilter {
  readonly tenantId?: string;
  readonly subjectId?: string;
  readonly status?: NotificationStatus;
  readonly channel?: NotificationChannel;
  readonly limit?: number;
}

/**
 * The durable outbox. Delivery is at least once, made idempotent by the delivery key
 * (unique per event, subject, channel and recipient; receivers see it as the e-mail
 * Message-ID, the webhook id...). A claimed notification is leased: if the process dies
 * while sending, the lease runs out and another attempt is made.
 */
export interface OutboxRepository {
  /** Queue notifications outside any other change; duplicates (same delivery key) are ignored. Returns how many were new. */
  enqueue(items: readonly NewNotification[]): Promise<number>;
  /**
   * Pending notifications due at `now`, oldest first, of the given channels (default
   * all); each is leased until now + leaseMs and its attempt counted.
   */
  claimDue(now: Date, leaseMs: number, limit: number, channels?: readonly NotificationChannel[]): Promise<Notification[]>;
  /** Record the outcome of the attempt in progress: sent, retry at `nextAttemptAt`, or failed for good. */
  complete(id: string, outcome: { readonly outcome: DeliveryAttempt['outcome']; readonly detail: string | null; readonly providerId: string | null; readonly nextAttemptAt?: Date }): Promise<Notification>;
  get(id: string): Promise<Notification | null>;
  list(filter: NotificationFilter): Promise<Notification[]>;
  attempts(notificationId: string): Promise<DeliveryAttempt[]>;
}

export interface VoicemailStore {
  readonly tenants: TenantRepository;
  readonly mailboxes: MailboxRepository;
  readonly messages: MessageRepository;
  readonly lists: DistributionListRepository;
  readonly missedCalls: MissedCallRepository;
  readonly deposits: DepositRepository;
  readonly outbox: OutboxRepository;
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly loginThrottle: LoginThrottleRepository;
  readonly audit: AuditRepository;
  close(): Promise<void>;
}

/**
 * Audio objects: messages, greetings, custom prompts. Keys are relative paths with
 * `/` separators, e.g. `messages/<tenant>/<mailbox>/<id>.wav`; they never contain `..`.
 * Recordings in progress are always local files (`partialPath`), committed into the
 * store when finished, so that a remote store (S3) fits the same shape.
 */
export interface AudioStore {
  /** Local path where the recording of deposit `id` is written while the call lasts. */
  partialPath(id: string): string;
  /** Ids of partial recordings present (what a crash left). */
  listPartials(): Promise<string[]>;
  /** Makes the finished partial recording durable under `key` (fsync + rename + fsync dir), removing the partial. */
  commitPartial(id: string, key: string): Promise<{ sizeBytes: number }>;
  removePartial(id: string): Promise<void>;
  /** Writes a whole object durably (temp file → fsync → rename). */
  put(key: string, data: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | null>;
  stat(key: string): Promise<{ sizeBytes: number } | null>;
  /** A stream of bytes [start, end] inclusive (HTTP Range), or the whole object. */
  createReadStream(key: string, range?: { start: number; end: number }): Readable;
  /** Idempotent. */
  delete(key: string): Promise<void>;
}

export type { DiversionReason };

/**
 * How an e-mail sender's `detail` starts when the accepted mail carried the recording:
 * "attachment, then delete" deletes a message only then (a link instead of the audio,
 * or an .eml file on disk, keeps it in the box).
 */
export const EMAIL_DETAIL_AUDIO_ATTACHED = 'audio attached';

/** The outcome of one delivery attempt. Senders never throw: a failure is a result. */
export type DeliveryResult =
  | { readonly ok: true; readonly providerId: string | null; readonly detail?: string }
  | {
      readonly ok: false;
      /** True when retrying cannot help (bad address, rejected by policy): the notification fails now. */
      readonly permanent: boolean;
      readonly error: string;
    };

/**
 * Delivers the notifications of one channel (src/notify/ implements them). The payload
 * is the JSON of a `NotificationPayload` (src/voicemail/notifications/payload.ts).
 */
export interface ChannelSender {
  readonly channel: NotificationChannel;
  send(notification: Notification, signal: AbortSignal): Promise<DeliveryResult>;
  /** Release connections (SMTP pool, SMPP bind). Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------
// Accounts (issue 6): users, login sessions, API tokens, failed-login counters, audit

export interface NewUser {
  readonly login: string;
  readonly name?: string;
  readonly role: Role;
  /** Null for a platform admin, required otherwise. */
  readonly tenantId: string | null;
  /** Owners: one or more mailboxes of tenantId; admins: none. */
  readonly mailboxIds?: readonly string[];
  readonly language?: Language;
  readonly passwordHash: string;
}

/** A partial update; `mailboxIds` replaces the whole list when given. */
export interface UserPatch {
  readonly name?: string;
  readonly language?: Language;
  readonly passwordHash?: string;
  readonly mailboxIds?: readonly string[];
  readonly disabledAt?: string | null;
}

export interface UserRepository {
  /**
   * Throws StoreError VM_STORE_DUPLICATE_USER (login taken, case-insensitively),
   * VM_STORE_UNKNOWN_TENANT, VM_STORE_UNKNOWN_MAILBOX, VM_STORE_INVALID (role and
   * tenant/mailboxes that do not fit together).
   */
  create(user: NewUser): Promise<User>;
  get(id: string): Promise<User | null>;
  /** Case-insensitive. */
  findByLogin(login: string): Promise<User | null>;
  /** By login; only the tenant's users when `tenantId` is given. */
  list(filter?: { readonly tenantId?: string }): Promise<User[]>;
  update(id: string, patch: UserPatch): Promise<User>;
  /** Removes the user with its sessions and tokens (audit rows stay). */
  remove(id: string): Promise<void>;
}

export interface NewLoginSession {
  readonly idHash: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionRepository {
  create(session: NewLoginSession): Promise<LoginSession>;
  get(idHash: string): Promise<LoginSession | null>;
  /** Sets lastSeenAt. */
  touch(idHash: string, at: string): Promise<void>;
  /** Idempotent; an unknown id is ignored. */
  revoke(idHash: string, at: string): Promise<void>;
  /** Revokes every open session of the user; returns how many. */
  revokeAllOf(userId: string, at: string): Promise<number>;
  /** Deletes sessions that ended (revoked, or expired absolutely) at or before `before`; returns how many. */
  purge(before: string): Promise<number>;
}

export interface NewApiToken {
  readonly userId: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly prefix: string;
  readonly expiresAt: string | null;
}

export interface ApiTokenRepository {
  /** Throws VM_STORE_NOT_FOUND for an unknown user. */
  create(token: NewApiToken): Promise<ApiToken>;
  get(id: string): Promise<ApiToken | null>;
  findByHash(tokenHash: string): Promise<ApiToken | null>;
  /** Newest first; revoked ones included (they are history). */
  list(filter?: { readonly userId?: string }): Promise<ApiToken[]>;
  touch(id: string, at: string): Promise<void>;
  /** Idempotent (keeps the first revocation time); VM_STORE_NOT_FOUND for an unknown id. */
  revoke(id: string, at: string): Promise<ApiToken>;
}

/** How many failures in how long lock a key, and for how long. */
export interface ThrottlePolicy {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

/**
 * Failed-login counters, kept in the store so that a restart does not reset them and
 * the CLI and the server see the same. `recordFailure` is one transaction: a new
 * window starts when the old one has passed; reaching `maxFailures` sets `lockedUntil`.
 */
export interface LoginThrottleRepository {
  get(scope: ThrottleScope, key: string): Promise<LoginThrottle | null>;
  recordFailure(scope: ThrottleScope, key: string, at: Date, policy: ThrottlePolicy): Promise<LoginThrottle>;
  clear(scope: ThrottleScope, key: string): Promise<void>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { readonly at?: string };

export interface AuditFilter {
  readonly tenantId?: string;
  readonly actorUserId?: string;
  readonly action?: AuditAction;
  readonly target?: string;
  readonly limit?: number;
}

/** Append-only. Rows outlive users, tenants and messages (no foreign keys). */
export interface AuditRepository {
  append(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
}

// ---------------------------------------------------------------------------------
// Audio from people (issue 6): uploaded or browser-recorded greetings, warnings,
// forward comments and broadcasts, and prompts made from text.

/** What the voicemail plays and stores: 8 kHz mono 16-bit PCM WAV. */
export interface PromptAudio {
  /** A complete RIFF/WAVE file, 8 kHz, mono, 16-bit PCM. */
  readonly wav: Buffer;
  readonly durationMs: number;
}

/** Why an upload was refused; the API maps each code to its error (docs/api.md "Uploads"). */
export type AudioRejection =
  | { readonly ok: false; readonly code: 'unsupported'; readonly message: string }
  | { readonly ok: false; readonly code: 'too-long'; readonly message: string }
  | { readonly ok: false; readonly code: 'empty'; readonly message: string };

export type AudioResult = { readonly ok: true; readonly audio: PromptAudio } | AudioRejection;

/**
 * Turns what people upload or record (WAV of any rate and depth, MP3, OGG/Vorbis,
 * OGG/Opus, WebM/Opus) into prompt audio, loudness-normalised; and text into speech.
 * Never throws on bad input: a rejection says what is wrong. Implemented in
 * src/media/convert/ (ffmpeg, espeak-ng), wired by the composition root.
 */
export interface AudioConverter {
  convert(input: Buffer, options: { readonly maxMs: number; readonly signal?: AbortSignal }): Promise<AudioResult>;
  speak(text: string, language: Language, options?: { readonly signal?: AbortSignal }): Promise<AudioResult>;
}
