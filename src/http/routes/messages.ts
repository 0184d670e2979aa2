/**
 * Messages: list (filters incl. time bounds and text search, newest first, cursor pages),
 * get, mark heard / new, move between folders, restore from trash, delete.
 * Changes go through the domain's MessageActions (via Inbox), so the MWI lamp and the
 * webhooks follow; deletions are audited. Anything outside the caller's scope is 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FOLDERS } from '../../voicemail/model.js';
import type { Inbox, RequestContext } from '../../voicemail/accounts/index.js';
import { authOf } from '../auth/authenticate.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { ApiError, notFound } from '../errors.js';
import { ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { messageView, toMessageView, type MessageView } from '../views.js';

export const MESSAGE_PAGE_DEFAULT = 50;
export const MESSAGE_PAGE_MAX = 200;

const listQuery = tenantQuery.extend({
  mailbox: idSchema.optional().describe('only this mailbox'),
  folder: z.enum(FOLDERS).optional(),
  heard: z.boolean().optional().describe('true: only heard; false: only new'),
  from: z.iso.datetime({ offset: true }).optional().describe('receivedAt at or after this ISO time'),
  to: z.iso.datetime({ offset: true }).optional().describe('receivedAt before this ISO time'),
  q: z.string().min(1).max(100).optional().describe("case-insensitive substring of the caller's number or name, the called number or the transcript"),
  limit: z.int().min(1).max(MESSAGE_PAGE_MAX).optional().describe(`page size, default ${String(MESSAGE_PAGE_DEFAULT)}`),
  cursor: z.string().min(1).max(200).optional().describe('nextCursor of the previous page'),
});
const listReply = z.object({
  messages: z.array(messageView).describe('newest first'),
  nextCursor: z.string().nullable().describe('pass as ?cursor= for the next page; null on the last page'),
});
export const messageParams = z.object({ id: idSchema });
const moveBody = z.object({ folder: z.enum(FOLDERS).describe('moving to trash remembers the folder it came from (restoreFolder)') });
const TAGS = ['messages'];

export function requestContext(request: FastifyRequest): RequestContext {
  return { principal: authOf(request).principal, ip: request.ip };
}

export function registerMessageRoutes(app: FastifyInstance, inbox: Inbox, apiPrefix: string): void {
  const view = (m: Parameters<typeof toMessageView>[0]): MessageView => toMessageView(m, apiPrefix);

  app.get<{ Querystring: z.output<typeof listQuery> }>(
    '/messages',
    {
      schema: {
        tags: TAGS,
        summary: 'Messages the caller may see, newest first, one page at a time',
        querystring: jsonSchema(listQuery, 'input'),
        response: { 200: jsonSchema(listReply), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<z.output<typeof listReply>> => {
      const q = request.query;
      const olderThan = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
      if (olderThan === null) throw new ApiError('VM_API_INVALID_CURSOR', 'cursor: not a cursor this server made (use nextCursor as given)');
      const page = await inbox.listMessages(authOf(request).principal, {
        limit: q.limit ?? MESSAGE_PAGE_DEFAULT,
        ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
        ...(q.mailbox !== undefined ? { mailboxId: q.mailbox } : {}),
        ...(q.folder !== undefined ? { folder: q.folder } : {}),
        ...(q.heard !== undefined ? { heard: q.heard } : {}),
        ...(q.from !== undefined ? { from: q.from } : {}),
        ...(q.to !== undefined ? { to: q.to } : {}),
        ...(q.q !== undefined ? { q: q.q } : {}),
        ...(olderThan !== undefined ? { olderThan } : {}),
      });
      if (!page) throw notFound(q.mailbox === undefined ? 'no such tenant' : 'no such mailbox');
      return { messages: page.messages.map(view), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery> }>(
    '/messages/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One message',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(messageView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MessageView> => {
      const m = await inbox.getMessage(authOf(request).principal, request.params.id, request.query.tenant);
      if (!m) throw notFound('no such message');
      return view(m);
    },
  );

  for (const [method, heard] of [
    ['POST', true],
    ['DELETE', false],
  ] as const) {
    app.route<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery> }>({
      method,
      url: '/messages/:id/heard',
      schema: {
        tags: TAGS,
        summary: heard ? 'Mark the message heard (the lamp follows)' : 'Mark the message new again (the lamp follows)',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(messageView), ...ERROR_RESPONSES },
      },
      handler: async (request): Promise<MessageView> => {
        const m = await inbox.setHeard(requestContext(request), request.params.id, heard, request.query.tenant);
        if (!m) throw notFound('no such message');
        return view(m);
      },
    });
  }

  app.post<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof moveBody> }>(
    '/messages/:id/move',
    {
      schema: {
        tags: TAGS,
        summary: 'Move the message to a folder (to trash: it can be restored)',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(moveBody, 'input'),
        response: { 200: jsonSchema(messageView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MessageView> => {
      const m = await inbox.move(requestContext(request), request.params.id, request.body.folder, request.query.tenant);
      if (!m) throw notFound('no such message');
      return view(m);
    },
  );

  app.post<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery> }>(
    '/messages/:id/restore',
    {
      schema: {
        tags: TAGS,
        summary: 'Undo a delete: the trashed message goes back to restoreFolder (409 VM_API_NOT_IN_TRASH if not in trash)',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(messageView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MessageView> => {
      const m = await inbox.restore(requestContext(request), request.params.id, request.query.tenant);
      if (!m) throw notFound('no such message');
      return view(m);
    },
  );

  app.delete<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery> }>(
    '/messages/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete the message and its audio for good (audited; webhooks hear message.deleted)',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 204: { type: 'null', description: 'deleted' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const removed = await inbox.remove(requestContext(request), request.params.id, request.query.tenant);
      if (!removed) throw notFound('no such message');
      return reply.code(204).send();
    },
  );
}
