/**
 * Greetings (one per reason) and the custom warning before the beep: upload
 * (`multipart/form-data`, file `audio`, any format of docs/api.md "Uploads"), text to
 * speech, delete (back to the standard phrase), and the preview of what a caller hears.
 * The domain (src/voicemail/settings/greetings.ts) converts, stores and audits; a
 * mailbox outside the caller's scope is 404 like one that does not exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GREETING_REASONS, LANGUAGES } from '../../voicemail/model.js';
import type { AudioSlot, Settings } from '../../voicemail/settings/index.js';
import { authOf } from '../auth/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { documentedBody, ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { mailboxView, toMailboxView, type MailboxView } from '../views.js';
import { requestContext } from './messages.js';

const TAGS = ['greetings'];
const FILE_FIELD = 'audio';

const byId = z.object({ id: idSchema });
const byReason = z.object({ id: idSchema, reason: z.enum(GREETING_REASONS) });
const ttsBody = z.object({
  text: z.string().min(1).max(1000).describe('what the built-in synthesiser says'),
  language: z.enum(LANGUAGES).optional().describe("default: the mailbox's language"),
});

const uploadBody = {
  content: {
    'multipart/form-data': {
      // For OpenAPI only (documentedBody): the handler reads the parts itself.
      schema: {
        description: `one file, "${FILE_FIELD}" (required)`,
        properties: {
          [FILE_FIELD]: { type: 'string', format: 'binary', description: 'WAV (any rate, PCM/float/µ-law/A-law), MP3, OGG/Vorbis, OGG/Opus or WebM/Opus; ≤ 20 MB, ≤ 5 minutes' },
        },
      },
    },
  },
};

const wavReply = {
  description: 'what a caller hears: WAV, 8 kHz 16-bit mono',
  content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
};

/** The one file `audio` of a multipart upload; anything else is a 400, a file over the limit 413. */
async function readUpload(request: FastifyRequest): Promise<Buffer> {
  if (!request.isMultipart()) throw new ApiError('VM_API_UNSUPPORTED_MEDIA_TYPE', `send multipart/form-data with the file "${FILE_FIELD}"`);
  let file: Buffer | null = null;
  for await (const part of request.parts()) {
    if (part.type !== 'file') throw new ApiError('VM_API_INVALID_REQUEST', `${part.fieldname}: unknown field (send only the file "${FILE_FIELD}")`);
    if (part.fieldname !== FILE_FIELD) {
      part.file.resume();
      throw new ApiError('VM_API_INVALID_REQUEST', `${part.fieldname}: unexpected file (the audio goes in "${FILE_FIELD}")`);
    }
    // Throws FST_REQ_FILE_TOO_LARGE past the upload limit (→ 413 VM_API_BODY_TOO_LARGE).
    file = await part.toBuffer();
  }
  if (file === null) throw new ApiError('VM_API_INVALID_REQUEST', `${FILE_FIELD}: the file is required`);
  return file;
}

/** Aborted when the client goes away, so a queued conversion does not run for nobody. */
function clientGone(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // The socket, not the request: a request emits 'close' as soon as its body is read.
  const socket = request.raw.socket;
  const onClose = (): void => controller.abort();
  socket.once('close', onClose);
  reply.raw.once('close', () => socket.off('close', onClose));
  return controller.signal;
}

function sendWav(reply: FastifyReply, wav: Buffer, name: string): FastifyReply {
  return reply.type('audio/wav').header('content-disposition', `inline; filename="${name}.wav"`).send(wav);
}

