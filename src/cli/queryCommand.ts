/** `lakestep query`: SQL over the local catalog, as Athena would answer it. */
import { readFileSync } from 'node:fs';
import { InputError, LakestepError } from '../core/errors';
import { queryCatalog } from '../local/catalogQuery';
import { formatRows, type QueryFormat } from './queryFormat';

/**
 * Prints the rows of `sql` over the lake's catalog in `format` (see formatRows).
 * @throws InputError for an empty statement, a lake without a catalog, or SQL DuckDB refuses
 */
export async function queryCommand(
  lake: string,
  sql: string,
  format: QueryFormat,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  if (!sql.trim())
    throw new InputError(
      'sql',
      'the statement is empty (expected one SQL statement, e.g. "SELECT count(*) FROM access_records")',
    );
  const { columns, rows, rebuilt } = await queryCatalog(lake, sql).catch((error: Error) => {
    // DuckDB's parser and binder errors are the user's SQL: bad input, not a failed run
    throw error instanceof LakestepError ? error : new InputError('sql', error.message);
  });
  if (rebuilt) process.stderr.write(`note: ${rebuilt}\n`);
  stdout.write(formatRows(columns, rows, format));
}

/**
 * The statement of `lakestep query`: the argument, or the text of `-f FILE`.
 * @throws InputError when both or neither are given, or the file cannot be read
 */
export function queryText(sql: string | undefined, file: string | undefined): string {
  if (sql !== undefined && file !== undefined)
    throw new InputError('-f', 'give the SQL either as the argument or with -f FILE, not both');
  if (file === undefined) {
    if (sql === undefined)
      throw new InputError('sql', 'no statement (expected one SQL statement as the argument, or -f FILE)');
    return sql;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError('-f', `cannot read ${file}: ${(error as Error).message}`);
  }
}
