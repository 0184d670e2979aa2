/**
 * `GET /messages/:id/audio`: the WAV, with what browsers need to seek in an <audio>
 * element (Chrome and Safari both fetch with `Range` and refuse to seek without a 206):
 * `Accept-Ranges: bytes`, 206 + `Content-Range` for one range, 416 + `Content-Range:
 * bytes *\/size` for a range past the end, a strong `ETag` (a message's audio never
 * changes) honoured by `If-None-Match` (304) and `If-Range`. Bytes are streamed from the
 * AudioStore, never buffered whole. A download is audited once per playback: when the
 * request starts at byte 0 (the first request of a player), not for every seek.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Inbox } from '../../voicemail/accounts/index.js';
import { authOf } from '../auth/authenticate.js';
import { ApiError, notFound } from '../errors.js';
import { parseRange } from '../range.js';
import { ERROR_RESPONSES, jsonSchema, tenantQuery } from '../schema.js';
import { messageParams, requestContext } from './messages.js';

const audioQuery = tenantQuery.extend({
  download: z.boolean().optional().describe('true: Content-Disposition attachment (save as a file) instead of inline'),
});

const wav = (description: string): Record<string, unknown> => ({
  description,
  content: { 'audio/wav': { schema: { type: 'string', format: 'binary' } } },
});

/**
 * The body of a HEAD answer. Fastify's automatic HEAD route keeps our Content-Length for a
 * stream (and drains it) but sets 0 for no payload, so an empty stream it is: the file is
 * not even opened.
 */
const noBody = (): Readable => Readable.from([]);

/** Whether an If-None-Match / If-Range value names our entity tag (strong comparison; `*` matches any). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag === etag;
  });
}

export function registerAudioRoute(app: FastifyInstance, inbox: Inbox): void {
  app.get<{ Params: z.output<typeof messageParams>; Querystring: z.output<typeof audioQuery> }>(
    '/messages/:id/audio',
    {
      schema: {
        tags: ['messages'],
        summary: 'The recording (audio/wav, 8 kHz 16-bit mono) with HTTP Range support for seeking',
        params: jsonSchema(messageParams, 'input'),
        querystring: jsonSchema(audioQuery, 'input'),
        response: {
          200: wav('the whole recording'),
          206: wav('the requested byte range (Content-Range says which)'),
          304: { type: 'null', description: 'unchanged (If-None-Match)' },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const audio = await inbox.audioOf(authOf(request).principal, request.params.id, request.query.tenant);
      if (!audio) throw notFound('no such message');
      const { sizeBytes: size, etag, message } = audio;
      reply.headers({
        'accept-ranges': 'bytes',
        etag,
        'cache-control': 'private, no-cache',
        'content-disposition': `${request.query.download === true ? 'attachment' : 'inline'}; filename="message-${message.id}.wav"`,
      });
      if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();

      const ifRange = request.headers['if-range'];
      const rangeHeader = ifRange === undefined || ifRange === etag ? request.headers.range : undefined;
      const range = parseRange(rangeHeader, size);
      if (range.kind === 'unsatisfiable') {
        throw new ApiError('VM_API_RANGE_NOT_SATISFIABLE', `the recording has ${String(size)} bytes`, { 'content-range': `bytes */${String(size)}` });
      }
      const isHead = request.method === 'HEAD';
      if (!isHead && (range.kind === 'full' || range.start === 0)) {
        await inbox.recordDownload(requestContext(request), message, { range: range.kind === 'full' ? null : `${String(range.start)}-${String(range.end)}` });
      }
      reply.type('audio/wav');
      if (range.kind === 'full') {
        reply.code(200).header('content-length', String(size));
        return reply.send(isHead ? noBody() : audio.open());
      }
      reply
        .code(206)
        .header('content-range', `bytes ${String(range.start)}-${String(range.end)}/${String(size)}`)
        .header('content-length', String(range.end - range.start + 1));
      return reply.send(isHead ? noBody() : audio.open({ start: range.start, end: range.end }));
    },
  );
}
