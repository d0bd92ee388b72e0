/**
 * Loads a step's raw arrival days into DuckDB by the rules of docs/raw-records.md and the stage
 * contract (docs/stage-contract.md). The typing, checks and counts are the generated SQL
 * (src/core/rawSql, DuckDB dialect); this module only puts the records relation in place
 * (`raw_files`, `raw_records`, `splitter_rejects`) and runs it. Left in the connection:
 * `classified` (every record, typed, with its reason), the view `raw_<dataset>`, `rejects`.
 *
 * How records get in (chosen by measuring, see src/bench/bench.ts):
 * 1. JSON and CSV: worker threads (rawStaging.ts, one per core) read each file, inflate it and check
 *    the gzip trailer themselves (DuckDB reads a truncated gzip's readable part silently), split the
 *    text into records (records.ts; CSV: csvReader.ts, each record a JSON object of its fields) and
 *    stage each file:
 *    - fast lines: every sound single-line record (no invalid flag, no float, starting `{"`) rewritten as
 *      `{"__lakestep_f":<file id>,"__lakestep_i":<record index>,` + its text after the `{` (string
 *      concatenation, no parse), one per line, read by DuckDB's own NDJSON reader with the declared
 *      struct (rawSql duckdbNdjsonClassifiedSql). `ignore_errors` turns a line DuckDB's parser
 *      refuses into an all-NULL row (dropped): such records are found by count and go the per-record
 *      way, so rejects stay exact. The raw text of a fast record is not loaded; the few that are
 *      rejected get it back from the staged file at the end.
 *    - per-record lines `<file id>\x01<record index>\x01<flags>\x01<record text>` for the rest
 *      (malformed, lenient, with marked numbers), loaded into `raw_records`; records that would break
 *      the line format (a raw newline: pretty-printed; `\r`, `\x01`), big ones and CSV records are
 *      appended.
 * 2. Parquet: DuckDB's read_parquet, each row as `to_json(row)`; a file it cannot read is one
 *    `unreadable_parquet` reject.
 * The raw columns are declared from the dataset config: DuckDB's JSON schema sampling is never used
 * (it drops fields first seen late and coerces drifting types).
 */
import { sqlString } from '../../core/sqlText';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../../config/config';
import { arrivalDayOfKey } from '../../core/rawKeys';
import { duckdbNdjsonClassifiedSql, rawReadSql, RAW_RELATIONS, UNREADABLE_PARQUET_DETAIL } from '../../core/rawSql';
import type { Day } from '../../core/types';
import {
  FAST_FILE_FIELD,
  FAST_INDEX_FIELD,
  FAST_MAX_RECORD_BYTES,
  stageFiles,
  type FastFile,
  type OddRecord,
  type SplitterReject,
} from './rawStaging';

export { EVENT_TIME_MAX_MS, rawTableName } from '../../core/rawSql';

/** A raw object of the step: its lake-relative key, absolute path and arrival day. */
export interface RawFile {
  key: string;
  path: string;
  arrivalDay: Day;
}

export interface LoadRawOptions {
  lakeDir: string;
  dataset: DatasetConfig;
  /** arrival days to read, `YYYY-MM-DD` (a day with no files is fine) */
  rawDays: Day[];
  /** scratch folder for staged record lines (created; the caller removes it) */
  stagingDir: string;
  /** stage sound records as NDJSON for read_json (default true); false sends every record the per-record way (tests compare the two) */
  fastPath?: boolean;
}

/** What loadRawDays read. Times in seconds, for the bench's profile. */
export interface LoadRawStats {
  files: number;
  /** bytes read from the lake (compressed) */
  bytes: number;
  /** bytes of record text after inflating */
  textBytes: number;
  /** records found by the splitter, plus one per truncated gzip or unreadable Parquet file */
  records: number;
  /** of which staged as fast NDJSON lines (read by DuckDB's read_json) */
  fastRecords: number;
  truncatedFiles: number;
  /** CSV: lines equal to the header inside a file (concatenated shards), skipped */
  repeatedHeaders: number;
  /** inflating, splitting and staging on the worker threads (wall) */
  stageSeconds: number;
  /** the rest of the load's wall time: DuckDB's parse and classification */
  parseSeconds: number;
}

