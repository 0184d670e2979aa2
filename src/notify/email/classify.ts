/**
 * SMTP outcomes as delivery results. Only a refusal of this recipient or this message
 * (5xx to RCPT TO or DATA: "550 no such user", "554 rejected as spam") is permanent.
 * Everything else is retried until the outbox gives up: 4xx, a refused or dropped
 * connection, timeouts, and also a 5xx to AUTH or MAIL FROM, since those mean our
 * configuration (password, sender address) is wrong, which an operator fixes, and the
 * queued mails should then go out rather than be lost.
 */
import type { DeliveryResult } from '../../voicemail/ports.js';

/** The fields nodemailer puts on its errors (its NodemailerError), read defensively. */
interface SmtpErrorFields {
  readonly code?: unknown;
  readonly command?: unknown;
  readonly response?: unknown;
  readonly responseCode?: unknown;
  readonly message?: unknown;
}

const PERMANENT_COMMANDS = new Set(['RCPT TO', 'DATA']);

export function classifySmtpError(error: unknown): Extract<DeliveryResult, { ok: false }> {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorFields;
  const code = typeof e.code === 'string' ? e.code : null;
  const command = typeof e.command === 'string' ? e.command : null;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const text = describe(error, code, command);

  // 503 is "bad sequence of commands": the session, not the message; a new one may work.
  const permanentReply = responseCode !== null && responseCode >= 500 && responseCode < 600 && responseCode !== 503;
  if (permanentReply && command !== null && PERMANENT_COMMANDS.has(command)) return { ok: false, permanent: true, error: text };
  // Refused before anything was sent: a recipient that is not an address will never be one.
  if (code === 'EENVELOPE' && responseCode === null) return { ok: false, permanent: true, error: text };
  return { ok: false, permanent: false, error: text };
}

/**
 * The server refused the message for its size: our budget is above the server's limit
 * (RFC 1870 SIZE, checked by nodemailer before sending; or 552 / 5.3.4 after DATA). The
 * sender then tries once more without the audio.
 */
export function isSizeRefusal(error: unknown): boolean {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SmtpErrorFields;
  if (e.code === 'EMESSAGE' && e.command === 'MAIL FROM' && e.responseCode === undefined) return true;
  const response = typeof e.response === 'string' ? e.response : '';
  return e.responseCode === 552 || /\b5\.3\.4\b/.test(response);
}

/**
 * The server's id for the accepted mail, from its 250 reply: Postfix "queued as 4Xyz",
 * Exim "OK id=1rA2b3-…", Sendmail "… Message accepted for delivery" has none. Without
 * one, the Message-ID names the mail.
 */
export function providerIdFrom(response: string | undefined, messageId: string): string {
  const r = response ?? '';
  const m = /queued as\s+<?([^\s>]+)>?/i.exec(r) ?? /\bid=([^\s]+)/i.exec(r);
  return m?.[1] ?? messageId;
}

function describe(error: unknown, code: string | null, command: string | null): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
  const where = [code, command].filter((x) => x !== null).join(' ');
  return where === '' ? message : `${where}: ${message}`;
}
