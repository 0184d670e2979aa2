/**
 * Listening: the built app on one host and port, with the failure every operator needs to
 * recognise (`VM_HTTP_LISTEN_FAILED`: port taken, address not on this host) and an
 * idempotent close that also drops idle keep-alive connections.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { VoxmailError } from '../shared/errors.js';

export const HTTP_LISTEN_FAILED = 'VM_HTTP_LISTEN_FAILED';

export interface HttpServer {
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening and drops open connections. Idempotent: every call returns the same promise. */
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export async function listen(app: FastifyInstance, options: ListenOptions): Promise<HttpServer> {
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (e) {
    await app.close().catch(() => undefined);
    const why = e instanceof Error ? e.message : String(e);
    throw new VoxmailError(HTTP_LISTEN_FAILED, `cannot listen for HTTP on ${options.host} port ${String(options.port)}: ${why}`, { cause: e });
  }
  const bound = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    address: Object.freeze({ host: bound.address, port: bound.port }),
    close: () => (closing ??= app.close()),
  };
}
