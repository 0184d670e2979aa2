import { displayName, headerKey } from './header-names.js';

interface Field {
  /** Lower-case long form, for lookups. */
  readonly key: string;
  /** Spelling to write. */
  readonly name: string;
  readonly value: string;
}

/**
 * An ordered list of header fields, as on the wire. Several fields with one name are
 * kept apart (order matters for Via, Route, Record-Route). Values are latin1 strings:
 * one char per wire byte, so non-ASCII text survives a parse/serialize round trip.
 */
export class SipHeaders {
  private readonly fields: Field[] = [];

  static from(entries: Iterable<readonly [string, string]>): SipHeaders {
    const h = new SipHeaders();
    for (const [n, v] of entries) h.append(n, v);
    return h;
  }

  /** Internal fast path for the parser: key already normalised. */
  appendRaw(key: string, name: string, value: string): void {
    this.fields.push({ key, name, value });
  }

  append(name: string, value: string): this {
    const key = headerKey(name);
    this.fields.push({ key, name: displayName(key, name), value });
    return this;
  }

  /** Insert before the first field of that name (or at the top): used for Via. */
  prepend(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    this.fields.splice(at < 0 ? 0 : at, 0, { key, name: displayName(key, name), value });
    return this;
  }

  /** Replace all fields of that name with one (kept at the first one's position). */
  set(name: string, value: string): this {
    const key = headerKey(name);
    const at = this.fields.findIndex((f) => f.key === key);
    const field = { key, name: displayName(key, name), value };
    if (at < 0) {
      this.fields.push(field);
      return this;
    }
    this.fields[at] = field;
    for (let i = this.fields.length - 1; i > at; i--) if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--) if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return this;
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** Every field value of that name, in order (not split on commas). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** The first of `keys` that appears more than once, or null: one pass for all of them. */
  firstRepeated(keys: ReadonlySet<string>): string | null {
    const seen = new Set<string>();
    for (const f of this.fields) {
      if (!keys.has(f.key)) continue;
      if (seen.has(f.key)) return f.key;
      seen.add(f.key);
    }
    return null;
  }

  get size(): number {
    return this.fields.length;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const f of this.fields) yield [f.name, f.value];
  }

  clone(): SipHeaders {
    const h = new SipHeaders();
    for (const f of this.fields) h.fields.push(f);
    return h;
  }

  /** `Name: value\r\n` for each field: the serializer's inner loop. */
  toWire(): string {
    let out = '';
    for (const f of this.fields) out += f.name + ': ' + f.value + '\r\n';
    return out;
  }
}
