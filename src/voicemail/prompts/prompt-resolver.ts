/**
 * Finds the audio a call plays: an operator's override of a phrase (per mailbox, then
 * per tenant) from the AudioStore, else the built-in phrase; and the owner's recorded
 * greeting, else the standard greeting phrase.
 *
 * The rule that shapes everything here: a caller never hears silence because of a bad
 * upload. An override that is missing, unreadable or not decodable is skipped (and
 * logged, once per cache period) and the next source is used; the built-in catalog,
 * checked at startup, is always the last source.
 *
 * Overrides are decoded (any format parseWav reads, any rate, to 8 kHz) on first use
 * and kept in a small LRU, so that a busy mailbox does not re-read and re-resample its
 * greeting on every call. Absences are cached too, or every call would ask the store
 * twice for overrides that almost never exist (a round trip each on S3). Whoever writes
 * an override calls `invalidate(key)`; writes from another process (the CLI) are seen
 * when the entry expires (`ttlMs`).
 */
import { decodeWavTo8k } from '../../media/index.js';
import { systemClock, type Clock } from '../../shared/clock.js';
import type { Logger } from '../../shared/logger.js';
import type { GreetingReason, Language } from '../model.js';
import { StoreError, type AudioStore } from '../ports.js';
import type { BuiltinPrompts } from './builtin-prompts.js';
import { LruCache } from './lru-cache.js';
import { GREETING_PROMPTS, type PromptName } from './prompt-names.js';

/**
 * Whose prompt: an object rather than positional strings because tenant and mailbox
 * ids are both strings and a swapped pair would type-check and silently find nothing.
 */
export interface PromptScope {
  readonly tenantId: string;
  readonly mailboxId: string;
  readonly language: Language;
}

/** Where the audio came from (for logs and metrics). */
export type PromptSource = 'recording' | 'mailbox' | 'tenant' | 'builtin';

export interface ResolvedPrompt {
  /** 8 kHz mono PCM, shared with other calls: read it, never write to it. */
  readonly samples: Int16Array;
  readonly source: PromptSource;
  /** The AudioStore key it was read from; null for a built-in. */
  readonly key: string | null;
}

export interface PromptResolverOptions {
  /** Only `get` is used: the resolver never writes. */
  readonly store: Pick<AudioStore, 'get'>;
  readonly builtins: BuiltinPrompts;
  readonly logger: Logger;
  /** Decoded overrides (and known absences) kept. Default 64. */
  readonly cacheEntries?: number;
  /** How long a cached entry is trusted, for writes this process does not see. Default 60 s. */
  readonly ttlMs?: number;
  readonly clock?: Pick<Clock, 'now'>;
}

/** The mailbox-level directory name that marks a tenant-wide override; reserved as a mailbox id. */
export const TENANT_OVERRIDE_DIR = '_tenant';

/** AudioStore key of a mailbox's override of phrase `name`. */
export function mailboxPromptKey(scope: PromptScope, name: PromptName): string {
  return `prompts/${scope.tenantId}/${scope.mailboxId}/${scope.language}/${name}.wav`;
}

/** AudioStore key of a tenant-wide override of phrase `name`. */
export function tenantPromptKey(tenantId: string, language: Language, name: PromptName): string {
  return `prompts/${tenantId}/${TENANT_OVERRIDE_DIR}/${language}/${name}.wav`;
}

interface CacheEntry {
  /** The decoded audio, or null: absent or unusable. */
  readonly audio: Promise<Int16Array | null>;
  readonly expiresAt: number;
}

/** What one store read produced; `cacheable` is false for errors that may pass (I/O). */
interface Loaded {
  readonly audio: Int16Array | null;
  readonly cacheable: boolean;
}

export class PromptResolver {
  readonly #store: Pick<AudioStore, 'get'>;
  readonly #builtins: BuiltinPrompts;
  readonly #log: Logger;
  readonly #ttlMs: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #cache: LruCache<string, CacheEntry>;

