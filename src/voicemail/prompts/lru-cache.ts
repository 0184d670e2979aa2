/**
 * A bounded least-recently-used map: the resolver's cache of decoded overrides.
 *
 * Why our own: ten lines on top of `Map`, whose iteration order is insertion order, so
 * re-inserting on every hit keeps the least recently used key first. Not worth a
 * dependency (the resampler's kernel cache does the same).
 */
export class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();

  constructor(maxEntries: number) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) throw new RangeError(`LruCache: size ${maxEntries} is not a positive integer`);
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key) as V;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  /** Inserts or replaces, evicting the least recently used entry beyond the bound. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.#max) {
      for (const oldest of this.#map.keys()) {
        this.#map.delete(oldest);
        break;
      }
    }
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  clear(): void {
    this.#map.clear();
  }
}
