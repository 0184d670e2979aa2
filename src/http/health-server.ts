/**
 * A minimal HTTP server for liveness checks until the Fastify app exists:
 * `GET /healthz` → 200 `{"status":"ok","version":"…","sip":[…bound addresses]}`,
 * anything else → a JSON 404 (405 for other methods on /healthz).
 * Deliberately tiny; the Fastify app will take `/healthz` over with a schema.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { VoxmailError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';

export const HTTP_LISTEN_FAILED = 'VM_HTTP_LISTEN_FAILED';

export interface BoundAddress {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly version: string;
  /** Read on every request, so the answer is always current. */
  readonly sipAddresses: () => readonly BoundAddress[];
  readonly logger: Logger;
}

export interface HealthServer {
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening and drops open (keep-alive) connections. Idempotent. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function pathnameOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { logger } = options;
  const server = createServer((req, res) => {
    const path = pathnameOf(req);
    if (path === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, { error: { code: 'method_not_allowed', message: 'use GET' } }, { allow: 'GET, HEAD' });
        return;
      }
      send(res, 200, { status: 'ok', version: options.version, sip: options.sipAddresses() });
      return;
    }
    send(res, 404, { error: { code: 'not_found', message: 'no such resource' } });
  });
  server.on('clientError', (e, socket) => {
    logger.debug({ err: e }, 'http client error');
    socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      reject(new VoxmailError(HTTP_LISTEN_FAILED, `cannot listen for HTTP on ${options.host} port ${String(options.port)}: ${e.message}`, { cause: e }));
    };
    server.once('error', onError);
    server.listen({ host: options.host, port: options.port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (e) => logger.error({ err: e }, 'http server error'));

  const bound = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: Object.freeze({ host: bound.address, port: bound.port }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
