/** The e-mail channel: only the composition root constructs it; the outbox worker sees a ChannelSender. */
export {
  audioAttached,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  DEFAULT_SMTP_TIMEOUT_MS,
  DETAIL_AUDIO_ATTACHED,
  EMAIL_FROM_INVALID,
  EmailSender,
  type EmailSenderOptions,
} from './email-sender.js';
export { EMAIL_SMTP_URL_INVALID, redactSmtpUrl } from './smtp-url.js';
export { DEFAULT_TEMPLATE_MAX_BYTES, EMAIL_TEMPLATE_TOO_LARGE, fileTemplateSource, type FileTemplateSourceOptions } from './file-template-source.js';
export { TEMPLATE_KINDS, TEMPLATE_PARTS, type TemplateKind, type TemplateName, type TemplatePart, type TemplateSource } from './templates.js';
export { BUILTIN_TEMPLATES } from './builtin-templates.js';
