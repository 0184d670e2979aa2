/**
 * The webhook channel: POSTs a signed JSON event to the tenant's URL. The outbox worker
 * calls `send` once per attempt and turns the result into "sent", "retry later" or
 * "failed"; this class never throws and never retries by itself, so the back-off,
 * give-up time and attempt log stay in one place (the outbox).
 *
 * The secret is read from the tenant at send time, not queued with the notification:
 * the outbox table then holds no secrets, and a rotated secret applies to deliveries
 * still waiting. It appears in no log line and no error.
 */
import type { Logger } from '../../shared/logger.js';
import type { Notification } from '../../voicemail/model.js';
import { parsePayload } from '../../voicemail/notifications/payload.js';
import type { ChannelSender, DeliveryResult, TenantRepository } from '../../voicemail/ports.js';
import { VERSION } from '../../version.js';
import { attemptSignal, type AttemptSignal } from './attempt-signal.js';
import { buildWebhookBody, type WebhookBody } from './body.js';
import { classifyStatus } from './classify.js';
import { excerpt, readAtMost } from './response.js';
import { signatureHeader } from './signature.js';
import { parseWebhookUrl, redactUrl } from './url.js';

export interface WebhookSenderOptions {
  /** Where the signing secret is read, at send time. */
  readonly tenants: Pick<TenantRepository, 'get'>;
  readonly logger: Logger;
  /** Whole attempt (connect, send, response headers, excerpt); default 10 s. */
  readonly timeoutMs?: number;
  /** Default `Voxmail-Webhook/<version>`. */
  readonly userAgent?: string;
  /** How much of a response body is read (for the error excerpt); default 16 KiB. */
  readonly maxResponseBytes?: number;
  /** Wall-clock milliseconds for the signature timestamp; tests pin it. Default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024;
/** Longest provider id kept from `X-Request-Id`: it is stored per attempt. */
const MAX_PROVIDER_ID = 200;

const permanent = (error: string): DeliveryResult => ({ ok: false, permanent: true, error });
const retry = (error: string): DeliveryResult => ({ ok: false, permanent: false, error });

/** The headers every delivery carries; `X-Voxmail-Delivery` repeats the body's id. */
export function webhookHeaders(body: WebhookBody, signature: string, userAgent: string): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'User-Agent': userAgent,
    'X-Voxmail-Event': body.event,
    'X-Voxmail-Delivery': body.id,
    'X-Voxmail-Signature': signature,
  };
}

export class WebhookSender implements ChannelSender {
  readonly channel = 'webhook' as const;
  private readonly tenants: Pick<TenantRepository, 'get'>;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly userAgent: string;
  private readonly maxResponseBytes: number;
  private readonly now: () => number;
  /** Attempts in progress: close() aborts them, so shutdown does not wait out a slow receiver. */
  private readonly inFlight = new Set<AttemptSignal>();
  private closed = false;

  constructor(options: WebhookSenderOptions) {
    this.tenants = options.tenants;
    this.log = options.logger.child({ channel: 'webhook' });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.userAgent = options.userAgent ?? `Voxmail-Webhook/${VERSION}`;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.now = options.now ?? Date.now;
  }

