import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AudioStore } from '../../src/voicemail/ports.js';

/**
 * A read-only AudioStore over a directory, for tests of code that only reads audio
 * (the prompt resolver): key `a/b.wav` is the file `<root>/a/b.wav`. Real files, real
 * ENOENT, no mocks. Stands in until `FsAudioStore` (src/store/audio/) exists; tests
 * can switch to it unchanged, since they only call `get`.
 */
export class DirAudioStore implements Pick<AudioStore, 'get'> {
  /** Keys asked for, in order (to check what was read and how often). */
  readonly reads: string[] = [];

  constructor(readonly root: string) {}

  async get(key: string): Promise<Buffer | null> {
    this.reads.push(key);
    if (key.split('/').some((s) => s === '' || s === '.' || s === '..')) throw new Error(`bad audio key ${JSON.stringify(key)}`);
    try {
      return await readFile(path.join(this.root, ...key.split('/')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
}
