/**
 * Forward and broadcast: copies of a message (with an optional spoken comment) or of an
 * uploaded recording, to mailboxes and distribution lists of the caller's tenant. Bodies
 * are `multipart/form-data` (fields `to` and `list`, repeatable; one audio file); a
 * forward without a comment may also be JSON `{to, lists}`. Uploaded audio is decoded by
 * the domain's AudioConverter; a target outside the tenant is 404 like an unknown id.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Inbox, Targets } from '../../voicemail/accounts/index.js';
import { ApiError, notFound } from '../errors.js';
import { documentedBody, ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { messageView, toMessageView } from '../views.js';
import { messageParams, requestContext } from './messages.js';

const TAGS = ['messages'];
const MAX_TARGETS = 1000;

const targetsJson = z.object({
  to: z.array(idSchema).max(MAX_TARGETS).optional().describe('mailbox ids of the same tenant'),
  lists: z.array(idSchema).max(MAX_TARGETS).optional().describe('distribution list ids'),
});
const copiesReply = z.object({ messages: z.array(messageView).describe('one new message per target mailbox') });

/** The multipart form, for OpenAPI only (documentedBody): the handler reads the parts itself. */
function formSchema(file: 'comment' | 'audio', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    description: `fields to (mailbox id, repeatable) and list (list id, repeatable); file ${file}`,
    properties: {
      to: { type: 'array', items: { type: 'string' } },
      list: { type: 'array', items: { type: 'string' } },
      [file]: { type: 'string', format: 'binary', description: 'audio: WAV, MP3, OGG/Vorbis, OGG/Opus, WebM/Opus; ≤ 20 MB, ≤ 10 min' },
      ...extra,
    },
  };
}

interface Form {
  readonly targets: Targets;
  readonly tenant: string | undefined;
  readonly file: Buffer | null;
}

const idRule = idSchema;

/** Reads the fields and the one file named `fileField`; anything else is a 400. */
async function readForm(request: FastifyRequest, fileField: string, allowTenant: boolean): Promise<Form> {
  const to: string[] = [];
  const lists: string[] = [];
  let tenant: string | undefined;
  let file: Buffer | null = null;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== fileField) {
        part.file.resume();
        throw new ApiError('VM_API_INVALID_REQUEST', `${part.fieldname}: unexpected file (the audio goes in "${fileField}")`);
      }
      // Throws FST_REQ_FILE_TOO_LARGE past the upload limit (→ 413).
      file = await part.toBuffer();
      continue;
    }
    const value = typeof part.value === 'string' ? part.value : String(part.value);
    const check = (field: string): string => {
      if (!idRule.safeParse(value).success) throw new ApiError('VM_API_INVALID_REQUEST', `${field}: must be an id (1–64 letters, digits, "-" or "_")`);
      return value;
    };
    if (part.fieldname === 'to') to.push(check('to'));
    else if (part.fieldname === 'list') lists.push(check('list'));
    else if (part.fieldname === 'tenant' && allowTenant) tenant = check('tenant');
    else throw new ApiError('VM_API_INVALID_REQUEST', `${part.fieldname}: unknown field`);
  }
  return { targets: { to, lists }, tenant, file };
}

export function registerForwardRoutes(app: FastifyInstance, inbox: Inbox, apiPrefix: string): void {
  app.post<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof tenantQuery> }>(
    '/messages/:id/forward',
    {
      schema: {
        tags: TAGS,
        summary: 'Copies of the message to mailboxes and lists of its tenant, with an optional spoken comment before it',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 201: jsonSchema(copiesReply), ...ERROR_RESPONSES },
      },
      config: documentedBody({
        content: {
          'multipart/form-data': { schema: formSchema('comment') },
          'application/json': { schema: jsonSchema(targetsJson, 'input') },
        },
      }),
    },
    async (request, reply) => {
      let targets: Targets;
      let comment: Buffer | null = null;
      if (request.isMultipart()) {
        const form = await readForm(request, 'comment', false);
        targets = form.targets;
        comment = form.file;
      } else {
        const parsed = targetsJson.safeParse(request.body ?? {});
        if (!parsed.success) throw new ApiError('VM_API_INVALID_REQUEST', 'body: {to?: [mailbox ids], lists?: [list ids]}');
        const body = parsed.data;
        targets = { to: body.to ?? [], lists: body.lists ?? [] };
      }
      const copies = await inbox.forward(requestContext(request), request.params.id, targets, comment, request.query.tenant);
      if (!copies) throw notFound('no such message');
      return reply.code(201).send({ messages: copies.map((m) => toMessageView(m, apiPrefix)) });
    },
  );

  app.post(
    '/broadcasts',
    {
      schema: {
        tags: TAGS,
        summary: 'An uploaded recording sent as a new message to mailboxes and lists of the tenant',
        response: { 201: jsonSchema(copiesReply), ...ERROR_RESPONSES },
      },
      config: documentedBody({ content: { 'multipart/form-data': { schema: formSchema('audio', { tenant: { type: 'string', description: 'platform admins: the tenant' } }) } } }),
    },
    async (request, reply) => {
      if (!request.isMultipart()) throw new ApiError('VM_API_UNSUPPORTED_MEDIA_TYPE', 'a broadcast is multipart/form-data with the file "audio"');
      const form = await readForm(request, 'audio', true);
      if (form.file === null) throw new ApiError('VM_API_INVALID_REQUEST', 'audio: the recording to broadcast is required');
      const copies = await inbox.broadcast(requestContext(request), form.targets, form.file, form.tenant);
      if (!copies) throw notFound('no such tenant');
      return reply.code(201).send({ messages: copies.map((m) => toMessageView(m, apiPrefix)) });
    },
  );
}
