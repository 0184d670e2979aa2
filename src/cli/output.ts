/**
 * How the data commands print: one JSON document for scripts (`--json`), aligned tables
 * and `key: value` lines for people. Caller names and numbers come from SIP headers, i.e.
 * from strangers, so control characters are escaped before they reach a terminal: a
 * crafted display name must not be able to move the cursor or retitle the window.
 */

/** C0 controls, DEL and the C1 controls (U+0080–U+009F, e.g. the 8-bit CSI). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** What JSON.stringify leaves unescaped of those (its own newlines/indent must stay). */
const JSON_UNESCAPED_CONTROL = /[\u007f-\u009f]/g;

const escapeControl = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text safe to print on a terminal: control characters shown as `\uXXXX`. */
export function safeText(s: string): string {
  return s.replace(CONTROL, escapeControl);
}

/**
 * Writes one JSON document and a newline to stdout. JSON.stringify escapes C0 controls
 * but not DEL or C1, which can only occur inside strings, so escaping them in the output
 * keeps it valid JSON.
 */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2).replace(JSON_UNESCAPED_CONTROL, escapeControl)}\n`);
}

/** Columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((row) => row.map(safeText));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

/** `label:` lines with the values aligned, for one record. */
export function formatFields(fields: readonly (readonly [label: string, value: string])[]): string {
  const width = Math.max(...fields.map(([label]) => label.length)) + 1;
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)} ${safeText(value)}`.trimEnd()).join('\n') + '\n';
}

export function printText(text: string): void {
  process.stdout.write(text);
}

/** `(none)` for a missing optional value, so an empty field is visibly empty. */
export function orNone(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '(none)' : value;
}
