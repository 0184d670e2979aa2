/**
 * `GET /healthz` for operators and load balancers, unauthenticated and answering exactly
 * as the health server before the Fastify app did: 200 `{status, version, sip}` with
 * `Cache-Control: no-store`; HEAD the same without a body; other methods 405 with `Allow`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { jsonSchema } from '../schema.js';

export interface BoundAddress {
  readonly transport: 'udp' | 'tcp';
  readonly host: string;
  readonly port: number;
}

const healthReply = z.object({
  status: z.literal('ok'),
  version: z.string(),
  sip: z.array(z.object({ transport: z.enum(['udp', 'tcp']), host: z.string(), port: z.int() })).describe('the SIP sockets, read at every request'),
});

export function registerHealthRoutes(app: FastifyInstance, deps: { readonly version: string; readonly sipAddresses: () => readonly BoundAddress[] }): void {
  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'Liveness: version and bound SIP addresses', response: { 200: jsonSchema(healthReply) } } },
    async (_request, reply): Promise<z.output<typeof healthReply>> => {
      reply.header('cache-control', 'no-store');
      return { status: 'ok', version: deps.version, sip: deps.sipAddresses().map((a) => ({ transport: a.transport, host: a.host, port: a.port })) };
    },
  );
  app.route({
    method: ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '/healthz',
    schema: { hide: true },
    handler: () => {
      throw new ApiError('VM_API_METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET, HEAD' });
    },
  });
}
