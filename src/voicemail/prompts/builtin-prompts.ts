/**
 * The built-in phrases shipped in the repository's `prompts/<lang>/<name>.wav`, decoded
 * once at startup to 8 kHz PCM and then served from memory for every call.
 *
 * Why eagerly and all at once: they are small (~1 MB in all), every call needs some of
 * them, and a missing or corrupt file must stop the server at startup with one clear
 * message listing every bad file — not surface as silence in the middle of a caller's
 * call hours later.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeWavTo8k } from '../../media/index.js';
import { VoxmailError } from '../../shared/errors.js';
import { LANGUAGES, type Language } from '../model.js';
import { PROMPT_NAMES, type PromptName } from './prompt-names.js';

/**
 * `<repo>/prompts/`, located from this module so it is right both from
 * `src/voicemail/prompts/*.ts` (tsx) and from `dist/voicemail/prompts/*.js` (after
 * `tsc`): the two trees have the same depth. A deployment ships `prompts/` next to `dist/`.
 */
export const BUILTIN_PROMPTS_DIR: URL = new URL('../../../prompts/', import.meta.url);

/** The catalog, decoded: every PromptName in every Language. */
export class BuiltinPrompts {
  private constructor(
    /** Where the files came from (for messages). */
    readonly dir: string,
    private readonly audio: ReadonlyMap<string, Int16Array>,
  ) {}

  /**
   * Reads and decodes every `<dir>/<lang>/<name>.wav`. Rejects with VoxmailError
   * `VM_PROMPT_MISSING` naming every file that is missing, unreadable, not a WAV we can
   * decode, or empty.
   */
  static async load(dir: URL | string = BUILTIN_PROMPTS_DIR): Promise<BuiltinPrompts> {
    const base = directoryUrl(dir);
    const entries = LANGUAGES.flatMap((language) => PROMPT_NAMES.map((name) => ({ language, name })));
    const results = await Promise.all(
      entries.map(async ({ language, name }) => {
        const file = `${language}/${name}.wav`;
        const decoded = await readPrompt(new URL(file, base));
        return { key: catalogKey(name, language), file, decoded };
      }),
    );
    const audio = new Map<string, Int16Array>();
    const problems: string[] = [];
    for (const { key, file, decoded } of results) {
      if (typeof decoded === 'string') problems.push(`${file} (${decoded})`);
      else audio.set(key, decoded);
    }
    const path = fileURLToPath(base);
    if (problems.length > 0) {
      throw new VoxmailError(
        'VM_PROMPT_MISSING',
        `${problems.length} built-in prompt file(s) missing or broken in ${path}: ${problems.join('; ')}. ` +
          'Restore them from the repository or run scripts/make-prompts.sh.',
      );
    }
    return new BuiltinPrompts(path, audio);
  }

  /**
   * The phrase as 8 kHz mono PCM. The array is shared by every call that plays it:
   * read it, never write to it.
   */
  get(name: PromptName, language: Language): Int16Array {
    const samples = this.audio.get(catalogKey(name, language));
    // Unreachable after load() (it checked every name × language), unless a caller
    // smuggled an unchecked string past the types.
    if (samples === undefined) throw new VoxmailError('VM_PROMPT_MISSING', `no built-in prompt ${language}/${name}`);
    return samples;
  }
}

/** One load per directory per process: the catalog is immutable, so sharing it is safe. */
const loaded = new Map<string, Promise<BuiltinPrompts>>();

/**
 * The built-in catalog, loaded on first use and cached (by directory) for the life of
 * the process. A failed load is not cached, so a fixed installation can retry.
 */
export function loadBuiltinPrompts(dir: URL | string = BUILTIN_PROMPTS_DIR): Promise<BuiltinPrompts> {
  const href = directoryUrl(dir).href;
  let promise = loaded.get(href);
  if (promise === undefined) {
    promise = BuiltinPrompts.load(dir);
    loaded.set(href, promise);
    promise.catch(() => loaded.delete(href));
  }
  return promise;
}

/** The decoded samples, or why the file cannot be used. */
async function readPrompt(url: URL): Promise<Int16Array | string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(url);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'missing' : `unreadable: ${e instanceof Error ? e.message : String(e)}`;
  }
  const decoded = decodeWavTo8k(bytes);
  if (!decoded.ok) return decoded.error;
  if (decoded.value.length === 0) return 'no audio';
  return decoded.value;
}

function catalogKey(name: PromptName, language: Language): string {
  return `${language}/${name}`;
}

/** A directory as a file: URL ending in `/`, so relative file names resolve inside it. */
function directoryUrl(dir: URL | string): URL {
  const url = typeof dir === 'string' ? pathToFileURL(dir) : new URL(dir.href);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