export function registerGreetingRoutes(app: FastifyInstance, settings: Settings): void {
  const g = settings.greetings;
  const mailboxReply = { 200: jsonSchema(mailboxView), ...ERROR_RESPONSES };
  const greetingSlot = (reason: z.output<typeof byReason>['reason']): AudioSlot => ({ kind: 'greeting', reason });
  const warningSlot: AudioSlot = { kind: 'warning' };
  const found = (m: Parameters<typeof toMailboxView>[0] | null): MailboxView => {
    if (!m) throw notFound('no such mailbox');
    return toMailboxView(m);
  };

  // --- greetings/{reason}
  app.put<{ Params: z.output<typeof byReason>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/greetings/:reason',
    {
      schema: {
        tags: TAGS,
        summary: 'Upload the greeting for a reason (converted to 8 kHz mono WAV, loudness-normalised) → the mailbox',
        params: jsonSchema(byReason, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: mailboxReply,
      },
      config: documentedBody(uploadBody),
    },
    async (request, reply): Promise<MailboxView> => {
      const audio = await readUpload(request);
      return found(await g.upload(requestContext(request), request.params.id, request.query.tenant, greetingSlot(request.params.reason), audio, clientGone(request, reply)));
    },
  );

  app.post<{ Params: z.output<typeof byReason>; Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof ttsBody> }>(
    '/mailboxes/:id/greetings/:reason/tts',
    {
      schema: {
        tags: TAGS,
        summary: 'The greeting for a reason spoken from text by the built-in synthesiser → the mailbox',
        params: jsonSchema(byReason, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(ttsBody, 'input'),
        response: mailboxReply,
      },
    },
    async (request, reply): Promise<MailboxView> => {
      const { text, language } = request.body;
      return found(await g.speak(requestContext(request), request.params.id, request.query.tenant, greetingSlot(request.params.reason), text, language, clientGone(request, reply)));
    },
  );

  app.delete<{ Params: z.output<typeof byReason>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/greetings/:reason',
    {
      schema: {
        tags: TAGS,
        summary: 'Back to the standard phrase for the reason → the mailbox',
        params: jsonSchema(byReason, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: mailboxReply,
      },
    },
    async (request): Promise<MailboxView> => found(await g.remove(requestContext(request), request.params.id, request.query.tenant, greetingSlot(request.params.reason))),
  );

  app.get<{ Params: z.output<typeof byReason>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/greetings/:reason/audio',
    {
      schema: {
        tags: TAGS,
        summary: 'Preview: the greeting a caller hears for the reason (custom, else the standard phrase)',
        params: jsonSchema(byReason, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: wavReply, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const wav = await g.preview(authOf(request).principal, request.params.id, request.query.tenant, greetingSlot(request.params.reason));
      if (!wav) throw notFound('no such mailbox');
      return sendWav(reply, wav, `greeting-${request.params.reason}`);
    },
  );

  // --- warning
  app.put<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/warning',
    {
      schema: {
        tags: TAGS,
        summary: 'Upload the custom warning played before the beep → the mailbox',
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: mailboxReply,
      },
      config: documentedBody(uploadBody),
    },
    async (request, reply): Promise<MailboxView> => {
      const audio = await readUpload(request);
      return found(await g.upload(requestContext(request), request.params.id, request.query.tenant, warningSlot, audio, clientGone(request, reply)));
    },
  );

  app.post<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery>; Body: z.output<typeof ttsBody> }>(
    '/mailboxes/:id/warning/tts',
    {
      schema: {
        tags: TAGS,
        summary: 'The custom warning spoken from text → the mailbox',
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        body: jsonSchema(ttsBody, 'input'),
        response: mailboxReply,
      },
    },
    async (request, reply): Promise<MailboxView> => {
      const { text, language } = request.body;
      return found(await g.speak(requestContext(request), request.params.id, request.query.tenant, warningSlot, text, language, clientGone(request, reply)));
    },
  );

  app.delete<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/warning',
    {
      schema: {
        tags: TAGS,
        summary: 'Remove the custom warning (a custom warning mode falls back to standard) → the mailbox',
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: mailboxReply,
      },
    },
    async (request): Promise<MailboxView> => found(await g.remove(requestContext(request), request.params.id, request.query.tenant, warningSlot)),
  );

  app.get<{ Params: z.output<typeof byId>; Querystring: z.output<typeof tenantQuery> }>(
    '/mailboxes/:id/warning/audio',
    {
      schema: {
        tags: TAGS,
        summary: 'Preview: the custom warning, or the standard phrase when there is none',
        params: jsonSchema(byId, 'input'),
        querystring: jsonSchema(tenantQuery, 'input'),
        response: { 200: wavReply, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const wav = await g.preview(authOf(request).principal, request.params.id, request.query.tenant, warningSlot);
      if (!wav) throw notFound('no such mailbox');
      return sendWav(reply, wav, 'warning');
    },
  );
}
