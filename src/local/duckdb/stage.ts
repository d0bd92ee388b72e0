import { readFile } from 'node:fs/promises';
import { types } from 'node:util';
import type { DuckDBConnection } from '@duckdb/node-api';
import { installSparkPrelude } from './prelude';

/** A bare SQL identifier, optionally schema-qualified: what `runStage` accepts as its output table. */
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/**
 * Runs a stage's SELECT (docs/stage-contract.md) on DuckDB into a table:
 * `CREATE OR REPLACE TABLE <outputTable> AS <sqlText>`.
 *
 * The caller has already created `raw_<dataset>` and `run_days` on this connection. The Spark prelude is
 * (re)installed first, so the SQL sees Spark's function names and a UTC session whatever the caller did.
 *
 * @param sqlText one SELECT (CTEs allowed), no trailing semicolon, as `readStageSql` returns it.
 * @param outputTable `name` or `schema.name`; replaced if it exists.
 * @param sqlPath the stage file's path as the project names it; with it, a DuckDB error names the file and its line (stageErrorMessage)
 * @throws Error if `outputTable` is not a plain identifier or `sqlText` ends with a semicolon;
 *   the DuckDB error if the SQL fails.
 * @example await runStage(connection, await readStageSql('spark/sql/access_records.sql'));
 */
export async function runStage(
  connection: DuckDBConnection,
  sqlText: string,
  outputTable = 'stage_output',
  sqlPath?: string,
): Promise<void> {
  if (!TABLE_NAME.test(outputTable)) {
    throw new Error(`runStage: output table "${outputTable}" is not a plain identifier (expected name or schema.name)`);
  }
  if (/;\s*$/.test(stripTrailingComments(sqlText))) {
    throw new Error(
      'runStage: the stage SQL ends with a semicolon; a stage is one SELECT without one (docs/stage-contract.md)',
    );
  }
  await installSparkPrelude(connection);
  // Joins build on their right side as written (`rows LEFT JOIN dimension`, as Spark broadcasts the
  // small side): DuckDB's estimate of a DISTINCT dimension is far off (407,568 for 21 user agents on
  // the bench), so it flipped the join and hashed two million rows with every column (1.3 s of 3.2).
  await connection.run(`SET disabled_optimizers = 'build_side_probe_side'`);
  try {
    // The newline keeps a trailing `-- comment` of the stage from swallowing anything after it.
    await connection.run(`${CREATE_PREFIX(outputTable)}${sqlText}\n`);
  } catch (error) {
    // isNativeError, not instanceof: DuckDB's binding makes its errors in Node's own realm, which is
    // not the realm of code run under jest's vm (there `instanceof Error` is false).
    if (sqlPath && types.isNativeError(error))
      throw new Error(stageErrorMessage(error.message, sqlPath), { cause: error });
    throw error;
  } finally {
    await connection.run('RESET disabled_optimizers');
  }
}

/** What runStage puts before the stage's text: one line, so DuckDB's line numbers are one past the file's. */
const CREATE_PREFIX = (outputTable: string) => `CREATE OR REPLACE TABLE ${outputTable} AS\n`;
const PREFIX_LINES = 1;

/**
 * A DuckDB error of a stage in the stage file's terms: `<path> line <n>: <message>`, with DuckDB's
 * `LINE n:` excerpt renumbered to the file's lines (DuckDB counts runStage's CREATE line too). The
 * driver's stage_error_message applies the same rule to Spark's errors: both run spec/vectors/stage-sql-errors/.
 * @example stageErrorMessage('Catalog Error: no function x\n\nLINE 13: x() ...', 'spark/sql/a.sql') // 'spark/sql/a.sql line 12: Catalog Error: no function x\n\nLINE 12: x() ...'
 */
export function stageErrorMessage(message: string, sqlPath: string): string {
  let fileLine: number | undefined;
  const renumbered = message.replace(/^LINE (\d+):/m, (_match, n: string) => {
    fileLine = Number(n) - PREFIX_LINES;
    return `LINE ${fileLine}:`;
  });
  return `${sqlPath}${fileLine !== undefined ? ` line ${fileLine}` : ''}: ${renumbered}`;
}

/**
 * Reads a stage file (UTF-8) as the text both engines run.
 *
 * @param path e.g. `spark/sql/access_records.sql`, relative to the working directory or absolute.
 * @throws the fs error if the file cannot be read (ENOENT names the path).
 */
export async function readStageSql(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

/** The text without `--` comment lines and blank space at its end (only to check the last token). */
function stripTrailingComments(sqlText: string): string {
  const lines = sqlText.split('\n');
  while (lines.length > 0 && /^\s*(--.*)?$/.test(lines[lines.length - 1])) lines.pop();
  return lines.join('\n');
}
