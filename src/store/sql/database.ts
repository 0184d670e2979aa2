/**
 * The tables as Kysely sees them. One shape for every SQL backend: booleans are
 * integers 0/1, times are ISO 8601 UTC text (plus epoch-millisecond integers where the
 * database must do arithmetic on them), lists and greeting settings are JSON text. That
 * keeps the queries free of dialect-specific types, so a PostgreSQL store can reuse
 * them; the row mappers accept what either driver returns (PostgreSQL's `pg` gives
 * bigint columns as strings, hence `number | string` there).
 */

/** A bigint column: SQLite returns a number, PostgreSQL's driver a string. */
export type BigIntColumn = number | string;

export interface TenantRow {
  id: string;
  name: string;
  default_email: string | null;
  duplicate_to_default: number;
  /** Added by 0002_notifications. */
  webhook_url: string | null;
  /** Added by 0002_notifications; never leaves the store except to the webhook sender. */
  webhook_secret: string | null;
  created_at: string;
}

export interface MailboxRow {
  tenant_id: string;
  id: string;
  name: string;
  language: string;
  time_zone: string;
  /** JSON: Record<GreetingReason, GreetingSetting>. */
  greetings: string;
  warning_mode: string;
  warning_audio_key: string | null;
  max_message_ms: number;
  min_message_ms: number;
  silence_timeout_ms: number;
  retention_days: number;
  saved_retention_days: number;
  quota_messages: number;
  operator_uri: string | null;
  pin_hash: string | null;
  /** JSON: string[]. */
  emails: string;
  email_action: string;
  sms_number: string | null;
  /** JSON: string[] (SIP URIs); added by 0002_notifications with '[]' for existing rows. */
  mwi_uris: string;
  created_at: string;
  updated_at: string;
}

/** One routed number; the primary key (tenant_id, number) is what makes numbers unique per tenant. */
export interface MailboxNumberRow {
  tenant_id: string;
  number: string;
  mailbox_id: string;
  /** Keeps the order the owner gave the numbers in. */
  position: number;
}

export interface MessageRow {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  reason: string;
  received_at: string;
  received_at_ms: BigIntColumn;
  duration_ms: number;
  heard: number;
  folder: string;
  recovered: number;
  audio_key: string;
  size_bytes: BigIntColumn;
  call_id: string | null;
  folder_changed_at: string;
  folder_changed_at_ms: BigIntColumn;
  /** 0004: 'call' | 'forward' | 'broadcast' ('call' for existing rows). */
  origin: string;
  /** 0004: login of who forwarded or broadcast the copy. */
  forwarded_by: string | null;
  /** 0004: where the original starts in a forward with a comment. */
  comment_ms: number;
  /** 0004. */
  transcript: string | null;
  /** 0004: in trash, the folder it came from. */
  restore_folder: string | null;
  /**
   * 0004: caller number, caller name, called number and transcript, lower-cased in
   * JavaScript (full Unicode, which SQLite's lower()/LIKE are not) and joined by U+0001:
   * what the `q` filter searches.
   */
  search_text: string;
}

export interface MissedCallRow {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  reason: string;
  cause: string;
  at: string;
  call_id: string | null;
}

export interface PendingDepositRow {
  id: string;
  tenant_id: string;
  mailbox_id: string;
  caller_number: string | null;
  caller_name: string | null;
  called_number: string | null;
  reason: string;
  received_at: string;
  call_id: string | null;
  min_message_ms: number;
}

/**
 * One queued delivery (the outbox). `mailbox_id` is deliberately not a foreign key: the
 * rows are an audit trail that outlives the mailbox and the message they are about.
 */
export interface NotificationRow {
  id: string;
  tenant_id: string;
  mailbox_id: string | null;
  channel: string;
  event: string;
  subject_id: string;
  recipient: string;
  payload: string;
  /** `event:subjectId:channel:recipient`, unique. */
  delivery_key: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  /** What the due query compares and orders by. */
  next_attempt_at_ms: BigIntColumn;
  give_up_at: string;
  give_up_at_ms: BigIntColumn;
  last_error: string | null;
  provider_id: string | null;
  created_at: string;
  updated_at: string;
}

/** One finished attempt of a notification; cascades with it. */
export interface DeliveryAttemptRow {
  notification_id: string;
  attempt: number;
  at: string;
  outcome: string;
  detail: string | null;
  provider_id: string | null;
}

/** A person who logs in (0003_accounts). `login` is stored lower-case and unique. */
export interface UserRow {
  id: string;
  login: string;
  name: string;
  role: string;
  tenant_id: string | null;
  language: string;
  password_hash: string;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

/** The mailboxes an owner sees; cascades with the user and with the mailbox. */
export interface UserMailboxRow {
  user_id: string;
  tenant_id: string;
  mailbox_id: string;
  position: number;
}

/** Keyed by the SHA-256 of the cookie value; times also as epoch ms for the expiry checks. */
export interface LoginSessionRow {
  id_hash: string;
  user_id: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  expires_at_ms: BigIntColumn;
  revoked_at: string | null;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 (hex) of the whole token; unique. */
  token_hash: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Failed-login counter of one (scope, key): a login or a source address. */
export interface LoginThrottleRow {
  scope: string;
  key: string;
  failures: number;
  window_started_at_ms: BigIntColumn;
  locked_until_ms: BigIntColumn | null;
}

/** 0004: a distribution list; `mailbox_ids` is JSON string[] of mailboxes of the same tenant. */
export interface DistributionListRow {
  tenant_id: string;
  id: string;
  name: string;
  mailbox_ids: string;
  created_at: string;
  updated_at: string;
}

/** Append-only; no foreign keys, so rows outlive what they name. */
export interface AuditRow {
  id: string;
  at: string;
  actor_user_id: string | null;
  actor_login: string | null;
  tenant_id: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  detail: string | null;
}

export interface Database {
  tenants: TenantRow;
  mailboxes: MailboxRow;
  mailbox_numbers: MailboxNumberRow;
  messages: MessageRow;
  missed_calls: MissedCallRow;
  pending_deposits: PendingDepositRow;
  notifications: NotificationRow;
  delivery_attempts: DeliveryAttemptRow;
  users: UserRow;
  user_mailboxes: UserMailboxRow;
  login_sessions: LoginSessionRow;
  api_tokens: ApiTokenRow;
  login_throttle: LoginThrottleRow;
  audit_log: AuditRow;
  distribution_lists: DistributionListRow;
}
