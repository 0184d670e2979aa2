/**
 * `GET /events`: server-sent events (text/event-stream) for the web inbox — messages
 * created, updated (heard, moved, restored) and purged in the mailboxes the caller may
 * see, as this process publishes them on the live-event bus.
 *
 * Bounded on every side: at most STREAMS_PER_USER open streams per user (a new one
 * closes the oldest: a user with many tabs keeps the newest), STREAMS_MAX in all (then
 * 503), and a stream whose client stops reading (more than MAX_BUFFERED bytes waiting)
 * is closed instead of buffering. Every PING_MS a comment line keeps proxies from
 * timing the stream out, and the credentials are checked again without counting as
 * activity: a logout, a disabled user or an idle session closes the stream, and the
 * browser's automatic reconnect then gets 401.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canSeeMailbox, type Authenticator, type Principal } from '../../voicemail/accounts/index.js';
import { mailboxOf, type LiveEvent, type LiveEvents } from '../../voicemail/live/live-events.js';
import { authOf } from '../auth/authenticate.js';
import { ApiError } from '../errors.js';
import { ERROR_RESPONSES } from '../schema.js';
import { toMessageView } from '../views.js';

export const STREAMS_PER_USER = 8;
export const STREAMS_MAX = 2_000;
export const PING_MS = 25_000;
/** What a reader may fall behind by before its stream is dropped (a few hundred events). */
export const MAX_BUFFERED = 256 * 1024;
/** How long the browser waits before reconnecting (the `retry:` field). */
const RETRY_MS = 3_000;

export interface EventsDeps {
  readonly live: LiveEvents;
  readonly authenticator: Authenticator;
  readonly apiPrefix: string;
  /** Default PING_MS; tests shorten it. */
  readonly pingMs?: number;
}

interface Stream {
  readonly userId: string;
  close(): void;
}

/** The SSE frame of a live event, or null when `p` may not see its mailbox. */
export function frameFor(p: Principal, event: LiveEvent, id: number, apiPrefix: string): string | null {
  const where = mailboxOf(event);
  if (!canSeeMailbox(p, where.tenantId, where.mailboxId)) return null;
  const data =
    event.type === 'message.deleted'
      ? { id: event.id, tenantId: event.tenantId, mailboxId: event.mailboxId }
      : { message: toMessageView(event.message, apiPrefix) };
  // JSON.stringify never emits a raw newline, so one `data:` line holds it all.
  return `id: ${String(id)}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function registerEventsRoute(app: FastifyInstance, deps: EventsDeps): void {
  const byUser = new Map<string, Stream[]>();
  let open = 0;
  let nextId = 1;
  const pingMs = deps.pingMs ?? PING_MS;

  const forget = (s: Stream): void => {
    const list = byUser.get(s.userId);
    if (!list) return;
    const i = list.indexOf(s);
    if (i < 0) return;
    list.splice(i, 1);
    open--;
    if (list.length === 0) byUser.delete(s.userId);
  };

  app.addHook('onClose', (_instance, done) => {
    for (const list of [...byUser.values()]) for (const s of [...list]) s.close();
    done();
  });

  app.get(
    '/events',
    {
      schema: {
        tags: ['messages'],
        summary: 'Live updates (text/event-stream): message.created, message.updated, message.deleted',
        description:
          'Server-sent events for the mailboxes the caller may see. Starts with `event: ready`; `: ping` comments every 25 s. message.created/updated carry {"message": <message>}, message.deleted {"id","tenantId","mailboxId"}.',
        response: { 200: { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...ERROR_RESPONSES },
      },
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = authOf(request).principal;
      const userId = principal.user.id;
      if (open >= STREAMS_MAX) throw new ApiError('VM_API_UNAVAILABLE', 'too many open event streams on this server; retry later', { 'retry-after': '30' });

      reply.hijack();
      const res = reply.raw;
      // Helmet's headers are already on `res` (set in onRequest); add the stream's own.
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });

      let closed = false;
      let unsubscribe = (): void => undefined;
      let timer: NodeJS.Timeout | undefined;
      const stream: Stream = {
        userId,
        close: () => {
          if (closed) return;
          closed = true;
          unsubscribe();
          clearTimeout(timer);
          forget(stream);
          res.end();
        },
      };
      const write = (chunk: string): void => {
        if (closed) return;
        if (res.writableLength > MAX_BUFFERED) {
          request.log.debug({ user: userId }, 'event stream dropped: the client stopped reading');
          stream.close();
          return;
        }
        res.write(chunk);
      };

      const list = byUser.get(userId) ?? [];
      byUser.set(userId, list);
      list.push(stream);
      open++;
      if (list.length > STREAMS_PER_USER) list[0]?.close();

      res.on('close', () => stream.close());
      unsubscribe = deps.live.subscribe((event) => {
        const frame = frameFor(principal, event, nextId, deps.apiPrefix);
        if (frame === null) return;
        nextId++;
        write(frame);
      });

      const ping = (): void => {
        void deps.authenticator.stillValid(principal).then(
          (valid) => {
            if (closed) return;
            if (!valid) {
              stream.close();
              return;
            }
            write(': ping\n\n');
            timer = setTimeout(ping, pingMs);
          },
          (e: unknown) => {
            request.log.warn({ err: e }, 'event stream: could not re-check the credentials; closing it');
            stream.close();
          },
        );
      };
      timer = setTimeout(ping, pingMs);
      write(`retry: ${String(RETRY_MS)}\nevent: ready\ndata: {}\n\n`);
    },
  );
}
