/**
 * Distribution lists of the caller's tenant: everyone reads them (they are targets of
 * forwards and broadcasts); tenant admins (and platform admins naming the tenant)
 * change them — an owner gets 403 VM_API_FORBIDDEN. A mailbox id outside the tenant is
 * 404, like one that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Inbox } from '../../voicemail/accounts/index.js';
import { authOf } from '../auth/authenticate.js';
import { notFound } from '../errors.js';
import { ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { listView, toListView, type ListView } from '../views.js';
import { requestContext } from './messages.js';

const TAGS = ['lists'];
const params = z.object({ id: idSchema });
const mailboxIds = z.array(idSchema).max(1000).describe('mailboxes of the tenant; duplicates are dropped');
const newList = z.object({ id: idSchema, name: z.string().min(1).max(100), mailboxIds });
const listPatch = z.object({ name: z.string().min(1).max(100).optional(), mailboxIds: mailboxIds.optional() });
const listsReply = z.object({ lists: z.array(listView) });

export function registerListRoutes(app: FastifyInstance, inbox: Inbox): void {
  app.get<{ Querystring: z.output<typeof tenantQuery> }>(
    '/lists',
    {
      schema: {
        tags: TAGS,
        summary: "Distribution lists of the caller's tenant",
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(listsReply), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<z.output<typeof listsReply>> => {
      const lists = await inbox.listLists(authOf(request).principal, request.query.tenant);
      if (!lists) throw notFound('no such tenant');
      return { lists: lists.map(toListView) };
    },
  );

  app.post<{ Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof newList> }>(
    '/lists',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a distribution list (tenant admins)',
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(newList, 'input'),
        response: { 201: jsonSchema(listView), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const list = await inbox.createList(requestContext(request), request.body, request.query.tenant);
      if (!list) throw notFound('no such tenant');
      return reply.code(201).send(toListView(list));
    },
  );

  app.get<{ Params: z.output<typeof params>; Querystring: z.output<typeof tenantQuery> }>(
    '/lists/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One distribution list',
        params: jsonSchema(params, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(listView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ListView> => {
      const list = await inbox.getList(authOf(request).principal, request.params.id, request.query.tenant);
      if (!list) throw notFound('no such list');
      return toListView(list);
    },
  );

  app.patch<{ Params: z.output<typeof params>; Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof listPatch> }>(
    '/lists/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Rename a list or replace its mailboxes (tenant admins)',
        params: jsonSchema(params, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(listPatch, 'input'),
        response: { 200: jsonSchema(listView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<ListView> => {
      const b = request.body;
      const patch = { ...(b.name !== undefined ? { name: b.name } : {}), ...(b.mailboxIds !== undefined ? { mailboxIds: b.mailboxIds } : {}) };
      const list = await inbox.updateList(requestContext(request), request.params.id, patch, request.query.tenant);
      if (!list) throw notFound('no such list');
      return toListView(list);
    },
  );

  app.delete<{ Params: z.output<typeof params>; Querystring: z.output<typeof tenantQuery> }>(
    '/lists/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Remove a distribution list (tenant admins)',
        params: jsonSchema(params, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 204: { type: 'null', description: 'removed' }, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      if (!(await inbox.removeList(requestContext(request), request.params.id, request.query.tenant))) throw notFound('no such list');
      return reply.code(204).send();
    },
  );
}
