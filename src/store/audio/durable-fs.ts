/**
 * The few steps that make a file change survive a crash or power loss on POSIX file
 * systems: data fsynced before the rename that publishes it, and the directory fsynced
 * after any change to its entries (a rename, a new subdirectory), since the entry lives
 * in the directory, not in the file.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  await fsyncFile(dir);
}

/** mkdir -p, then fsync the parent of every directory it created so that they persist. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // `first` is the top-most directory created; every one from there down to `dir` is new.
  const top = path.resolve(first);
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d));
    if (d === top || d === path.dirname(d)) return;
  }
}

/** Writes `data` to `file` atomically: a temp file in the same directory → fsync → rename → fsync dir. */
export async function writeFileDurable(file: string, data: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await mkdirDurable(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${randomUUID()}.tmp`);
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
  await fsyncDir(dir);
}
