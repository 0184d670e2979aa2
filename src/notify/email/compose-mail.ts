/**
 * Builds the nodemailer message of one notification: templates (tenant override or
 * built-in) filled with the payload's values, the recording as an attachment, and the
 * headers that let receivers de-duplicate and filter.
 */
import { createHash } from 'node:crypto';
import type { SendMailOptions } from 'nodemailer';
import type { Logger } from '../../shared/logger.js';
import type { Language, Notification } from '../../voicemail/model.js';
import type { MessageEventPayload, MissedCallPayload } from '../../voicemail/notifications/payload.js';
import { BUILTIN_TEMPLATES } from './builtin-templates.js';
import type { LoadedAttachment } from './audio-attachment.js';
import { oneLine } from './format.js';
import { mailLanguage, messageValues, missedCallValues } from './mail-values.js';
import { renderSubject, renderTemplate, TEMPLATE_PARTS, type TemplateKind, type TemplatePart, type TemplateSource } from './templates.js';

export interface ComposeInput {
  readonly notification: Notification;
  readonly payload: MessageEventPayload | MissedCallPayload;
  /** For message mails; ignored for missed calls. */
  readonly attachment: LoadedAttachment | null;
  readonly from: string;
  readonly templates: TemplateSource | null;
  readonly logger: Logger;
}

/**
 * `<3f2a…@voxmail>` from the delivery key: the same notification re-sent (a retry after
 * a lost 250, a crash before the outbox recorded it) carries the same Message-ID, so the
 * receiving side can drop the duplicate. Hashed because the key holds the recipient.
 */
export function messageIdFor(deliveryKey: string): string {
  return `<${createHash('sha256').update(deliveryKey).digest('hex').slice(0, 40)}@voxmail>`;
}

export async function composeMail(input: ComposeInput): Promise<SendMailOptions> {
  const { notification, payload } = input;
  const language = mailLanguage(payload.mailbox.language);
  const kind: TemplateKind = payload.kind === 'message' ? 'message.created' : 'missed_call';
  const values =
    payload.kind === 'message'
      ? messageValues(payload, input.attachment?.state ?? { kind: 'not-requested' })
      : missedCallValues(payload);
  const templates = await resolveTemplates(input.templates, notification.tenantId, kind, language, input.logger);
  const subject = renderSubject(templates.subject, values);
  const withSubject = { ...values, subject };

  const headers: Record<string, string> = {
    'X-Voxmail-Event': payload.event,
    // RFC 3834: vacation responders and ticket systems must not answer a notification.
    'Auto-Submitted': 'auto-generated',
    'X-Auto-Response-Suppress': 'All',
  };
  if (payload.kind === 'message') headers['X-Voxmail-Message-Id'] = oneLine(payload.message.id);
  else headers['X-Voxmail-Missed-Call-Id'] = oneLine(payload.missedCall.id);

  const attachment = input.attachment;
  const date = new Date(payload.occurredAt);
  return {
    from: input.from,
    to: notification.recipient,
    subject,
    text: renderTemplate(templates.text, withSubject, 'text'),
    html: renderTemplate(templates.html, withSubject, 'html'),
    messageId: messageIdFor(notification.deliveryKey),
    // The event's time, not the send's: a re-send is byte-for-byte the same mail.
    date: Number.isNaN(date.getTime()) ? new Date() : date,
    headers,
    attachments:
      attachment?.state.kind === 'attached' && attachment.content !== null
        ? [{ filename: attachment.state.fileName, content: attachment.content, contentType: 'audio/wav' }]
        : [],
  };
}

/** Each part from the tenant's override when there is one, else the built-in. */
async function resolveTemplates(
  source: TemplateSource | null,
  tenantId: string,
  kind: TemplateKind,
  language: Language,
  logger: Logger,
): Promise<Record<TemplatePart, string>> {
  const builtin = BUILTIN_TEMPLATES[kind][language];
  const out: Record<TemplatePart, string> = { ...builtin };
  if (source === null) return out;
  for (const part of TEMPLATE_PARTS) {
    try {
      const override = await source.get(tenantId, `${kind}.${part}`, language);
      if (override !== null) out[part] = override;
    } catch (error) {
      logger.warn({ err: error, tenantId, template: `${kind}.${part}`, language }, 'e-mail template override unusable; using the built-in one');
    }
  }
  return out;
}
