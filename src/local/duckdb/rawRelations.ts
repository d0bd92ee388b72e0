/**
 * The relations the generated raw SQL (core/rawSql RAW_RELATIONS) reads, filled from staged files,
 * leftover records, splitter rejects and Parquet files (an unreadable one is a quarantined reject).
 */
import { readFile } from 'node:fs/promises';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { RAW_RELATIONS, UNREADABLE_PARQUET_DETAIL } from '../../core/rawSql';
import { sqlString as literal } from '../../core/sqlText';
import type { RawFile } from './rawFiles';
import { FAST_MAX_RECORD_BYTES, type OddRecord, type SplitterReject } from './rawStaging';

/** Creates (replacing) the raw files, records and splitter-rejects tables; fills the files table. */
export async function createInputTables(connection: DuckDBConnection, files: RawFile[]): Promise<void> {
  await connection.run(`
    CREATE OR REPLACE TABLE ${RAW_RELATIONS.files} (file_id INTEGER, source_file VARCHAR, arrival_day DATE);
    CREATE OR REPLACE TABLE ${RAW_RELATIONS.records} (f INTEGER, i BIGINT, n TINYINT, t VARCHAR, r VARCHAR);
    CREATE OR REPLACE TABLE ${RAW_RELATIONS.splitterRejects} (f INTEGER, i BIGINT, reason VARCHAR, detail VARCHAR, t VARCHAR);`);
  const fileAppender = await connection.createAppender(RAW_RELATIONS.files);
  files.forEach((file, fileId) => {
    fileAppender.appendInteger(fileId);
    fileAppender.appendVarchar(file.key);
    fileAppender.appendVarchar(file.arrivalDay); // cast to DATE by the appender's column type
    fileAppender.endRow();
  });
  fileAppender.closeSync();
}

/**
 * Parquet rows into raw_records: each row as `to_json(row)` (nested structs stay objects, so `path`
 * reads into them), record_index its row number in the file. A file DuckDB cannot read is one
 * `unreadable_parquet` reject.
 */
export async function loadParquet(
  connection: DuckDBConnection,
  files: RawFile[],
  stats: { bytes: number; records: number },
): Promise<void> {
  for (const [fileId, file] of files.entries()) {
    stats.bytes += (await readFile(file.path)).length;
    try {
      const read = await connection.run(`INSERT INTO ${RAW_RELATIONS.records}
        SELECT ${fileId}, q.file_row_number, 0, CAST(json_merge_patch(to_json(q), '{"file_row_number":null}') AS VARCHAR), NULL
        FROM read_parquet(${literal(file.path)}, file_row_number = true, hive_partitioning = false) AS q`); // the patch's null removes the row-number key; no partition columns from the path
      stats.records += Number(read.rowsChanged);
    } catch {
      stats.records++;
      await connection.run(
        `INSERT INTO ${RAW_RELATIONS.splitterRejects} VALUES (${fileId}, 0, 'unreadable_parquet', ${literal(UNREADABLE_PARQUET_DETAIL)}, '')`,
      );
    }
  }
}
/** Per-record lines are at most FAST_MAX_RECORD_BYTES of text (longer records are appended): read_csv's limit sits above it. */
const MAX_RECORD_LINE_BYTES = 4 * FAST_MAX_RECORD_BYTES;

/** Staged lines `<file id>\x01<record index>\x01<flags>\x01<text>` read as four columns, no quoting (r NULL). */
export function csvSourceSql(paths: string[]): string {
  return `SELECT f, i, n, t, NULL FROM read_csv([${paths.map(literal).join(', ')}],
    columns = {'f': 'INTEGER', 'i': 'BIGINT', 'n': 'TINYINT', 't': 'VARCHAR'},
    delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, new_line = '\\n', strict_mode = false,
    max_line_size = ${MAX_RECORD_LINE_BYTES})`;
}
/** Records that could not be staged lines, and the splitter's rejects: few, so appended row by row. */
export async function appendLeftovers(
  connection: DuckDBConnection,
  odd: OddRecord[],
  rejects: SplitterReject[],
): Promise<void> {
  await appendRows(connection, RAW_RELATIONS.records, odd, (row, r) => {
    row.appendInteger(r.fileId);
    row.appendBigInt(BigInt(r.index));
    row.appendTinyInt(r.flags);
    row.appendVarchar(r.text);
    if (r.raw === undefined) row.appendNull();
    else row.appendVarchar(r.raw);
  });
  await appendRows(connection, RAW_RELATIONS.splitterRejects, rejects, (row, r) => {
    row.appendInteger(r.fileId);
    row.appendBigInt(BigInt(r.index));
    row.appendVarchar(r.reason);
    row.appendVarchar(r.detail);
    row.appendVarchar(r.text);
  });
}

/** Appends `items` to `table`, one row each, its values put in column order by `put`. */
async function appendRows<T>(
  connection: DuckDBConnection,
  table: string,
  items: T[],
  put: (row: DuckDBAppender, item: T) => void,
): Promise<void> {
  const appender = await connection.createAppender(table);
  for (const item of items) {
    put(appender, item);
    appender.endRow();
  }
  appender.closeSync();
}