/**
 * The raw objects of the given arrival days, in key order. Looks only where those days can be:
 * Firehose `<prefix>YYYY/MM/DD/HH/<file>` and Hive `<prefix>year=YYYY/month=MM/day=DD/…`, so a step
 * never walks a year of raw data to find a week.
 */
export async function listRawFiles(lakeDir: string, rawPrefix: string, rawDays: Day[]): Promise<RawFile[]> {
  const wanted = new Set(rawDays);
  const files: RawFile[] = [];
  for (const day of rawDays) {
    const [y, m, d] = day.split('-');
    for (const folder of [`${rawPrefix}${y}/${m}/${d}/`, `${rawPrefix}year=${y}/month=${m}/day=${d}/`]) {
      for (const key of await walk(lakeDir, folder)) {
        const arrivalDay = arrivalDayOfKey(key, rawPrefix);
        if (arrivalDay !== undefined && wanted.has(arrivalDay))
          files.push({ key, path: join(lakeDir, key), arrivalDay });
      }
    }
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function walk(lakeDir: string, prefix: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(join(lakeDir, prefix), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    // Hidden and temporary objects (`.tmp`, `_SUCCESS`-style markers) are not data.
    if (entry.name.startsWith('.') || entry.name.startsWith('_')) continue;
    if (entry.isDirectory()) keys.push(...(await walk(lakeDir, `${prefix}${entry.name}/`)));
    else if (entry.isFile()) keys.push(`${prefix}${entry.name}`);
  }
  return keys;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = sqlString;

/** The stats of a step that reads no raw files (an aggregate's). */
export const NO_RAW_STATS: LoadRawStats = {
  files: 0,
  bytes: 0,
  textBytes: 0,
  records: 0,
  fastRecords: 0,
  truncatedFiles: 0,
  repeatedHeaders: 0,
  stageSeconds: 0,
  parseSeconds: 0,
};

/**
 * Reads the raw files of `rawDays` into `classified`, `raw_<dataset>` and `rejects` (replacing any
 * earlier tables of those names in the connection).
 * @throws the I/O or DuckDB error as it is (the step fails as a whole)
 */
export async function loadRawDays(connection: DuckDBConnection, opts: LoadRawOptions): Promise<LoadRawStats> {
  const { lakeDir, dataset, rawDays, stagingDir } = opts;
  const started = performance.now();
  const files = await listRawFiles(lakeDir, dataset.raw.prefix, rawDays);
  await mkdir(stagingDir, { recursive: true });
  const stats: LoadRawStats = { ...NO_RAW_STATS, files: files.length };
  const sql = rawReadSql(dataset, 'duckdb');
  await createInputTables(connection, files);

  let stagedAt = performance.now();
  if (dataset.raw.format === 'parquet') {
    await loadParquet(connection, files, stats);
    await connection.run(`CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${sql.classified}`);
  } else {
    // A dataset declaring a column of an injected field's name (absurd, but) is read the per-record way.
    const fastPath =
      dataset.raw.format === 'json' &&
      (opts.fastPath ?? true) &&
      !(FAST_FILE_FIELD in dataset.columns) &&
      !(FAST_INDEX_FIELD in dataset.columns);
    const csv = dataset.raw.csv ? { ...dataset.raw.csv, columns: dataset.columns } : undefined;
    const staged = await stageFiles(
      files.map((file, fileId) => ({
        fileId,
        path: file.path,
        stagingDir,
        fastPath,
        format: dataset.raw.format as 'json' | 'csv',
        maxRecordBytes: dataset.maxRecordBytes,
        maxFileBytes: dataset.maxFileBytes,
        csv,
      })),
    );
    stagedAt = performance.now();
    const odd: OddRecord[] = [];
    const rejects: SplitterReject[] = [];
    const fastFiles = new Map<number, FastFile>();
    const slowPaths: string[] = [];
    for (const file of staged) {
      stats.bytes += file.size;
      stats.textBytes += file.textBytes;
      stats.records += file.count;
      stats.repeatedHeaders += file.repeatedHeaders;
      stats.truncatedFiles += file.rejects.filter((r) => r.reason === 'truncated_gzip').length;
      odd.push(...file.odd);
      rejects.push(...file.rejects);
      if (file.fast) {
        fastFiles.set(file.fileId, file.fast);
        stats.fastRecords += file.fast.count;
      }
      if (file.slowPath) slowPaths.push(file.slowPath);
    }
    // Fast lines first, straight into classified (one insert over every staged file: DuckDB
    // parallelises within a query); then every other record through raw_records.
    const fastSql = (paths: string[]) =>
      duckdbNdjsonClassifiedSql(dataset, {
        paths,
        fileField: FAST_FILE_FIELD,
        indexField: FAST_INDEX_FIELD,
        maxObjectBytes: 4 * FAST_MAX_RECORD_BYTES,
      });
    if (fastFiles.size > 0) {
      const inserted = await namingRawFiles(files, () =>
        connection.run(
          `CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${fastSql([...fastFiles.values()].map((f) => f.path))}`,
        ),
      );
      // A line DuckDB's parser refused is an all-NULL row, dropped by the join: find those records.
      if (inserted.rowsChanged < stats.fastRecords) await recoverRefused(connection, fastFiles, odd);
    }
    if (slowPaths.length > 0)
      await namingRawFiles(files, () =>
        connection.run(`INSERT INTO ${RAW_RELATIONS.records} ${csvSourceSql(slowPaths)}`),
      );
    await appendLeftovers(connection, odd, rejects);
    await connection.run(
      fastFiles.size > 0
        ? `INSERT INTO ${RAW_RELATIONS.classified} ${sql.classified}`
        : `CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${sql.classified}`,
    );
    await loadFastRejectTexts(connection, fastFiles);
  }
  await connection.run(`CREATE OR REPLACE VIEW ${ident(sql.rawViewName)} AS ${sql.rawView}`);
  await connection.run(`CREATE OR REPLACE TABLE ${RAW_RELATIONS.rejects} AS ${sql.rejects}`);
  await connection.run(`DROP TABLE ${RAW_RELATIONS.records}`);
  stats.stageSeconds = (stagedAt - started) / 1000;
  stats.parseSeconds = (performance.now() - stagedAt) / 1000;
  return stats;
}

/**
 * Parquet rows into raw_records: each row as `to_json(row)` (nested structs stay objects, so `path`
 * reads into them), record_index its row number in the file. A file DuckDB cannot read is one
 * `unreadable_parquet` reject.
 */
async function loadParquet(connection: DuckDBConnection, files: RawFile[], stats: LoadRawStats): Promise<void> {
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

/**
 * Runs a read of staged files; an error that names a staged file (`…/f<file id>.json|txt`) is
 * rethrown naming the raw object it came from, which is what a user can find and fix, with any
 * quoted line cut to 500 characters (DuckDB quotes the whole offending line: it may be megabytes,
 * too much for a step's failure message, the ledger and an alert).
 */
async function namingRawFiles<T>(files: RawFile[], read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    // not `instanceof Error`: the native addon's errors may come from another realm (jest)
    const message = (err as { message?: unknown } | undefined)?.message;
    if (typeof message !== 'string') throw err;
    const named = message
      .replace(/[^\s"']*\/f(\d+)\.(?:json|txt)\b/g, (whole, id: string) =>
        files[Number(id)] ? `${files[Number(id)].key} (staged as ${whole})` : whole,
      )
      .split('\n')
      .map((line) => (line.length > 500 ? `${line.slice(0, 500)}… (${line.length} characters)` : line))
      .join('\n');
    if (named === message) throw err;
    throw Object.assign(new Error(named, { cause: err }), { name: (err as Error).name });
  }
}

/** Per-record lines are at most FAST_MAX_RECORD_BYTES of text (longer records are appended): read_csv's limit sits above it. */
const MAX_RECORD_LINE_BYTES = 4 * FAST_MAX_RECORD_BYTES;

/** Staged lines `<file id>\x01<record index>\x01<flags>\x01<text>` read as four columns, no quoting (r NULL). */
function csvSourceSql(paths: string[]): string {
  return `SELECT f, i, n, t, NULL FROM read_csv([${paths.map(literal).join(', ')}],
    columns = {'f': 'INTEGER', 'i': 'BIGINT', 'n': 'TINYINT', 't': 'VARCHAR'},
    delim = chr(1), quote = '', escape = '', header = false, auto_detect = false, new_line = '\\n', strict_mode = false,
    max_line_size = ${MAX_RECORD_LINE_BYTES})`;
}

/**
 * Fast records that DuckDB's NDJSON parser refused (balanced, unflagged, yet not JSON it accepts):
 * found per file by count (classified holds only fast rows yet), read back from their staged
 * files and queued for the per-record path, where they are judged exactly (most become
 * invalid_json). Rare: runs only when the insert loaded fewer rows than were staged.
 */
async function recoverRefused(
  connection: DuckDBConnection,
  fastFiles: Map<number, FastFile>,
  odd: OddRecord[],
): Promise<void> {
  const loaded = new Map(
    (await connection.runAndReadAll('SELECT _file_id, count(*)::BIGINT FROM classified GROUP BY ALL'))
      .getRows()
      .map(([f, n]) => [Number(f), Number(n)]),
  );
  for (const [id, fast] of fastFiles) {
    if ((loaded.get(id) ?? 0) === fast.count) continue;
    const present = (
      await connection.runAndReadAll(`SELECT _record_index FROM classified WHERE _file_id = ${id}`)
    ).getRows();
    const seen = new Set(present.map(([i]) => Number(i)));
    const missing: number[] = [];
    for (let r = 0; r < fast.starts.length; r++) if (fast.starts[r] >= 0 && !seen.has(r)) missing.push(r);
    const texts = await readFastTexts(fast, missing);
    missing.forEach((r, k) => {
      odd.push({ fileId: id, index: r, flags: 0, text: texts[k] });
      fast.starts[r] = -1; // no longer a fast record: its text is in odd_records
    });
  }
}

/** The original texts of some fast records of one file (`{` + the staged bytes after the injected fields). */
async function readFastTexts(fast: FastFile, indices: number[]): Promise<string[]> {
  if (indices.length === 0) return [];
  const lines = await readFile(fast.path);
  return indices.map((r) => '{' + lines.toString('utf8', fast.starts[r], fast.ends[r]));
}

/** The raw text of every rejected fast record (classified has none for them: t was not loaded), from its staged line. */
async function loadFastRejectTexts(connection: DuckDBConnection, fastFiles: Map<number, FastFile>): Promise<void> {
  if (fastFiles.size === 0) return;
  const rows = (
    await connection.runAndReadAll(
      'SELECT _file_id, _record_index FROM classified WHERE reason IS NOT NULL AND raw_text IS NULL ORDER BY ALL',
    )
  ).getRows();
  if (rows.length === 0) return;
  const byFile = new Map<number, number[]>();
  for (const [f, i] of rows) {
    if (!fastFiles.has(Number(f))) continue;
    const list = byFile.get(Number(f)) ?? [];
    list.push(Number(i));
    byFile.set(Number(f), list);
  }
  await connection.run('CREATE OR REPLACE TEMP TABLE fast_texts (f INTEGER, i BIGINT, t VARCHAR)');
  const appender = await connection.createAppender('fast_texts');
  for (const [f, indices] of byFile) {
    const texts = await readFastTexts(fastFiles.get(f)!, indices);
    indices.forEach((i, k) => {
      appender.appendInteger(f);
      appender.appendBigInt(BigInt(i));
      appender.appendVarchar(texts[k]);
      appender.endRow();
    });
  }
  appender.closeSync();
  await connection.run(`UPDATE classified SET raw_text = fast_texts.t FROM fast_texts WHERE classified._file_id = fast_texts.f AND classified._record_index = fast_texts.i;
    DROP TABLE fast_texts`);
}

async function createInputTables(connection: DuckDBConnection, files: RawFile[]): Promise<void> {
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

/** Records that could not be staged lines, and the splitter's rejects: few, so appended row by row. */
async function appendLeftovers(
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
