/**
 * `GET /mailboxes/{id}/export.zip`: a whole mailbox (or one folder) as a zip, streamed —
 * `index.csv` and `index.json` (every field of the message view, plus `file`) first, then
 * `messages/<receivedAt>_<caller>_<id>.wav`, one audio file at a time: the next file is
 * opened only when the previous entry was written, so a slow client holds back the
 * reading and nothing larger than a stream buffer is ever held. Audited once per export
 * (`message.download`, detail `export: true`).
 */
import { PassThrough, Readable } from 'node:stream';
import { ZipArchive } from 'archiver';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { FOLDERS, type Message } from '../../voicemail/model.js';
import { authOf } from '../auth/authenticate.js';
import type { Inbox } from '../../voicemail/accounts/index.js';
import { notFound } from '../errors.js';
import { ERROR_RESPONSES, idSchema, jsonSchema, tenantQuery } from '../schema.js';
import { messageView, toMessageView, type MessageView } from '../views.js';
import { requestContext } from './messages.js';

const params = z.object({ id: idSchema });
const exportQuery = tenantQuery.extend({ folder: z.enum(FOLDERS).optional().describe('only this folder') });

/** The columns of index.csv: the message view's fields, then `file`. */
const CSV_COLUMNS = [...Object.keys(messageView.shape), 'file'] as const;

/** `messages/<receivedAt>_<caller>_<id>.wav`, safe on every file system (no `:`; the caller's number reduced to digits, `+`, letters). */
export function exportFileName(m: Message): string {
  const at = m.receivedAt.replace(/:/g, '-');
  const caller = (m.callerNumber ?? '').replace(/[^A-Za-z0-9+]/g, '').slice(0, 32) || 'unknown';
  return `messages/${at}_${caller}_${m.id}.wav`;
}

/**
 * One CSV field (RFC 4180 quoting). Text from callers is untrusted: a value a spreadsheet
 * would run as a formula (`=`, `@`, a tab or CR first, or `+`/`-` not followed by a
 * digit) gets a leading `'`.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  if (/^[=@\t\r]/.test(text) || /^[+-](?![0-9])/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

type IndexRow = MessageView & { readonly file: string | null };

function csvOf(rows: readonly IndexRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => csvField((r as Record<string, unknown>)[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function registerExportRoute(app: FastifyInstance, inbox: Inbox, apiPrefix: string): void {
  app.get<{ Params: z.output<typeof params>; Querystring: z.output<typeof exportQuery> }>(
    '/mailboxes/:id/export.zip',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'The mailbox as a zip (index.csv, index.json, messages/*.wav), streamed; audited',
        params: jsonSchema(params, 'input'),
        querystring: jsonSchema(exportQuery, 'input'),
        response: {
          200: { description: 'the zip', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { tenant, folder } = request.query;
      const fileName = `mailbox-${id}${folder !== undefined ? `-${folder}` : ''}.zip`;
      const headers = { 'content-type': 'application/zip', 'content-disposition': `attachment; filename="${fileName}"` };
      if (request.method === 'HEAD') {
        // Fastify's automatic HEAD route: the headers only, no export (nor audit row).
        if (!(await inbox.getMailbox(authOf(request).principal, id, tenant))) throw notFound('no such mailbox');
        return reply.headers(headers).send(Readable.from([]));
      }
      const exported = await inbox.exportMailbox(requestContext(request), id, folder, tenant);
      if (!exported) throw notFound('no such mailbox');

      const names = new Map<string, string>();
      for (const m of exported.messages) names.set(m.id, exportFileName(m));
      const rows: IndexRow[] = exported.messages.map((m) => ({ ...toMessageView(m, apiPrefix), file: names.get(m.id) ?? null }));

      const zip = new ZipArchive({ zlib: { level: 6 } });
      const out = new PassThrough();
      zip.on('warning', (e) => request.log.warn({ err: e }, 'zip export warning'));
      zip.on('error', (e) => {
        request.log.error({ err: e }, 'zip export failed');
        out.destroy(e);
      });
      zip.pipe(out);

      const entryWritten = (): Promise<void> =>
        new Promise((resolve, reject) => {
          const done = (): void => {
            zip.off('error', fail);
            resolve();
          };
          const fail = (e: Error): void => {
            zip.off('entry', done);
            reject(e);
          };
          zip.once('entry', done);
          zip.once('error', fail);
        });

      const fill = async (): Promise<void> => {
        zip.append(csvOf(rows), { name: 'index.csv' });
        zip.append(`${JSON.stringify({ mailbox: { tenantId: exported.mailbox.tenantId, id: exported.mailbox.id, name: exported.mailbox.name }, folder: folder ?? null, messages: rows }, null, 2)}\n`, {
          name: 'index.json',
        });
        for (const m of exported.messages) {
          if (out.destroyed) return;
          const audio = await exported.open(m);
          if (!audio) {
            request.log.warn({ message: m.id }, 'zip export: audio file missing, skipped');
            continue;
          }
          const written = entryWritten();
          // WAV barely compresses: stored, which also costs no CPU.
          zip.append(audio, { name: names.get(m.id) ?? `${m.id}.wav`, date: new Date(m.receivedAt), store: true });
          await written;
        }
        await zip.finalize();
      };
      // The client going away stops the reading of further files.
      reply.raw.on('close', () => {
        if (!reply.raw.writableFinished) {
          zip.abort();
          out.destroy();
        }
      });
      void fill().catch((e: unknown) => {
        request.log.error({ err: e }, 'zip export failed');
        zip.abort();
        out.destroy(e instanceof Error ? e : new Error(String(e)));
      });
      return reply.headers(headers).send(out);
    },
  );
}
