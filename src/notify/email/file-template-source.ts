/**
 * Per-tenant template overrides as files, the embedded default (a database-backed
 * source can follow behind the same interface):
 *
 *   <dir>/<tenantId>/message.created.subject.ru.txt   the subject (one line)
 *   <dir>/<tenantId>/message.created.ru.txt           the plain-text body
 *   <dir>/<tenantId>/message.created.ru.html          the HTML body
 *   (likewise missed_call.*, and .en. for English)
 *
 * Files are read on every mail, so an edit applies to the next one without a restart.
 * Size is bounded: a template is a page of text, and a huge file must not be read into
 * every notification.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { VoxmailError } from '../../shared/errors.js';
import type { Language } from '../../voicemail/model.js';
import type { TemplateName, TemplateSource } from './templates.js';

export const DEFAULT_TEMPLATE_MAX_BYTES = 64 * 1024;

/** Stable code (docs/errors.md): an override file is over the size bound; the built-in is used. */
export const EMAIL_TEMPLATE_TOO_LARGE = 'VM_EMAIL_TEMPLATE_TOO_LARGE';

/** Tenant ids that can be a directory name: no separators, no dot segments. */
const TENANT_DIR = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface FileTemplateSourceOptions {
  /** Largest template file read, in bytes (default 64 KiB); a larger one is an error. */
  readonly maxBytes?: number;
}

export function fileTemplateSource(dir: string, options: FileTemplateSourceOptions = {}): TemplateSource {
  const root = path.resolve(dir);
  const maxBytes = options.maxBytes ?? DEFAULT_TEMPLATE_MAX_BYTES;
  return {
    async get(tenantId: string, name: TemplateName, language: Language): Promise<string | null> {
      if (!TENANT_DIR.test(tenantId)) return null;
      return readBounded(path.join(root, tenantId, templateFileName(name, language)), maxBytes);
    },
  };
}

/** `message.created.subject` + ru → `message.created.subject.ru.txt`; `.text` → `.ru.txt`; `.html` → `.ru.html`. */
export function templateFileName(name: TemplateName, language: Language): string {
  if (name.endsWith('.html')) return `${name.slice(0, -'.html'.length)}.${language}.html`;
  if (name.endsWith('.text')) return `${name.slice(0, -'.text'.length)}.${language}.txt`;
  return `${name}.${language}.txt`;
}

async function readBounded(file: string, maxBytes: number): Promise<string | null> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isAbsent(error)) return null;
    throw error;
  }
  try {
    // Read one byte past the bound rather than trusting fstat: the file may grow meanwhile.
    const buf = Buffer.alloc(maxBytes + 1);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) {
      throw new VoxmailError(EMAIL_TEMPLATE_TOO_LARGE, `template ${path.basename(file)} is larger than ${String(maxBytes)} bytes`);
    }
    return buf.subarray(0, filled).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
}

function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
