/**
 * A real webhook receiver for tests: an HTTP server on 127.0.0.1 (kernel-picked port)
 * that records every request (raw body and headers), verifies its signature with the
 * shared secret as an integrator would, and can be scripted to fail, answer with a
 * given status (410, a redirect...) or be slow, so retries and timeouts are tested
 * over real sockets.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhookSignature } from '../../src/notify/webhook/index.js';

export interface ReceivedWebhook {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Exactly the bytes received: what the signature covers. */
  readonly rawBody: Buffer;
  /** The body parsed as JSON, or null when it is not JSON. */
  readonly json: unknown;
  /** `X-Voxmail-Signature` verified with the receiver's secret at arrival time (±5 min). */
  readonly signatureValid: boolean;
  /** The status this request was answered with. */
  readonly status: number;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks` */
  readonly url: string;
  readonly requests: readonly ReceivedWebhook[];
  /** Answer the next `count` requests with `status` (500 by default). */
  failNext(count: number, status?: number): void;
  /** Answer the next request with exactly this (queued after earlier scripted answers). */
  respondNext(response: ScriptedResponse): void;
  /** Wait this long before answering each request (0 = at once). */
  setDelay(ms: number): void;
  /** What a successful answer carries (default 200, empty body). */
  setDefault(response: ScriptedResponse): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { readonly secret: string; readonly path?: string }): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const script: ScriptedResponse[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let delayMs = 0;
  let fallback: ScriptedResponse = { status: 200 };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const answer = script.shift() ?? fallback;
      const header = req.headers['x-voxmail-signature'];
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody,
        json: parseJson(rawBody),
        signatureValid: verifyWebhookSignature(options.secret, typeof header === 'string' ? header : null, rawBody, Math.floor(Date.now() / 1000)),
        status: answer.status,
      });
      const reply = (): void => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      };
      if (delayMs <= 0) return reply();
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) reply();
      }, delayMs);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${String(port)}${options.path ?? '/hooks'}`,
    requests,
    failNext(count, status = 500) {
      for (let i = 0; i < count; i++) script.push({ status, body: 'receiver failing on purpose' });
    },
    respondNext(response) {
      script.push(response);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    setDefault(response) {
      fallback = response;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
