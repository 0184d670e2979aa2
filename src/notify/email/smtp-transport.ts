/**
 * The two nodemailer transports the sender uses: a pooled SMTP client for a configured
 * server, and a stream transport that only renders the RFC 5322 bytes (for .eml files).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import SMTPPool, { type SMTPPoolOptions, type SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool';
import type { StreamSentMessageInfo } from 'nodemailer/lib/stream-transport';

export type SmtpTransporter = Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
export type EmlTransporter = Transporter<StreamSentMessageInfo>;

/**
 * A connection pool to the server in `url`. STARTTLS is used whenever the server offers
 * it (nodemailer's default); `?requireTLS=true` in the URL refuses a server that does not.
 * Every wait is bounded by `timeoutMs` (TCP connect, greeting, an idle socket mid-session,
 * DNS), so a server that accepts and then says nothing cannot hold a delivery. Options
 * in the URL's query win over these defaults (nodemailer merges them that way).
 *
 * nodemailer's own logging stays off: with `debug` it would write the mail (with the
 * caller's number) into the logs; the sender logs each outcome itself.
 */
export function createSmtpTransport(url: string, timeoutMs: number): SmtpTransporter {
  const pool = new SMTPPool({
    url,
    pool: true,
    maxConnections: 5,
    // The outbox retries with back-off; the pool re-queues only once, for the race with a
    // server that closed an idle connection just as we picked it.
    maxRequeues: 1,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    dnsTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  return nodemailer.createTransport(pool);
}

/** Renders messages to CRLF RFC 5322 bytes without sending them. */
export function createEmlTransport(): EmlTransporter {
  return nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
}
