/** How `lakestep query` prints its rows: an aligned table for reading, CSV or JSON for other tools. */
export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Widest a table column gets, in characters; a longer value is cut with `…` (csv and json are never cut). */
const MAX_COLUMN_WIDTH = 60;
/** Decimals a float keeps in the table (csv and json keep every digit). */
const TABLE_FRACTION_DIGITS = 4;

/**
 * The rows of a query (JSON-safe values, as queryCatalog returns them) as text ending in a newline:
 * - `table`: columns aligned, numbers right-aligned, floats rounded to 4 decimals, NULL for null,
 *   lists and structs as JSON, then `(N rows)`;
 * - `csv`: a header line then one line a row (RFC 4180 quoting), empty for null, lists and structs as JSON;
 * - `json`: an array of row objects.
 * @example formatRows(['n'], [{ n: 1.23456 }], 'table') // 'n     \n------\n1.2346\n(1 row)\n'
 */
export function formatRows(columns: string[], rows: Record<string, unknown>[], format: QueryFormat): string {
  if (format === 'json') return `${JSON.stringify(rows, null, 2)}\n`;
  if (format === 'csv')
    return [columns, ...rows.map((row) => columns.map((c) => csvText(row[c])))]
      .map((r) => `${r.map(csvField).join(',')}\n`)
      .join('');
  const numeric = columns.map(
    (c) =>
      rows.some((r) => typeof r[c] === 'number') &&
      rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number'),
  );
  const cells = rows.map((row) => columns.map((c) => tableText(row[c])));
  const widths = columns.map((c, i) =>
    Math.min(MAX_COLUMN_WIDTH, Math.max(c.length, ...cells.map((r) => r[i].length))),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) =>
        v.length > widths[i]
          ? `${v.slice(0, widths[i] - 1)}…`
          : numeric[i]
            ? v.padStart(widths[i])
            : v.padEnd(widths[i]),
      )
      .join('  ')
      .trimEnd();
  const body = [
    line(columns.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c))),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
  ];
  return `${body.join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}

function tableText(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'number')
    return Number.isInteger(v)
      ? String(v)
      : v.toLocaleString('en-US', { maximumFractionDigits: TABLE_FRACTION_DIGITS, useGrouping: false });
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function csvText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
