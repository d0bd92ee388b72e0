/** `lakestep query`: SQL over the local catalog, as Athena would answer it. */
import { InputError, LakestepError } from '../core/errors';
import { queryCatalog } from '../local/catalogQuery';

export async function queryCommand(lake: string, sql: string, json: boolean, stdout: NodeJS.WritableStream): Promise<void> {
  if (!sql.trim()) throw new InputError('sql', 'the statement is empty (expected one SQL statement, e.g. "SELECT count(*) FROM access_records")');
  const { columns, rows, rebuilt } = await queryCatalog(lake, sql).catch((error: Error) => {
    // DuckDB's parser and binder errors are the user's SQL: bad input, not a failed run
    throw error instanceof LakestepError ? error : new InputError('sql', error.message);
  });
  if (rebuilt) process.stderr.write(`note: ${rebuilt}\n`);
  if (json) {
    stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  const cells = rows.map((row) => columns.map((c) => (row[c] === null || row[c] === undefined ? 'NULL' : String(row[c]))));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((r) => r[i].length))));
  const line = (values: string[]) => values.map((v, i) => (v.length > widths[i] ? `${v.slice(0, widths[i] - 1)}…` : v.padEnd(widths[i]))).join('  ').trimEnd();
  stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of cells) stdout.write(`${line(r)}\n`);
  stdout.write(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
}
