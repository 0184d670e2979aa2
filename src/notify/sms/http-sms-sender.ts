/**
 * The SMS channel over a generic HTTP gateway (issue 5: "URL template, method, auth"):
 * one request per SMS made from templates (http-template.ts); the gateway does the
 * encoding and splitting. Outcomes by status (RFC 9110 §15): 2xx sent; 4xx failed for
 * good except 408 and 429, which like 5xx, timeouts and network errors are retried.
 *
 * Gateway URLs often carry an API key in the query, so logs and errors name the gateway
 * by method, origin and path only.
 */
import { VoxmailError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { DeliveryResult } from '../../voicemail/ports.js';
import { bodyEncoding, expandBody, expandUrl, unknownPlaceholders, type BodyEncoding, type TemplateValues } from './http-template.js';
import { providerIdFrom } from './http-provider-id.js';
import { normalizeSmsNumber, SmsChannelSender, type SendTextOptions } from './sms-channel.js';

export interface HttpSmsSenderOptions {
  /** e.g. `https://gw.example/send?to={to}&text={text}`; placeholders {to} {msisdn} {text} {from} {id}. */
  readonly url: string;
  /** Default: POST when there is a body template, else GET. */
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * POST body template, escaped by the Content-Type header: JSON-string-escaped for
   * application/json, percent-encoded for application/x-www-form-urlencoded, as-is
   * otherwise. Without a Content-Type: JSON when it starts with { or [, else form.
   * Default for POST: `{"to":"{to}","text":"{text}"}`.
   */
  readonly body?: string;
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** The sender for {from}. */
  readonly from?: string;
  /** Whole request including the response body. Default 10 s. */
  readonly timeoutMs?: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

const DEFAULT_JSON_BODY = '{"to":"{to}","text":"{text}"}';
/** Enough for any gateway's answer; a larger body is cut (we only look for an id or an error). */
const MAX_RESPONSE_BYTES = 16 * 1024;

function configError(message: string): VoxmailError {
  return new VoxmailError('VM_SMS_CONFIG', `HTTP SMS gateway: ${message}`);
}

const SAMPLE: TemplateValues = { to: '+70000000000', msisdn: '70000000000', text: 'x', from: '', id: 'x' };

async function readLimited(res: Response): Promise<string> {
  if (res.body === null) return '';
  // undici types the body as ReadableStream<any>; fetch bodies are byte streams.
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
      if (size >= MAX_RESPONSE_BYTES) {
        await reader.cancel();
        break;
      }
    }
  } catch {
    // A body cut off by the timeout or the peer: judge by the status alone.
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause;
  if (cause instanceof Error) return `${e.message}: ${'code' in cause && typeof cause.code === 'string' ? `${cause.code} ` : ''}${cause.message}`;
  return e.message;
}

export class HttpSmsSender extends SmsChannelSender {
  private readonly method: 'GET' | 'POST';
  private readonly headers: Record<string, string>;
  private readonly body: { readonly template: string; readonly encoding: BodyEncoding } | null;
  private readonly timeoutMs: number;
  private readonly label: string;
  private readonly log: Logger;

  /** Throws VoxmailError VM_SMS_CONFIG on a template or option it cannot use. */
  constructor(private readonly o: HttpSmsSenderOptions) {
    super(o.now ?? (() => new Date()));
    for (const [what, t] of [['url', o.url], ['body', o.body ?? '']] as const) {
      const unknown = unknownPlaceholders(t);
      if (unknown.length > 0) throw configError(`unknown placeholder(s) in the ${what}: ${unknown.map((n) => `{${n}}`).join(', ')} (known: {to} {msisdn} {text} {from} {id})`);
    }
    let sample: URL;
    try {
      sample = new URL(expandUrl(o.url, SAMPLE));
    } catch {
      throw configError('url is not a URL');
    }
    if (sample.protocol !== 'http:' && sample.protocol !== 'https:') throw configError(`url must be http: or https: (got ${sample.protocol})`);
    if (sample.username !== '' || sample.password !== '') throw configError('put credentials in basicAuth, not in the url');
    this.method = o.method ?? (o.body !== undefined ? 'POST' : 'GET');
    if (this.method === 'GET' && o.body !== undefined) throw configError('a body template needs method POST');
    this.timeoutMs = o.timeoutMs ?? 10_000;
    if (!Number.isFinite(this.timeoutMs) || this.timeoutMs <= 0) throw configError(`timeoutMs must be a positive number (got ${String(this.timeoutMs)})`);
    this.headers = { ...o.headers };
    const contentTypeKey = Object.keys(this.headers).find((k) => k.toLowerCase() === 'content-type');
    if (this.method === 'POST') {
      const template = o.body ?? DEFAULT_JSON_BODY;
      let contentType = contentTypeKey !== undefined ? this.headers[contentTypeKey] : undefined;
      if (contentType === undefined) {
        contentType = /^\s*[[{]/.test(template) ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded';
        this.headers['content-type'] = contentType;
      }
      this.body = { template, encoding: bodyEncoding(contentType) };
    } else {
      this.body = null;
    }
    if (o.basicAuth) this.headers.authorization = `Basic ${Buffer.from(`${o.basicAuth.user}:${o.basicAuth.password}`, 'utf8').toString('base64')}`;
    this.label = `${this.method} ${sample.origin}${sample.pathname}`;
    this.log = o.logger.child({ module: 'sms', gateway: this.label });
  }

  async sendText(to: string, text: string, options: SendTextOptions = {}): Promise<DeliveryResult> {
    const number = normalizeSmsNumber(to);
    if (number === null) return { ok: false, permanent: true, error: `not a phone number: ${JSON.stringify(to)}` };
    const values: TemplateValues = { to: number, msisdn: number.replace(/^\+/, ''), text, from: this.o.from ?? '', id: options.id ?? '' };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let res: Response;
    let body: string;
    try {
      res = await fetch(expandUrl(this.o.url, values), {
        method: this.method,
        headers: this.headers,
        ...(this.body ? { body: expandBody(this.body.template, values, this.body.encoding) } : {}),
        signal,
      });
      body = await readLimited(res);
    } catch (e) {
      const why = timeout.aborted ? `no response within ${String(this.timeoutMs)} ms` : options.signal?.aborted ? 'aborted' : describeFetchError(e);
      const error = `${this.label}: ${why}`;
      this.log.warn({ code: 'VM_SMS_HTTP_FAILED', to: number }, error);
      return { ok: false, permanent: false, error };
    }
    if (res.status >= 200 && res.status < 300) {
      const providerId = providerIdFrom(res.headers, body);
      this.log.info({ to: number, status: res.status, providerId }, 'SMS accepted by the HTTP gateway');
      return { ok: true, providerId, detail: `HTTP ${String(res.status)}` };
    }
    // 408 Request Timeout and 429 Too Many Requests say "later"; other 4xx say "never like this".
    const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
    const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
    const error = `${this.label} answered ${String(res.status)}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
    this.log.warn({ code: 'VM_SMS_HTTP_FAILED', to: number, status: res.status, permanent }, error);
    return { ok: false, permanent, error };
  }

  /** Nothing to release: fetch's connection pool is global. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
