/**
 * The JSON shapes of the REST API the app uses (docs/api.md). Declared here rather than
 * imported from src/http/views.ts: those are zod schemas that would pull the server's
 * model into the browser build. Fields the contract adds after the first release
 * (origin, transcript, ...) are optional so an older server still type-checks.
 */
export type Role = 'platform-admin' | 'tenant-admin' | 'owner';
export type Language = 'ru' | 'en';
export type Folder = 'inbox' | 'saved' | 'trash';
export const FOLDERS: readonly Folder[] = ['inbox', 'saved', 'trash'];
export type GreetingReason = 'busy' | 'no-answer' | 'unavailable' | 'unconditional' | 'default';
export const GREETING_REASONS: readonly GreetingReason[] = ['busy', 'no-answer', 'unavailable', 'unconditional', 'default'];
export type GreetingMode = 'leave-message' | 'call-later' | 'stay-on-line' | 'wait-operator';
export const GREETING_MODES: readonly GreetingMode[] = ['leave-message', 'call-later', 'stay-on-line', 'wait-operator'];
export type WarningMode = 'none' | 'standard' | 'custom';
export type EmailAction = 'notify' | 'attach-delete' | 'attach-keep';
export const EMAIL_ACTIONS: readonly EmailAction[] = ['notify', 'attach-delete', 'attach-keep'];
export type DiversionReason = 'busy' | 'no-answer' | 'unavailable' | 'unconditional' | 'time-of-day' | 'do-not-disturb' | 'deflection' | 'unknown';

export interface User {
  id: string;
  login: string;
  name: string;
  role: Role;
  tenantId: string | null;
  mailboxIds: string[];
  language: Language;
}

export interface LoginReply {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export interface MeReply {
  user: User;
  via: 'session' | 'token';
  csrfToken: string | null;
  sessionEndsAt: string | null;
}

export interface Greeting {
  mode: GreetingMode;
  custom: boolean;
}

export interface Mailbox {
  id: string;
  tenantId: string;
  name: string;
  language: Language;
  timeZone: string;
  numbers: string[];
  greetings: Record<GreetingReason, Greeting>;
  warningMode: WarningMode;
  customWarning: boolean;
  maxMessageMs: number;
  minMessageMs: number;
  silenceTimeoutMs: number;
  retentionDays: number;
  savedRetentionDays: number;
  quotaMessages: number;
  operatorUri: string | null;
  pinSet: boolean;
  emails: string[];
  emailAction: EmailAction;
  smsNumber: string | null;
  mwiUris: string[];
  createdAt: string;
  updatedAt: string;
}

/** PATCH /mailboxes/{id}: any of these. */
export interface MailboxPatch {
  name?: string;
  language?: Language;
  timeZone?: string;
  maxMessageMs?: number;
  retentionDays?: number;
  savedRetentionDays?: number;
  greetings?: Partial<Record<GreetingReason, { mode: GreetingMode }>>;
  warningMode?: WarningMode;
  emails?: string[];
  emailAction?: EmailAction;
  smsNumber?: string | null;
  pin?: string | null;
  numbers?: string[];
}

export interface Tenant {
  id: string;
  name: string;
  defaultEmail: string | null;
  duplicateToDefault: boolean;
  webhookUrl: string | null;
  webhookSecretSet: boolean;
}

export interface Message {
  id: string;
  tenantId: string;
  mailboxId: string;
  callerNumber: string | null;
  /** From SIP headers: untrusted text (rendered as text only). */
  callerName: string | null;
  calledNumber: string | null;
  reason: DiversionReason;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  folder: Folder;
  folderChangedAt: string;
  recovered: boolean;
  sizeBytes: number;
  audioUrl: string;
  origin?: 'call' | 'forward' | 'broadcast';
  forwardedBy?: string | null;
  commentMs?: number;
  transcript?: string | null;
  restoreFolder?: Folder | null;
}

export interface MessagePage {
  messages: Message[];
  nextCursor: string | null;
}

export interface DistributionList {
  id: string;
  tenantId: string;
  name: string;
  mailboxIds: string[];
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** Server-sent events (GET /api/v1/events). */
export type LiveEvent =
  | { type: 'message.created'; message: Message }
  | { type: 'message.updated'; message: Message }
  | { type: 'message.deleted'; id: string; tenantId: string; mailboxId: string };
