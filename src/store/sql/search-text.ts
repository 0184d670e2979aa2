/**
 * The text the messages' `q` filter searches (column `search_text`, 0004): the caller's
 * number and name, the called number and the transcript, lower-cased by JavaScript —
 * SQLite's lower() and LIKE fold ASCII only, and callers' names are often Cyrillic — and
 * joined by U+0001, a character no search term contains (the filter refuses it), so a
 * term never matches across two fields.
 */
export const SEARCH_SEPARATOR = '\u0001';

export interface SearchFields {
  readonly callerNumber: string | null;
  readonly callerName: string | null;
  readonly calledNumber: string | null;
  readonly transcript: string | null;
}

export function searchTextOf(m: SearchFields): string {
  return [m.callerNumber, m.callerName, m.calledNumber, m.transcript].map((v) => (v ?? '').toLowerCase()).join(SEARCH_SEPARATOR);
}

/** A LIKE pattern (escape character `\`) matching `term` anywhere, case-insensitively as searchTextOf stores text. */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
