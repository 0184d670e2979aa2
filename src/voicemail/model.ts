/**
 * The voicemail domain's data: tenants, mailboxes, messages and missed calls, as the
 * call flows, the CLI, the REST API and the notifications see them. Plain readonly
 * records; storage lives behind the interfaces in ports.ts.
 */

export const LANGUAGES = ['ru', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * Why the call came to voicemail, normalised from RFC 4458 `cause`, RFC 5806
 * `Diversion;reason=` and RFC 7044 `History-Info;cause=`. `unknown` when nothing said.
 */
export const DIVERSION_REASONS = [
  'busy',
  'no-answer',
  'unavailable',
  'unconditional',
  'time-of-day',
  'do-not-disturb',
  'deflection',
  'unknown',
] as const;
export type DiversionReason = (typeof DIVERSION_REASONS)[number];

/** The greeting slots a mailbox has: one per reason a caller can hear about. */
export const GREETING_REASONS = ['busy', 'no-answer', 'unavailable', 'unconditional', 'default'] as const;
export type GreetingReason = (typeof GREETING_REASONS)[number];

/**
 * What happens after the greeting (MANGO OFFICE's "modes"):
 * - leave-message: warning, beep, recording;
 * - call-later: 183 + announcement as early media, then 480 (never answered);
 * - stay-on-line / wait-operator: 183 + announcement, then 302 to the operator
 *   (falls back to leave-message when the mailbox has no operator URI).
 */
export const GREETING_MODES = ['leave-message', 'call-later', 'stay-on-line', 'wait-operator'] as const;
export type GreetingMode = (typeof GREETING_MODES)[number];

/** The warning before the beep: none (beep only), the standard phrase, or a custom prompt. */
export const WARNING_MODES = ['none', 'standard', 'custom'] as const;
export type WarningMode = (typeof WARNING_MODES)[number];

export const FOLDERS = ['inbox', 'saved', 'trash'] as const;
export type Folder = (typeof FOLDERS)[number];

/** How a message came to its box: a caller's deposit, a copy someone forwarded, or a broadcast. */
export const MESSAGE_ORIGINS = ['call', 'forward', 'broadcast'] as const;
export type MessageOrigin = (typeof MESSAGE_ORIGINS)[number];

/** Action on receipt for e-mail (MANGO: notification only / attachment then delete / attachment and keep). */
export const EMAIL_ACTIONS = ['notify', 'attach-delete', 'attach-keep'] as const;
export type EmailAction = (typeof EMAIL_ACTIONS)[number];

/** Why a call left no message; the notifications issue sends these as missed-call SMS. */
export const MISSED_CALL_CAUSES = ['too-short', 'hangup-before-beep', 'mailbox-full', 'call-later', 'recording-failed'] as const;
export type MissedCallCause = (typeof MISSED_CALL_CAUSES)[number];

export interface GreetingSetting {
  readonly mode: GreetingMode;
  /** AudioStore key of the owner's recorded greeting; null = the standard phrase for the reason. */
  readonly audioKey: string | null;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** The tenant's default address for voicemail e-mail (MANGO's "default address"). */
  readonly defaultEmail: string | null;
  /** Copy every voicemail to the default address even when another address is set. */
  readonly duplicateToDefault: boolean;
  /** Where the tenant's webhook events are POSTed (https or http); null = no webhooks. */
  readonly webhookUrl: string | null;
  /** The HMAC-SHA256 key of the webhook signature; never shown after it is set. */
  readonly webhookSecret: string | null;
  readonly createdAt: string;
}

