/**
 * The embedded default when no SMTP server is configured: each mail becomes a complete
 * RFC 5322 message file (`.eml`, CRLF line ends; any mail client opens it) in a folder
 * of the data directory, so nothing is silently dropped and an operator can forward or
 * re-inject the mails later.
 *
 * Written atomically (temp file → fsync → rename → fsync of the directory): a crash
 * leaves either the whole file or none, never a truncated mail. Named by the delivery
 * key, so a re-send of the same notification replaces its file instead of adding one.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** `message.created_0b8e…_email_bob@example.com-3f2a9c1d.eml`: readable, safe on every file system, unique per key. */
export function emlFileName(deliveryKey: string): string {
  const readable = deliveryKey.replace(/[^A-Za-z0-9._@+-]/g, '_').replace(/^\.+/, '_').slice(0, 150);
  const hash = createHash('sha256').update(deliveryKey).digest('hex').slice(0, 12);
  return `${readable}-${hash}.eml`;
}

/** Writes `data` to `<dir>/<fileName>` atomically; creates `dir` when missing. */
export async function writeEmlFile(dir: string, fileName: string, data: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, fileName);
  const temp = path.join(dir, `.${fileName}.${randomUUID()}.tmp`);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
  return file;
}
