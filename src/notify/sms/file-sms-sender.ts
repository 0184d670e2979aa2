/**
 * The embedded default when no SMSC or gateway is configured (issue 5: never silently
 * dropped): each SMS becomes a JSON file in a directory (e.g. `<data>/sms-outbox/`) and
 * a log line, so that an operator sees what would have been sent and a test can read it.
 *
 * Files are written atomically (temporary file → fsync → rename → fsync of the
 * directory), so a reader never sees half a file, and named by the notification id, so
 * that a retried delivery rewrites the same file rather than adding a second one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../../shared/logger.js';
import type { DeliveryResult } from '../../voicemail/ports.js';
import { segmentSms } from './segments.js';
import { normalizeSmsNumber, SmsChannelSender, type SendTextOptions } from './sms-channel.js';

export interface FileSmsSenderOptions {
  readonly dir: string;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** What each file holds. */
export interface SmsFileRecord {
  readonly id: string;
  readonly to: string;
  readonly text: string;
  /** How it would go over SMPP. */
  readonly coding: 'gsm7' | 'ucs2';
  readonly parts: number;
  /** ISO 8601 UTC. */
  readonly writtenAt: string;
}

async function writeAtomically(file: string, data: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  // The rename is durable only once the directory is (POSIX); Windows cannot open directories.
  const dir = await open(path.dirname(file), 'r').catch(() => null);
  if (dir) {
    try {
      await dir.sync();
    } catch {
      // Some file systems refuse fsync on directories; the file itself is synced.
    } finally {
      await dir.close();
    }
  }
}

export class FileSmsSender extends SmsChannelSender {
  private readonly clock: () => Date;
  private readonly log: Logger;
  private seq = 0;

  constructor(private readonly o: FileSmsSenderOptions) {
    const now = o.now ?? (() => new Date());
    super(now);
    this.clock = now;
    this.log = o.logger.child({ module: 'sms', dir: o.dir });
  }

  async sendText(to: string, text: string, options: SendTextOptions = {}): Promise<DeliveryResult> {
    const number = normalizeSmsNumber(to);
    if (number === null) return { ok: false, permanent: true, error: `not a phone number: ${JSON.stringify(to)}` };
    const sms = segmentSms(text, 0);
    if (!sms.ok) return { ok: false, permanent: true, error: sms.error };
    const writtenAt = this.clock();
    // Without a notification id (a test SMS): time and a counter keep names unique.
    const id = options.id ?? `${writtenAt.toISOString().replace(/[:.]/g, '-')}-${String(++this.seq)}`;
    const name = `sms-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.json`;
    const record: SmsFileRecord = { id, to: number, text, coding: sms.value.coding, parts: sms.value.parts.length, writtenAt: writtenAt.toISOString() };
    const file = path.join(this.o.dir, name);
    try {
      await mkdir(this.o.dir, { recursive: true });
      await writeAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
    } catch (e) {
      const error = `cannot write SMS file ${file}: ${e instanceof Error ? e.message : String(e)}`;
      this.log.error({ code: 'VM_SMS_FILE_WRITE_FAILED', err: e }, error);
      return { ok: false, permanent: false, error };
    }
    this.log.info({ code: 'VM_SMS_FILE', to: number, file }, 'no SMSC configured: SMS written to a file');
    return { ok: true, providerId: name, detail: `written to ${file}` };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