export interface Mailbox {
  /** Unique within the tenant, e.g. "100". */
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  readonly language: Language;
  /** IANA zone, e.g. "Europe/Moscow"; times in notifications are shown in it. */
  readonly timeZone: string;
  /** Numbers routed to this mailbox (E.164 "+7..." or extensions); unique within the tenant. */
  readonly numbers: readonly string[];
  readonly greetings: Readonly<Record<GreetingReason, GreetingSetting>>;
  readonly warningMode: WarningMode;
  /** AudioStore key of the custom warning prompt (used when warningMode is "custom"). */
  readonly warningAudioKey: string | null;
  /** 10 s – 10 min, default 3 min. */
  readonly maxMessageMs: number;
  /** Shorter recordings are not kept (a missed-call record instead); default 1 s. */
  readonly minMessageMs: number;
  /** Recording ends after this much silence; default 8 s. */
  readonly silenceTimeoutMs: number;
  /** Messages in inbox/trash are purged after this many days; default 14. */
  readonly retentionDays: number;
  /** Saved messages are purged after this many days; default 90. */
  readonly savedRetentionDays: number;
  /** Most messages the mailbox holds (all folders but trash); default 100. */
  readonly quotaMessages: number;
  /** Where "stay on the line" / "wait for the operator" / `0` send the caller (SIP URI). */
  readonly operatorUri: string | null;
  /** argon2id hash of the PIN for the phone menu; never the PIN itself. */
  readonly pinHash: string | null;
  readonly emails: readonly string[];
  readonly emailAction: EmailAction;
  readonly smsNumber: string | null;
  /** SIP URIs of phones that get unsolicited message-summary NOTIFYs (RFC 3842) for this box. */
  readonly mwiUris: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Message {
  readonly id: string;
  readonly tenantId: string;
  readonly mailboxId: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  /** The number the caller dialled (the original called number of the diversion). */
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  /** ISO 8601 UTC, when the recording started. */
  readonly receivedAt: string;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly folder: Folder;
  /** Made from a partial recording after a crash. */
  readonly recovered: boolean;
  /** AudioStore key of the WAV (8 kHz, 16-bit mono). */
  readonly audioKey: string;
  readonly sizeBytes: number;
  readonly callId: string | null;
  /** ISO time it was moved to the folder it is in (retention counts from here for saved/trash). */
  readonly folderChangedAt: string;
  /** A caller's deposit, or a copy made by forward / broadcast (issue 6). */
  readonly origin: MessageOrigin;
  /** Login of who forwarded or broadcast it; null for a call. */
  readonly forwardedBy: string | null;
  /** Where the original starts in the audio of a forward with a comment (comment + 0.5 s gap); 0 when none. */
  readonly commentMs: number;
  /** Text of the recording once transcription exists; null until then. */
  readonly transcript: string | null;
  /** In trash: the folder a restore puts it back into; null outside trash. */
  readonly restoreFolder: Folder | null;
}

/** A named set of mailboxes of one tenant, a target of forwards and broadcasts. */
export interface DistributionList {
  /** Unique within the tenant. */
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** Mailboxes of the same tenant, in the order given. */
  readonly mailboxIds: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MissedCall {
  readonly id: string;
  readonly tenantId: string;
  readonly mailboxId: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly cause: MissedCallCause;
  readonly at: string;
  readonly callId: string | null;
}

/**
 * A recording in progress, written before the first audio reaches disk so that a
 * crash leaves enough to rebuild the message (who called whom, where the partial
 * WAV is) — see docs/adr/0002-recording-durability.md.
 */
export interface PendingDeposit {
  /** The id the message will get. */
  readonly id: string;
  readonly tenantId: string;
  readonly mailboxId: string;
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly reason: DiversionReason;
  readonly receivedAt: string;
  readonly callId: string | null;
  readonly minMessageMs: number;
}

// ---------------------------------------------------------------------------------
// Notifications (the durable outbox)

export const NOTIFICATION_CHANNELS = ['email', 'sms', 'webhook', 'mwi'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** What happened; webhooks carry it as `event`, the other channels pick their template by it. */
export const NOTIFICATION_EVENTS = ['message.created', 'message.deleted', 'message.heard', 'missed_call', 'notification.failed'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One delivery to one recipient on one channel, written in the same transaction as the
 * record that caused it and delivered by the outbox worker with back-off until it is
 * sent or its give-up time passes.
 */
export interface Notification {
  readonly id: string;
  readonly tenantId: string;
  readonly mailboxId: string | null;
  readonly channel: NotificationChannel;
  readonly event: NotificationEvent;
  /** The message, missed call, or (for notification.failed) notification it is about. */
  readonly subjectId: string;
  /** E-mail address, phone number, webhook URL or SIP URI. */
  readonly recipient: string;
  /** JSON snapshot of what the channel needs, so delivery does not depend on rows that may be gone. */
  readonly payload: string;
  /** `event:subjectId:channel:recipient` — unique: the same notification is never queued twice. */
  readonly deliveryKey: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly giveUpAt: string;
  readonly lastError: string | null;
  /** The provider's id of the accepted delivery (SMTP queue id, SMPP message_id...). */
  readonly providerId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** One attempt, as `voxmail messages show` lists them. */
export interface DeliveryAttempt {
  readonly notificationId: string;
  readonly attempt: number;
  readonly at: string;
  readonly outcome: 'sent' | 'retry' | 'failed';
  readonly detail: string | null;
  readonly providerId: string | null;
}

// ---------------------------------------------------------------------------------
// Accounts: people who use the web inbox and the REST API (issue 6)

/**
 * - platform-admin: runs the installation; sees every tenant (tenantId null);
 * - tenant-admin: every mailbox of one tenant;
 * - owner: only the mailboxes listed in `mailboxIds`, within one tenant.
 */
export const ROLES = ['platform-admin', 'tenant-admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  /** Random, stable; what sessions, tokens and audit rows point at. */
  readonly id: string;
  /** What the person types to log in (often an e-mail address); unique, stored lower-case. */
  readonly login: string;
  readonly name: string;
  readonly role: Role;
  /** Null exactly for platform admins. */
  readonly tenantId: string | null;
  /** The mailboxes an owner may see (within tenantId); empty for admins. */
  readonly mailboxIds: readonly string[];
  readonly language: Language;
  /** argon2id PHC string; never leaves the accounts module (not in any API or CLI output). */
  readonly passwordHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** A disabled user cannot log in and its sessions and tokens stop working. */
  readonly disabledAt: string | null;
}

/**
 * A browser login. The cookie holds a random 256-bit id; the store keeps only its
 * SHA-256 (`idHash`), so a copy of the database cannot be used to ride a session.
 */
export interface LoginSession {
  readonly idHash: string;
  readonly userId: string;
  readonly createdAt: string;
  /** Last request seen (updated at most once a minute); the idle timeout counts from here. */
  readonly lastSeenAt: string;
  /** The absolute end, whatever the activity. */
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** A bearer token for integrations (`vxm_...`), shown once at creation; the store keeps its SHA-256. */
export interface ApiToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly tokenHash: string;
  /** The first characters of the token (`vxm_AbCd1234`), so people can tell tokens apart. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  /** Updated at most once a minute. */
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** Failed-login counters: per account (the login typed) and per source address. */
export const THROTTLE_SCOPES = ['account', 'ip'] as const;
export type ThrottleScope = (typeof THROTTLE_SCOPES)[number];

export interface LoginThrottle {
  readonly scope: ThrottleScope;
  readonly key: string;
  /** Failures in the current window. */
  readonly failures: number;
  readonly windowStartedAt: string;
  /** Set when `failures` reached the limit: no login attempt is checked before then. */
  readonly lockedUntil: string | null;
}

/** What the audit log records (who did what to which record, from where). */
export const AUDIT_ACTIONS = [
  'login',
  'login.failed',
  'login.locked',
  'logout',
  'message.download',
  'message.delete',
  'setting.change',
  'user.create',
  'user.remove',
  'token.create',
  'token.revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  readonly id: string;
  readonly at: string;
  /** Null for the command line or an unknown login. */
  readonly actorUserId: string | null;
  /** The login as typed or known at the time (users may be removed later). */
  readonly actorLogin: string | null;
  readonly tenantId: string | null;
  readonly action: AuditAction;
  /** The record acted on: a message id, `mailbox:<id>`, a user's login, a token id. */
  readonly target: string | null;
  readonly ip: string | null;
  /** Small JSON object with the rest (a setting's name, the reason a login failed...). */
  readonly detail: string | null;
}
