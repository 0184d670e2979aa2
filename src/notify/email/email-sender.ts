/**
 * The e-mail channel of the outbox: one notification (one recipient) becomes one mail,
 * sent through a pooled SMTP connection, or, with no server configured, written as an
 * .eml file. It never throws: every outcome is a DeliveryResult, and only a refusal that
 * retrying cannot change (see classify.ts) is permanent.
 */
import type { Logger } from '../../shared/logger.js';
import { VoxmailError } from '../../shared/errors.js';
import type { Notification } from '../../voicemail/model.js';
import { EMAIL_DETAIL_AUDIO_ATTACHED, type AudioStore, type ChannelSender, type DeliveryResult } from '../../voicemail/ports.js';
import { parsePayload, type MessageEventPayload, type MissedCallPayload } from '../../voicemail/notifications/payload.js';
import type { SendMailOptions } from 'nodemailer';
import { loadAttachment, type LoadedAttachment } from './audio-attachment.js';
import { classifySmtpError, isSizeRefusal, providerIdFrom } from './classify.js';
import { composeMail } from './compose-mail.js';
import { emlFileName, writeEmlFile } from './eml-writer.js';
import { checkSmtpUrl, redactSmtpUrl } from './smtp-url.js';
import { createEmlTransport, createSmtpTransport, type EmlTransporter, type SmtpTransporter } from './smtp-transport.js';
import type { TemplateSource } from './templates.js';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

/** Stable code (docs/errors.md): the configured sender address is empty or has no `@`. */
export const EMAIL_FROM_INVALID = 'VM_EMAIL_FROM_INVALID';

/**
 * How `DeliveryResult.detail` starts when the server accepted a mail with the recording
 * attached: the outbox deletes an attach-delete message only then (see `audioAttached`).
 */
export const DETAIL_AUDIO_ATTACHED = EMAIL_DETAIL_AUDIO_ATTACHED;

export interface EmailSenderOptions {
  /** `smtp://user:pass@host:port`, `smtps://…`, nodemailer options as query; null = write .eml files. */
  readonly smtpUrl: string | null;
  /** The From address, e.g. `Voxmail <voicemail@example.com>`. */
  readonly from: string;
  /** Where .eml files go when `smtpUrl` is null (created when missing). */
  readonly emlDir: string;
  readonly audio: Pick<AudioStore, 'get' | 'stat'>;
  /** Per-tenant overrides; the built-in templates otherwise. */
  readonly templates?: TemplateSource;
  /** Recordings larger than this (bytes of WAV, before base64) are linked, not attached. Default 10 MiB. */
  readonly maxAttachmentBytes?: number;
  readonly logger: Logger;
  /** TCP connect, greeting and idle-socket timeout (ms, default 30 s); a whole send gets 4× this. */
  readonly timeoutMs?: number;
}

type Failure = Extract<DeliveryResult, { ok: false }>;

export class EmailSender implements ChannelSender {
  readonly channel = 'email' as const;
  readonly #from: string;
  readonly #emlDir: string;
  readonly #audio: Pick<AudioStore, 'get' | 'stat'>;
  readonly #templates: TemplateSource | null;
  readonly #maxAttachmentBytes: number;
  readonly #sendTimeoutMs: number;
  readonly #logger: Logger;
  readonly #smtp: SmtpTransporter | null;
  readonly #eml: EmlTransporter;
  #closed = false;