  async send(notification: Notification, signal: AbortSignal): Promise<DeliveryResult> {
    const log = this.log.child({ notificationId: notification.id, event: notification.event });
    let result: DeliveryResult;
    try {
      result = await this.attempt(notification, signal, log);
    } catch (e) {
      // A bug (malformed payload snapshot...): reported as a result, as the port requires.
      result = permanent(`webhook sender error: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (result.ok) log.debug({ providerId: result.providerId }, 'webhook delivered');
    else log.debug({ permanent: result.permanent, error: result.error }, 'webhook not delivered');
    return result;
  }

  close(): Promise<void> {
    this.closed = true;
    for (const a of this.inFlight) a.abort();
    return Promise.resolve();
  }

  private async attempt(notification: Notification, signal: AbortSignal, log: Logger): Promise<DeliveryResult> {
    const url = parseWebhookUrl(notification.recipient);
    if (!url.ok) return permanent(url.error);
    const payload = parsePayload(notification.payload);
    if (payload instanceof Error) return permanent(`bad payload: ${payload.message}`);
    const body = buildWebhookBody(notification, payload);
    if (body instanceof Error) return permanent(body.message);

    const secret = await this.secretOf(notification.tenantId);
    if (typeof secret !== 'string') return secret;

    const raw = JSON.stringify(body);
    const timestamp = Math.floor(this.now() / 1000);
    const headers = webhookHeaders(body, signatureHeader(secret, raw, timestamp), this.userAgent);
    log.debug({ url: redactUrl(url.value), bytes: Buffer.byteLength(raw) }, 'posting webhook');
    return this.post(url.value, raw, headers, signal);
  }

  /** The tenant's secret, or the result to return without sending. */
  private async secretOf(tenantId: string): Promise<string | DeliveryResult> {
    try {
      const tenant = await this.tenants.get(tenantId);
      // An unsigned webhook could be forged by anyone who learns the URL: never send one.
      if (!tenant?.webhookSecret) return permanent('webhook secret not set');
      return tenant.webhookSecret;
    } catch (e) {
      // The store being briefly unusable (locked, network) is not the receiver's fault.
      return retry(`tenant lookup failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async post(url: URL, raw: string, headers: Record<string, string>, signal: AbortSignal): Promise<DeliveryResult> {
    if (this.closed || signal.aborted) return retry('aborted (shutting down)');
    const attempt = attemptSignal([signal], this.timeoutMs);
    this.inFlight.add(attempt);
    try {
      let response: Response;
      try {
        // redirect: 'manual' — following would send the signed body to an address the
        // tenant never configured (and a 303 would turn it into a GET).
        response = await fetch(url, { method: 'POST', headers, body: raw, redirect: 'manual', signal: attempt.signal });
      } catch (e) {
        return this.failureOf(e, attempt, url);
      }
      let excerptText = '';
      try {
        // The attempt's signal still runs: a body that trickles forever is cut at the timeout.
        excerptText = excerpt(await readAtMost(response.body, this.maxResponseBytes));
      } catch {
        // The status is what counts; a body cut off (timeout, reset) only loses the excerpt.
      }
      return this.resultOf(response, excerptText);
    } finally {
      attempt.dispose();
      this.inFlight.delete(attempt);
    }
  }

  private resultOf(response: Response, body: string): DeliveryResult {
    const status = response.status;
    const suffix = body ? `: ${body}` : '';
    // With redirect: 'manual', a browser-style fetch reports an opaque redirect as status 0.
    const cls = response.type === 'opaqueredirect' ? 'redirect' : classifyStatus(status);
    switch (cls) {
      case 'ok': {
        const requestId = response.headers.get('x-request-id');
        return { ok: true, providerId: requestId ? requestId.slice(0, MAX_PROVIDER_ID) : null, detail: `HTTP ${String(status)}` };
      }
      case 'redirect':
        return permanent(`HTTP ${String(status)} redirect not followed: set the webhook URL to the final address`);
      case 'permanent':
        return permanent(`HTTP ${String(status)}${status === 410 ? ' Gone: the receiver removed this endpoint' : ''}${suffix}`);
      case 'retry':
        return retry(`HTTP ${String(status)}${suffix}`);
    }
  }

  /** Why fetch failed, in words an operator can act on; retried unless it cannot work. */
  private failureOf(e: unknown, attempt: AttemptSignal, url: URL): DeliveryResult {
    if (attempt.timedOut) return retry(`timed out after ${String(this.timeoutMs)} ms`);
    if (attempt.signal.aborted) return retry('aborted (shutting down)');
    // undici: TypeError('fetch failed') whose cause says what happened (ECONNREFUSED...).
    // A TypeError without a cause is a request fetch refused to build (a header value
    // with a line break, from a URL that had one): the same bytes would fail every time.
    if (e instanceof TypeError && e.cause === undefined) return permanent(`request refused by fetch: ${e.message}`);
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
    if (!(cause instanceof Error)) return retry(`network error: ${String(cause)}`);
    // The fetch standard's blocked ports (25, 6000...): fetch will never connect there.
    if (cause.message === 'bad port') return permanent(`webhook URL port ${url.port} is one fetch refuses to use (pick another port)`);
    const code = (cause as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !cause.message.includes(code) ? `${code} ` : '';
    return retry(`network error: ${prefix}${cause.message}`);
  }
}
