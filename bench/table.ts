/** Plain-text tables with aligned columns, for benchmark output and BENCHMARKS.md. */

export type Cell = string | number;

export interface Column {
  readonly title: string;
  /** Numbers default to right alignment, text to left. */
  readonly align?: 'left' | 'right';
}

/** Format rows under a header, columns padded to their widest cell. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => String(c)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...text.map((r) => (r[i] ?? '').length)));
  const alignOf = (i: number): 'left' | 'right' => columns[i]?.align ?? (rows.some((r) => typeof r[i] === 'number') ? 'right' : 'left');
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => (alignOf(i) === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (alignOf(i) === 'right' ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(columns.map((c) => c.title)), rule, ...text.map(line)].join('\n');
}

/** Print a titled table (Markdown-compatible, so it can be pasted into BENCHMARKS.md). */
export function printTable(title: string, columns: readonly Column[], rows: readonly (readonly Cell[])[]): void {
  console.log(`\n### ${title}\n`);
  console.log(formatTable(columns, rows));
}

/** 1234567.8 → "1,234,568" */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}
