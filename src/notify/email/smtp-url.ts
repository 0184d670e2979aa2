/**
 * The SMTP server URL (`smtp://user:pass@host:587`, `smtps://…:465`, nodemailer options
 * as query parameters such as `?requireTLS=true` or `?tls.rejectUnauthorized=false`):
 * checked once at start-up, and shown only with the password masked.
 */
import { VoxmailError } from '../../shared/errors.js';

/** Stable code (docs/errors.md): the configured SMTP URL is not an smtp:// or smtps:// URL with a host. */
export const EMAIL_SMTP_URL_INVALID = 'VM_EMAIL_SMTP_URL_INVALID';

/** Throws VoxmailError EMAIL_SMTP_URL_INVALID; the message never contains the password. */
export function checkSmtpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new VoxmailError(EMAIL_SMTP_URL_INVALID, 'the SMTP URL is not a URL (expected smtp://user:pass@host:port or smtps://...)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new VoxmailError(EMAIL_SMTP_URL_INVALID, `the SMTP URL ${redactSmtpUrl(raw)} must start with smtp:// or smtps://`);
  }
  if (url.hostname === '') {
    // Not echoed: without a host part the text may be a bare password (`smtp:secret`).
    throw new VoxmailError(EMAIL_SMTP_URL_INVALID, 'the SMTP URL has no host (expected smtp://user:pass@host:port)');
  }
  return url;
}

const SECRET_PARAM = /pass|secret|key|token|pfx|cert/i;

/** `smtp://user:***@host:587`: for logs and errors. Unparsable input is not echoed at all. */
export function redactSmtpUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    // Query values may carry secrets too (tls.passphrase, tls.key): mask those, keep the rest readable.
    for (const key of [...url.searchParams.keys()]) if (SECRET_PARAM.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}
