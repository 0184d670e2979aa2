/** `GET /mailboxes` and `GET /mailboxes/:id`: the mailboxes the caller may see (settings without secrets). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Inbox } from '../../voicemail/accounts/index.js';
import { authOf } from '../auth/authenticate.js';
import { notFound } from '../errors.js';
import { ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { mailboxView, toMailboxView, type MailboxView } from '../views.js';

const byId = z.object({ id: idSchema });
const listReply = z.object({ mailboxes: z.array(mailboxView) });
const TAGS = ['mailboxes'];

export function registerMailboxRoutes(app: FastifyInstance, inbox: Inbox): void {
  app.get<{ Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes',
    {
      schema: {
        tags: TAGS,
        summary: 'The mailboxes the caller may see: all of a tenant for its admins, their own for owners',
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(listReply), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<z.output<typeof listReply>> => {
      const found = await inbox.listMailboxes(authOf(request).principal, request.query.tenant);
      if (!found) throw notFound('no such tenant');
      return { mailboxes: found.map(toMailboxView) };
    },
  );

  app.get<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'One mailbox and its settings (404 also for a mailbox the caller may not see)',
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: jsonSchema(mailboxView), ...ERROR_RESPONSES },
      },
    },
    async (request): Promise<MailboxView> => {
      const m = await inbox.getMailbox(authOf(request).principal, request.params.id, request.query.tenant);
      if (!m) throw notFound('no such mailbox');
      return toMailboxView(m);
    },
  );
}
