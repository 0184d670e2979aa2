/**
 * The default AudioStore: plain files under one root directory.
 *
 *   <root>/<key>                    committed objects (messages, greetings, prompts)
 *   <root>/.partial/<id>.wav        recordings in progress (ADR 0002)
 *   <root>/<dir>/.<name>.<uuid>.tmp a `put` being written
 *
 * Keys are validated (audio-key.ts) before any path is built, so no key reaches
 * outside the root or into `.partial/`. Durability: an object is visible under its
 * key only once its bytes are on disk (fsync → rename → fsync of the directory).
 */
import { createReadStream as fsCreateReadStream, mkdirSync } from 'node:fs';
import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { StoreError, type AudioStore } from '../../voicemail/ports.js';
import { assertAudioKey, assertPartialId, PARTIAL_ID } from './audio-key.js';
import { fsyncDir, fsyncFile, mkdirDurable, writeFileDurable } from './durable-fs.js';

const PARTIAL_DIR = '.partial';

export class FsAudioStore implements AudioStore {
  readonly rootDir: string;
  readonly #partialDir: string;

  /** Creates `<root>/.partial` at once (synchronously): the recorder writes there without asking. */
  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
    this.#partialDir = path.join(this.rootDir, PARTIAL_DIR);
    mkdirSync(this.#partialDir, { recursive: true });
  }

  partialPath(id: string): string {
    assertPartialId(id);
    return path.join(this.#partialDir, `${id}.wav`);
  }

  async listPartials(): Promise<string[]> {
    const names = await readdir(this.#partialDir).catch(ifMissing<string[]>([]));
    return names
      .filter((n) => n.endsWith('.wav'))
      .map((n) => n.slice(0, -'.wav'.length))
      .filter((id) => PARTIAL_ID.test(id))
      .sort();
  }

  /** fsync the partial, rename it under `key` (replacing an older object), fsync both directories. */
  async commitPartial(id: string, key: string): Promise<{ sizeBytes: number }> {
    const from = this.partialPath(id);
    const to = this.#pathOf(key);
    try {
      await fsyncFile(from);
    } catch (error) {
      if (isMissing(error)) throw new StoreError('VM_STORE_NOT_FOUND', `no partial recording ${id}`);
      throw error;
    }
    const { size } = await stat(from);
    await mkdirDurable(path.dirname(to));
    await rename(from, to);
    await fsyncDir(path.dirname(to));
    await fsyncDir(this.#partialDir);
    return { sizeBytes: size };
  }

  async removePartial(id: string): Promise<void> {
    await unlink(this.partialPath(id)).catch(ifMissing(undefined));
  }

  async put(key: string, data: Buffer): Promise<void> {
    await writeFileDurable(this.#pathOf(key), data);
  }

  async get(key: string): Promise<Buffer | null> {
    return readFile(this.#pathOf(key)).catch(ifMissing(null));
  }

  async stat(key: string): Promise<{ sizeBytes: number } | null> {
    const s = await stat(this.#pathOf(key)).catch(ifMissing(null));
    return s?.isFile() ? { sizeBytes: s.size } : null;
  }

  /** A missing object makes the stream emit ENOENT; callers `stat` first to answer 404. */
  createReadStream(key: string, range?: { start: number; end: number }): Readable {
    const file = this.#pathOf(key);
    if (range === undefined) return fsCreateReadStream(file);
    const { start, end } = range;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new StoreError('VM_STORE_INVALID', `range: must be integers 0 ≤ start ≤ end (got ${String(start)}-${String(end)})`);
    }
    return fsCreateReadStream(file, { start, end });
  }

  async delete(key: string): Promise<void> {
    await unlink(this.#pathOf(key)).catch(ifMissing(undefined));
  }

  #pathOf(key: string): string {
    assertAudioKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** A `.catch` handler: `fallback` when the file (or a directory on its path) is missing, else rethrow. */
function ifMissing<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (isMissing(error)) return fallback;
    throw error;
  };
}
