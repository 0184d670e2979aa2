import { err, ok, type Result } from '../../shared/result.js';
import { parseNameAddr, type NameAddr } from './name-addr.js';
import { readQuoted, splitList } from './params.js';

/**
 * Every element of a list header given as several fields and/or comma-separated values
 * (Diversion, History-Info, P-Asserted-Identity), in wire order, each a name-addr or
 * addr-spec with its header parameters. Refuses more than `maxEntries` elements, so a
 * hostile list costs at most that many URI parses. Never throws.
 * @see RFC 3261 §7.3.1 (several fields = one comma-separated list), §20.10
 */
export function parseNameAddrList(fields: readonly string[], maxEntries: number): Result<NameAddr[]> {
  const out: NameAddr[] = [];
  for (const field of fields) {
    const parts = splitList(field);
    if (!parts.ok) return parts;
    if (out.length + parts.value.length > maxEntries) return err(`more than ${String(maxEntries)} entries`);
    for (const p of parts.value) {
      const na = parseNameAddr(p);
      if (!na.ok) return na;
      out.push(na.value);
    }
  }
  return ok(out);
}

/** A header parameter value without its quotes (gen-value = token / host / quoted-string). */
export function unquoteParam(v: string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  if (v.charCodeAt(0) !== 0x22) return v;
  const q = readQuoted(v, 0);
  return q.ok ? q.value.text : null;
}