  constructor(options: PromptResolverOptions) {
    this.#store = options.store;
    this.#builtins = options.builtins;
    this.#log = options.logger;
    this.#ttlMs = options.ttlMs ?? 60_000;
    this.#clock = options.clock ?? systemClock;
    this.#cache = new LruCache(options.cacheEntries ?? 64);
    if (!(this.#ttlMs >= 0)) throw new RangeError(`PromptResolver: ttlMs ${this.#ttlMs} is negative`);
  }

  /** Phrase `name`: the mailbox's override, else the tenant's, else the built-in. */
  async prompt(name: PromptName, scope: PromptScope): Promise<ResolvedPrompt> {
    if (validSegments(scope.tenantId, scope.mailboxId) && scope.mailboxId !== TENANT_OVERRIDE_DIR) {
      const key = mailboxPromptKey(scope, name);
      const samples = await this.#override(key);
      if (samples !== null) return { samples, source: 'mailbox', key };
    }
    if (validSegments(scope.tenantId)) {
      const key = tenantPromptKey(scope.tenantId, scope.language, name);
      const samples = await this.#override(key);
      if (samples !== null) return { samples, source: 'tenant', key };
    }
    return { samples: this.#builtins.get(name, scope.language), source: 'builtin', key: null };
  }

  /**
   * A recording the owner made (greeting, custom warning) at AudioStore key `audioKey`;
   * when there is none (null) or it cannot be played, phrase `fallback` as `prompt()`
   * finds it.
   */
  async recorded(audioKey: string | null, fallback: PromptName, scope: PromptScope): Promise<ResolvedPrompt> {
    if (audioKey !== null) {
      const samples = await this.#override(audioKey);
      if (samples !== null) return { samples, source: 'recording', key: audioKey };
    }
    return this.prompt(fallback, scope);
  }

  /** The greeting for `reason`: the owner's recording at `audioKey`, else the standard phrase. */
  greeting(audioKey: string | null, reason: GreetingReason, scope: PromptScope): Promise<ResolvedPrompt> {
    return this.recorded(audioKey, GREETING_PROMPTS[reason], scope);
  }

  /** Forget `key` (call after writing or deleting it), so the next call reads it again. */
  invalidate(key: string): void {
    this.#cache.delete(key);
  }

  /** Forget every cached override (e.g. after restoring a backup of the audio store). */
  clear(): void {
    this.#cache.clear();
  }

  /** The decoded audio at `key`, or null when absent or unusable; cached. */
  #override(key: string): Promise<Int16Array | null> {
    const now = this.#clock.now();
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.expiresAt > now) return cached.audio;

    // The promise itself is cached, so concurrent calls for one key share one read.
    const loading = this.#load(key);
    const entry: CacheEntry = { audio: loading.then((r) => r.audio), expiresAt: now + this.#ttlMs };
    this.#cache.set(key, entry);
    void loading.then((r) => {
      if (!r.cacheable && this.#cache.peek(key) === entry) this.#cache.delete(key);
    });
    return entry.audio;
  }

  /** Never rejects: every failure is logged and becomes "not there". */
  async #load(key: string): Promise<Loaded> {
    let bytes: Buffer | null;
    try {
      bytes = await this.#store.get(key);
    } catch (e) {
      // A StoreError is the store refusing this key (e.g. an invalid one): asking again
      // gives the same answer, so it is cached. Anything else may be transient (network
      // store, disk hiccup): not cached, the next call retries.
      const permanent = e instanceof StoreError;
      this.#log.warn({ code: 'VM_PROMPT_OVERRIDE_UNREADABLE', key, err: e }, 'could not read a prompt override; playing the next source');
      return { audio: null, cacheable: permanent };
    }
    if (bytes === null) return { audio: null, cacheable: true };
    let reason: string;
    try {
      const decoded = decodeWavTo8k(bytes);
      if (decoded.ok && decoded.value.length > 0) return { audio: decoded.value, cacheable: true };
      reason = decoded.ok ? 'no audio' : decoded.error;
    } catch (e) {
      // decodeWavTo8k is not meant to throw; if it ever does, it costs this file only.
      reason = `decoder error: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.#log.warn(
      { code: 'VM_PROMPT_OVERRIDE_INVALID', key, reason, sizeBytes: bytes.length },
      'a prompt override is not playable audio; playing the next source',
    );
    return { audio: null, cacheable: true };
  }
}

/**
 * Ids become path segments of store keys. One the store would refuse (its key rule,
 * src/store/audio/audio-key.ts: `[A-Za-z0-9._-]`, not starting with `.`, so no `..`)
 * is never used to build a key: the store would throw on every call, which the
 * resolver treats as a transient error and logs each time.
 */
const KEY_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

function validSegments(...ids: readonly string[]): boolean {
  return ids.every((id) => KEY_SEGMENT.test(id));
}