  /** Throws VoxmailError VM_EMAIL_SMTP_URL_INVALID / VM_EMAIL_FROM_INVALID on bad configuration. */
  constructor(options: EmailSenderOptions) {
    if (!/\S@\S/.test(options.from)) throw new VoxmailError(EMAIL_FROM_INVALID, `the sender address "${options.from}" is not an e-mail address`);
    this.#from = options.from;
    this.#emlDir = options.emlDir;
    this.#audio = options.audio;
    this.#templates = options.templates ?? null;
    this.#maxAttachmentBytes = options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SMTP_TIMEOUT_MS;
    this.#sendTimeoutMs = 4 * timeoutMs;
    this.#logger = options.logger.child({ channel: 'email' });
    this.#eml = createEmlTransport();
    if (options.smtpUrl === null) {
      this.#smtp = null;
      this.#logger.info({ emlDir: this.#emlDir }, 'no SMTP server configured: e-mail is written as .eml files');
    } else {
      checkSmtpUrl(options.smtpUrl);
      this.#smtp = createSmtpTransport(options.smtpUrl, timeoutMs);
      this.#logger.info({ smtp: redactSmtpUrl(options.smtpUrl) }, 'e-mail via SMTP');
    }
  }

  async send(notification: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    const log = this.#logger.child({ notificationId: notification.id, event: notification.event });
    try {
      return await this.#send(notification, signal, log);
    } catch (error) {
      log.warn({ err: error }, 'e-mail delivery failed; will retry');
      return { ok: false, permanent: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Closes the pool: idle connections at once, one delivering finishes first. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#smtp?.close();
    }
    return Promise.resolve();
  }

  async #send(notification: Notification, signal: AbortSignal, log: Logger): Promise<DeliveryResult> {
    if (this.#closed) return retry('the e-mail sender is closed');
    if (signal.aborted) return retry('aborted before sending');
    if (notification.channel !== 'email') return permanent(`not an e-mail notification (channel ${notification.channel})`);
    const payload = parsePayload(notification.payload);
    if (payload instanceof Error) return permanent(`unreadable payload: ${payload.message}`);
    if (payload.kind === 'message' && payload.event === 'message.created') {
      if (!isMessagePayload(payload)) return permanent('malformed message.created payload');
      // Store errors propagate to send(): retried, since the recording may be readable later.
      const attachment = await loadAttachment(this.#audio, payload, this.#maxAttachmentBytes);
      return this.#deliver(notification, payload, attachment, signal, log);
    }
    if (payload.kind === 'missed_call') {
      if (!isMissedCallPayload(payload)) return permanent('malformed missed_call payload');
      return this.#deliver(notification, payload, null, signal, log);
    }
    return permanent(`${payload.event} is not sent by e-mail`);
  }

  async #deliver(
    notification: Notification,
    payload: MessageEventPayload | MissedCallPayload,
    attachment: LoadedAttachment | null,
    signal: AbortSignal,
    log: Logger,
  ): Promise<DeliveryResult> {
    const composed = await this.#compose(notification, payload, attachment, log);
    if (!composed.ok) return composed;
    if (this.#smtp === null) return this.#writeEml(notification, composed.mail, attachment, log);
    try {
      return await this.#smtpSend(this.#smtp, composed.mail, attachment, signal, log);
    } catch (error) {
      if (attachment?.state.kind === 'attached' && isSizeRefusal(error)) {
        // The server's size limit is below our budget: the mail still goes, with the link instead.
        log.info({ err: error }, 'the mail server refused the size of the mail; sending it again without the recording');
        const linked: LoadedAttachment = { state: { kind: 'too-large', sizeBytes: attachment.state.sizeBytes }, content: null };
        const smaller = await this.#compose(notification, payload, linked, log);
        if (!smaller.ok) return smaller;
        try {
          return await this.#smtpSend(this.#smtp, smaller.mail, linked, signal, log);
        } catch (again) {
          return this.#failed(again, signal, log);
        }
      }
      return this.#failed(error, signal, log);
    }
  }

  /** A payload the templates cannot be filled from is a bug upstream: permanent, not retried for days. */
  async #compose(
    notification: Notification,
    payload: MessageEventPayload | MissedCallPayload,
    attachment: LoadedAttachment | null,
    log: Logger,
  ): Promise<{ readonly ok: true; readonly mail: SendMailOptions } | Failure> {
    try {
      return { ok: true, mail: await composeMail({ notification, payload, attachment, from: this.#from, templates: this.#templates, logger: log }) };
    } catch (error) {
      log.error({ err: error }, 'cannot compose the e-mail');
      return permanent(`cannot compose the e-mail: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async #smtpSend(
    smtp: SmtpTransporter,
    mail: SendMailOptions,
    attachment: LoadedAttachment | null,
    signal: AbortSignal,
    log: Logger,
  ): Promise<DeliveryResult> {
    const deadline = AbortSignal.timeout(this.#sendTimeoutMs);
    const info = await smtp.sendMail({ ...mail, signal: AbortSignal.any([signal, deadline]) });
    const providerId = providerIdFrom(info.response, info.messageId);
    const detail = `${attachmentDetail(attachment)}; ${info.response}`;
    log.info({ providerId, detail }, 'e-mail accepted by the SMTP server');
    return { ok: true, providerId, detail };
  }

  #failed(error: unknown, signal: AbortSignal, log: Logger): Failure {
    const result = classifySmtpError(error);
    const timedOut = !signal.aborted && (error as { code?: unknown } | null)?.code === 'EABORT';
    const failure = timedOut ? { ...result, error: `no answer from the SMTP server within ${String(this.#sendTimeoutMs)} ms` } : result;
    if (failure.permanent) log.warn({ error: failure.error }, 'e-mail refused by the SMTP server for good');
    else log.info({ error: failure.error }, 'e-mail not delivered yet; will retry');
    return failure;
  }

  async #writeEml(notification: Notification, mail: SendMailOptions, attachment: LoadedAttachment | null, log: Logger): Promise<DeliveryResult> {
    const info = await this.#eml.sendMail(mail);
    const bytes = Buffer.isBuffer(info.message) ? info.message : null;
    if (bytes === null) return retry('the .eml renderer returned no bytes');
    const fileName = emlFileName(notification.deliveryKey);
    const file = await writeEmlFile(this.#emlDir, fileName, bytes);
    log.info({ file, to: notification.recipient }, 'no SMTP server configured: e-mail written as an .eml file');
    // Not DETAIL_AUDIO_ATTACHED: no server accepted it, so an attach-delete message stays in the box.
    const audio = attachment?.state.kind === 'attached' ? 'audio included in the file' : attachmentDetail(attachment);
    return { ok: true, providerId: fileName, detail: `written to ${file}; ${audio}` };
  }
}

/**
 * True when the mail the server accepted carries the recording: the outbox deletes an
 * attach-delete message only then (never when it was too large, gone, or written to a file).
 */
export function audioAttached(result: DeliveryResult): boolean {
  return result.ok && result.detail?.startsWith(DETAIL_AUDIO_ATTACHED) === true;
}

function attachmentDetail(attachment: LoadedAttachment | null): string {
  const state = attachment?.state;
  switch (state?.kind) {
    case undefined:
      return 'no recording';
    case 'attached':
      return `${DETAIL_AUDIO_ATTACHED} (${state.fileName}, ${String(state.sizeBytes)} bytes)`;
    case 'not-requested':
      return 'notification only';
    case 'too-large':
      return `audio not attached: ${String(state.sizeBytes)} bytes is over the limit`;
    case 'gone':
      return 'audio not attached: the message was deleted';
  }
}

function isMessagePayload(p: MessageEventPayload): boolean {
  const m = p.message as Partial<MessageEventPayload['message']> | undefined;
  const b = p.mailbox as Partial<MessageEventPayload['mailbox']> | undefined;
  return typeof m?.id === 'string' && typeof m.audioKey === 'string' && typeof m.receivedAt === 'string' && typeof b?.timeZone === 'string';
}

function isMissedCallPayload(p: MissedCallPayload): boolean {
  const c = p.missedCall as Partial<MissedCallPayload['missedCall']> | undefined;
  const b = p.mailbox as Partial<MissedCallPayload['mailbox']> | undefined;
  return typeof c?.id === 'string' && typeof c.at === 'string' && typeof b?.timeZone === 'string';
}

function retry(error: string): Failure {
  return { ok: false, permanent: false, error };
}

function permanent(error: string): Failure {
  return { ok: false, permanent: true, error };
}
