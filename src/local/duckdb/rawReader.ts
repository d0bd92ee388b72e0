/**
 * Loads a step's raw arrival days into DuckDB by the rules of docs/raw-records.md and the
 * stage contract (docs/stage-contract.md):
 * - `raw_<dataset>`: valid, non-late records, one column per declared field (camelCase, typed
 *   string→VARCHAR, bigint→BIGINT, boolean→BOOLEAN, double→DOUBLE) plus `_source_file` VARCHAR
 *   (lake-relative key), `_record_index` BIGINT and `_arrival_day` DATE;
 * - `rejects`: every quarantined record (`arrival_day, source_file, record_index, reason, detail,
 *   event_day, raw_text`), of every raw day read;
 * - `raw_counts`: records (rejects included) per arrival day, for the reject threshold.
 *
 * How records get in (chosen by measuring, see src/bench/bench.ts):
 * 1. Worker threads (rawStaging.ts, one per core) read each file, inflate it and check the gzip
 *    trailer themselves (DuckDB reads a truncated gzip's readable part silently), split the text
 *    into records (records.ts, whose flags mark records that are not plain brace-balanced,
 *    RFC 8259-looking objects) and stage each file twice over:
 *    - fast lines: every sound record (no flag, starting `{"`, no raw CR/LF) rewritten as
 *      `{"__lakestep_f":<file id>,"__lakestep_i":<record index>,` + its text after the `{` (string
 *      concatenation, no parse), one per line, read by DuckDB's own NDJSON reader (`read_json`,
 *      columns declared: strings VARCHAR, other types JSON so every value keeps its JSON text and
 *      the type rules are judged in SQL). This is ~3× cheaper per record than `json_transform` on
 *      a text column. `ignore_errors` turns a line DuckDB's parser refuses into an all-NULL row
 *      (dropped): such records are found by count and go to the per-record path below, so rejects
 *      stay exact. The raw text of a fast record is not loaded; the few that are rejected get it
 *      back from the staged file at the end.
 *    - per-record lines `<file id>\x01<record index>\x01<flags>\x01<record text>` for the rest
 *      (malformed, lenient, nested): DuckDB reads them with its CSV reader (no quoting), parses
 *      each with `TRY(json_transform)` and applies the same rules; a record holding a byte that
 *      would break the line format (`\n` inside a string, `\r`, `\x01`) goes through an appender.
 * 2. Then one DuckDB insert per line format reads every staged file (DuckDB parallelises within
 *    the query). The raw columns are declared from the dataset config: DuckDB's JSON schema
 *    sampling is never used (it drops fields first seen late and coerces drifting types). Both
 *    readers share DuckDB's JSON transform (checked: duplicate keys take the first value, keys
 *    match case-sensitively, numbers re-serialise the same).
 *
 * Tables left in the connection: `raw_files`, `classified` (every record, typed, with its reason;
 * raw text kept for rejects only), the view `raw_<dataset>`, `rejects`, `raw_counts`.
 */
import { sqlString } from '../../core/sqlText';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../../config/config';
import { arrivalDayOfKey } from '../../core/rawKeys';
import { MS_PER_DAY } from '../../core/days';
import type { Day } from '../../core/types';
import { RECORD_LENIENT, RECORD_NESTED } from './records';
import { DUCKDB_TYPE } from './sqlTypes';
import { FAST_FILE_FIELD, FAST_INDEX_FIELD, FAST_MAX_RECORD_BYTES, stageFiles, type FastFile, type OddRecord } from './rawStaging';

/** Event times must fall in years 1970…9999: [0, 253402300800000) ms. */
export const EVENT_TIME_MAX_MS = 253_402_300_800_000;

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
  /** records found by the splitter, plus one per truncated gzip */
  records: number;
  /** of which staged as fast NDJSON lines (read by DuckDB's read_json) */
  fastRecords: number;
  truncatedFiles: number;
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
        if (arrivalDay !== undefined && wanted.has(arrivalDay)) files.push({ key, path: join(lakeDir, key), arrivalDay });
      }
    }
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function walk(lakeDir: string, prefix: string): Promise<string[]> {
  let entries;
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

/** `raw_<dataset>`: the table name the stage SQL reads. */
export const rawTableName = (dataset: DatasetConfig) => `raw_${dataset.name}`;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = sqlString;

/**
 * Reads the raw files of `rawDays` into `raw_<dataset>`, `rejects` and `raw_counts` (replacing any
 * earlier tables of those names in the connection).
 * @throws the I/O or DuckDB error as it is (the step fails as a whole)
 */
export async function loadRawDays(connection: DuckDBConnection, opts: LoadRawOptions): Promise<LoadRawStats> {
  const { lakeDir, dataset, rawDays, stagingDir } = opts;
  const started = performance.now();
  const files = await listRawFiles(lakeDir, dataset.raw.prefix, rawDays);
  await mkdir(stagingDir, { recursive: true });
  // A dataset declaring a column of an injected field's name (absurd, but) is read the per-record way.
  const fastPath = (opts.fastPath ?? true) && !(FAST_FILE_FIELD in dataset.columns) && !(FAST_INDEX_FIELD in dataset.columns);
  const staged = await stageFiles(files.map((file, fileId) => ({ fileId, path: file.path, stagingDir, fastPath })));
  const stagedAt = performance.now();

  const stats: LoadRawStats = { files: files.length, bytes: 0, textBytes: 0, records: 0, fastRecords: 0, truncatedFiles: 0, stageSeconds: 0, parseSeconds: 0 };
  const odd: OddRecord[] = [];
  const truncated: { fileId: number; size: number; text: string }[] = [];
  const fastFiles = new Map<number, FastFile>();
  const slowPaths: string[] = [];
  for (const file of staged) {
    stats.bytes += file.size;
    stats.textBytes += file.textBytes;
    odd.push(...file.odd);
    if (file.truncatedText !== undefined) {
      stats.truncatedFiles++;
      stats.records++;
      truncated.push({ fileId: file.fileId, size: file.size, text: file.truncatedText });
      continue;
    }
    stats.records += file.count;
    if (file.fast) {
      fastFiles.set(file.fileId, file.fast);
      stats.fastRecords += file.fast.count;
    }
    if (file.slowPath) slowPaths.push(file.slowPath);
  }

  await createInputTables(connection, files);
  await connection.run(`CREATE OR REPLACE TABLE classified AS ${classifySql(dataset, 'SELECT f, i, n, t FROM odd_records')}`);
  // One insert per line format over every staged file: DuckDB parallelises within a query.
  if (fastFiles.size > 0) {
    const inserted = await namingRawFiles(files, () => connection.run(`INSERT INTO classified ${classifyFastSql(dataset, [...fastFiles.values()].map((f) => f.path))}`));
    // A line DuckDB's parser refused is an all-NULL row, dropped by the join: find those records.
    if (inserted.rowsChanged < stats.fastRecords) await recoverRefused(connection, fastFiles, odd);
  }
  if (slowPaths.length > 0) await namingRawFiles(files, () => connection.run(`INSERT INTO classified ${classifySql(dataset, csvSourceSql(slowPaths))}`));
  await appendLeftovers(connection, odd, truncated);
  await connection.run(`INSERT INTO classified ${classifySql(dataset, 'SELECT f, i, n, t FROM odd_records')}`);
  await loadFastRejectTexts(connection, fastFiles);
  await connection.run(`CREATE OR REPLACE VIEW ${ident(rawTableName(dataset))} AS ${rawSelectSql(dataset)}`);
  await connection.run(REJECTS_SQL);
  await connection.run(RAW_COUNTS_SQL);
  await connection.run('DROP TABLE odd_records; DROP TABLE truncated_files; DROP TABLE fast_texts');
  stats.stageSeconds = (stagedAt - started) / 1000;
  stats.parseSeconds = (performance.now() - stagedAt) / 1000;
  return stats;
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
      .replace(/[^\s"']*\/f(\d+)\.(?:json|txt)\b/g, (whole, id: string) => (files[Number(id)] ? `${files[Number(id)].key} (staged as ${whole})` : whole))
      .split('\n')
      .map((line) => (line.length > 500 ? `${line.slice(0, 500)}… (${line.length} characters)` : line))
      .join('\n');
    if (named === message) throw err;
    throw Object.assign(new Error(named, { cause: err }), { name: (err as Error).name });
  }
}

/** A record may be large (a huge queryString): read_csv's 2 MB line default would fail the whole step; a longer one still fails it, naming the limit. */
const MAX_RECORD_LINE_BYTES = 1 << 25; // 32 MiB: DuckDB sizes its read buffers from it

/** Staged lines `<file id>\x01<record index>\x01<flags 0–3>\x01<text>` read as four columns, no quoting. */
function csvSourceSql(paths: string[]): string {
  return `SELECT f, i, n, t FROM read_csv([${paths.map(literal).join(', ')}],
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
async function recoverRefused(connection: DuckDBConnection, fastFiles: Map<number, FastFile>, odd: OddRecord[]): Promise<void> {
  const loaded = new Map((await connection.runAndReadAll('SELECT _f, count(*)::BIGINT FROM classified GROUP BY ALL')).getRows().map(([f, n]) => [Number(f), Number(n)]));
  for (const [id, fast] of fastFiles) {
    if ((loaded.get(id) ?? 0) === fast.count) continue;
    const present = (await connection.runAndReadAll(`SELECT _record_index FROM classified WHERE _f = ${id}`)).getRows();
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

/** `fast_texts`: the raw text of every rejected fast record (classified keeps none for them). */
async function loadFastRejectTexts(connection: DuckDBConnection, fastFiles: Map<number, FastFile>): Promise<void> {
  await connection.run('CREATE OR REPLACE TABLE fast_texts (f INTEGER, i BIGINT, t VARCHAR)');
  const rows = (await connection.runAndReadAll('SELECT _f, _record_index FROM classified WHERE reason IS NOT NULL AND t IS NULL ORDER BY ALL')).getRows();
  if (rows.length === 0) return;
  const byFile = new Map<number, number[]>();
  for (const [f, i] of rows) {
    const list = byFile.get(Number(f)) ?? [];
    list.push(Number(i));
    byFile.set(Number(f), list);
  }
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
}

async function createInputTables(connection: DuckDBConnection, files: RawFile[]): Promise<void> {
  await connection.run(`
    CREATE OR REPLACE TABLE raw_files (file_id INTEGER, source_file VARCHAR, arrival_day DATE);
    CREATE OR REPLACE TABLE odd_records (f INTEGER, i BIGINT, n TINYINT, t VARCHAR);
    CREATE OR REPLACE TABLE truncated_files (file_id INTEGER, size BIGINT, raw_text VARCHAR);`);
  const fileAppender = await connection.createAppender('raw_files');
  files.forEach((file, fileId) => {
    fileAppender.appendInteger(fileId);
    fileAppender.appendVarchar(file.key);
    fileAppender.appendVarchar(file.arrivalDay); // cast to DATE by the appender's column type
    fileAppender.endRow();
  });
  fileAppender.closeSync();
}

/** Records that could not be staged lines, and truncated files: few, so appended row by row. */
async function appendLeftovers(connection: DuckDBConnection, odd: OddRecord[], truncated: { fileId: number; size: number; text: string }[]): Promise<void> {
  const oddAppender = await connection.createAppender('odd_records');
  for (const record of odd) {
    oddAppender.appendInteger(record.fileId);
    oddAppender.appendBigInt(BigInt(record.index));
    oddAppender.appendTinyInt(record.flags);
    oddAppender.appendVarchar(record.text);
    oddAppender.endRow();
  }
  oddAppender.closeSync();
  const truncatedAppender = await connection.createAppender('truncated_files');
  for (const file of truncated) {
    truncatedAppender.appendInteger(file.fileId);
    truncatedAppender.appendBigInt(BigInt(file.size));
    truncatedAppender.appendVarchar(file.text);
    truncatedAppender.endRow();
  }
  truncatedAppender.closeSync();
}

/**
 * One pass over every record: parse once (`json_transform` into JSON-typed fields; TRY makes a
 * malformed record NULL), then, per declared field, its typed value and whether it breaks the
 * type rules, then the first reason that holds. Field values are judged on their JSON text as
 * DuckDB re-serialises it: `"…"` string, `-`/digit number (integral iff no `.`/`e`), `true`/`false`,
 * `null`, `{`/`[` object or array.
 */
export function classifySql(dataset: DatasetConfig, sourceSql: string): string {
  const columns = Object.entries(dataset.columns);
  // Strings parse straight to VARCHAR (cheapest); other types keep their JSON text to be judged.
  const struct = JSON.stringify(Object.fromEntries(columns.map(([name, type]) => [name, type === 'string' ? 'VARCHAR' : 'JSON'])));
  const vs = columns.map(([name], k) => `(j.${ident(name)})::VARCHAR AS v${k}`).join(',\n      ');
  return judgeSql(
    dataset,
    `
    WITH parsed AS (
      -- One parse per record: records the splitter already knows cannot parse (unbalanced, lenient)
      -- skip the parser; TRY turns the rare balanced-but-malformed one into NULL (DuckDB then
      -- re-runs that chunk row by row, which is why the splitter's flags matter for speed).
      SELECT f, i, n, t, CASE WHEN n < ${RECORD_LENIENT} THEN TRY(json_transform(t, ${literal(struct)})) END AS j FROM (${sourceSql})
    )
    SELECT f, i, n, t, j IS NULL AS invalid,
      ${vs}
    FROM parsed`,
  );
}

/**
 * classifySql over fast NDJSON files (see stageRecords): DuckDB's reader gives the same field
 * values json_transform would (strings as VARCHAR, other types as their JSON text); a line it
 * refuses is an all-NULL row, dropped by the join on the file id (the caller recovers it).
 * No flags (n = 0) and no raw text: rejected fast records get theirs from `fast_texts`.
 */
export function classifyFastSql(dataset: DatasetConfig, paths: string[]): string {
  const columns = Object.entries(dataset.columns);
  const declared = [
    `${literal(FAST_FILE_FIELD)}: 'INTEGER'`,
    `${literal(FAST_INDEX_FIELD)}: 'BIGINT'`,
    ...columns.map(([name, type]) => `${literal(name)}: ${type === 'string' ? "'VARCHAR'" : "'JSON'"}`),
  ];
  const vs = columns.map(([name], k) => `(${ident(name)})::VARCHAR AS v${k}`).join(', ');
  return judgeSql(
    dataset,
    `
    SELECT ${ident(FAST_FILE_FIELD)} AS f, ${ident(FAST_INDEX_FIELD)} AS i, 0::TINYINT AS n, NULL::VARCHAR AS t, false AS invalid, ${vs}
    FROM read_json([${paths.map(literal).join(', ')}], format = 'newline_delimited', records = 'true', compression = 'uncompressed',
      columns = {${declared.join(', ')}}, ignore_errors = true, maximum_object_size = ${4 * FAST_MAX_RECORD_BYTES})`,
  );
}

/**
 * The rules over parsed fields: `fieldsSql` gives f, i, n (flags), t (text), invalid, and v0…vk
 * (per declared column: VARCHAR for strings, JSON text otherwise).
 */
function judgeSql(dataset: DatasetConfig, fieldsSql: string): string {
  const columns = Object.entries(dataset.columns);

  const typed: string[] = [];
  const bad: string[] = [];
  columns.forEach(([name, type], k) => {
    const c = `v${k}`;
    const absent = `(${c} IS NULL OR ${c} = 'null')`;
    const numeric = `(starts_with(${c}, '-') OR ${c}[1] BETWEEN '0' AND '9')`;
    let value: string;
    let isBad: string;
    switch (type) {
      case 'string':
        // Parsed straight to VARCHAR (strings unescaped, numbers and booleans as JSON text); an
        // object or array comes back as its JSON text, so a value starting with { or [ is checked
        // again on the record (rare: a genuine string may start with them too).
        isBad = `(n = ${RECORD_NESTED} AND (starts_with(${c}, '{') OR starts_with(${c}, '[')) AND json_type(t, ${literal(`$.${name}`)}) IN ('OBJECT', 'ARRAY'))`;
        value = `CASE WHEN ${isBad} THEN NULL ELSE ${c} END`;
        break;
      case 'bigint':
        // Integral token only (no . or exponent in DuckDB's re-serialised text: TRY_CAST alone would
        // round 1.5), within signed 64 bits (TRY_CAST gives NULL beyond). Strings, booleans and
        // NaN/Infinity all fail the cast.
        value = `CASE WHEN NOT contains(${c}, '.') AND NOT contains(${c}, 'e') AND NOT contains(${c}, 'E') THEN TRY_CAST(${c} AS BIGINT) END`;
        isBad = `NOT ${absent} AND ${ident(name)} IS NULL`;
        break;
      case 'double':
        value = `CASE WHEN ${numeric} THEN TRY_CAST(${c} AS DOUBLE) END`;
        isBad = `NOT ${absent} AND ${ident(name)} IS NULL`;
        break;
      case 'boolean':
        value = `CASE ${c} WHEN 'true' THEN true WHEN 'false' THEN false END`;
        isBad = `NOT ${absent} AND ${ident(name)} IS NULL`;
        break;
    }
    typed.push(`${value} AS ${ident(name)}`);
    bad.push(`WHEN ${isBad} THEN ${literal(`${name}: expected ${type}`)}`);
  });
  const missing = dataset.required.map((name) => {
    const k = columns.findIndex(([n]) => n === name);
    // A string column is parsed to VARCHAR (JSON null is SQL NULL; 'null' there is the string "null").
    const isNull = dataset.columns[name] === 'string' ? `v${k} IS NULL` : `(v${k} IS NULL OR v${k} = 'null')`;
    return `WHEN ${isNull} THEN ${literal(name)}`;
  });
  // Without an event-time column (snapshot dumps) the event day is the arrival day: nothing is late.
  const ts = dataset.eventTime ? ident(dataset.eventTime) : undefined;
  const rangeCheck = ts
    ? `WHEN ${ts} < 0 OR ${ts} >= ${EVENT_TIME_MAX_MS} THEN ${literal(`${dataset.eventTime}: expected epoch ms in years 1970…9999`)}`
    : '';
  const eventDay = ts
    ? `CASE WHEN ${ts} >= 0 AND ${ts} < ${EVENT_TIME_MAX_MS} THEN DATE '1970-01-01' + CAST(${ts} // ${MS_PER_DAY} AS INTEGER) END`
    : 'raw_files.arrival_day';
  const lateDays = dataset.lateDays;
  return `
    WITH fields AS (${fieldsSql}
    ), typed AS (
      SELECT *, ${typed.join(',\n      ')} FROM fields
    ), judged AS (
      SELECT typed.*, raw_files.arrival_day, raw_files.source_file,
        CASE WHEN NOT invalid THEN CASE ${missing.join(' ')} END END AS missing_field,
        CASE WHEN NOT invalid THEN CASE ${bad.join(' ')}
          ${rangeCheck} END END AS bad_type,
        ${eventDay} AS event_day
      FROM typed JOIN raw_files ON raw_files.file_id = typed.f
    ), reasoned AS (
      SELECT *,
        CASE WHEN invalid THEN 'invalid_json' WHEN missing_field IS NOT NULL THEN 'missing_field' WHEN bad_type IS NOT NULL THEN 'bad_type'
             WHEN abs(event_day - arrival_day) > ${lateDays} THEN 'late' END AS reason
      FROM judged
    )
    -- Only what later steps read: the record text is kept for rejects alone (it is most of the bytes).
    SELECT ${columns.map(([name, type]) => `CAST(${ident(name)} AS ${DUCKDB_TYPE[type]}) AS ${ident(name)}`).join(', ')},
      f AS _f, source_file AS _source_file, i AS _record_index, arrival_day AS _arrival_day,
      reason, missing_field, bad_type, event_day, CASE WHEN reason IS NOT NULL THEN t END AS t
    FROM reasoned`;
}

/** The stage's input: a view, so the valid records are not copied once more. */
function rawSelectSql(dataset: DatasetConfig): string {
  const cols = Object.keys(dataset.columns).map(ident);
  return `SELECT ${cols.join(', ')}, _source_file, _record_index, _arrival_day FROM classified WHERE reason IS NULL`;
}

/** Rejected rows, columns as docs/raw-records.md lists them. */
const REJECTS_SQL = `
  CREATE OR REPLACE TABLE rejects AS
  SELECT _arrival_day AS arrival_day, _source_file AS source_file, _record_index AS record_index, reason,
    CASE reason
      WHEN 'invalid_json' THEN CASE WHEN t[1] = '{' THEN 'malformed JSON object' WHEN TRY(json_valid(t)) THEN 'not a JSON object' ELSE 'malformed JSON' END
      WHEN 'missing_field' THEN missing_field
      WHEN 'bad_type' THEN bad_type
      ELSE 'arrival ' || strftime(_arrival_day, '%Y-%m-%d') || ', event ' || strftime(event_day, '%Y-%m-%d') END AS detail,
    CASE WHEN reason = 'late' THEN event_day END AS event_day,
    t AS raw_text
  FROM (
    -- A fast record's text was not loaded (classified.t is NULL): it comes from fast_texts.
    SELECT c.* EXCLUDE (t), coalesce(c.t, fast_texts.t) AS t
    FROM classified AS c LEFT JOIN fast_texts ON fast_texts.f = c._f AND fast_texts.i = c._record_index
    WHERE c.reason IS NOT NULL
  )
  UNION ALL
  SELECT arrival_day, source_file, 0, 'truncated_gzip', size::VARCHAR, NULL::DATE, raw_text
  FROM truncated_files JOIN raw_files USING (file_id)`;

/** Records per arrival day, rejects included (a truncated file counts once): the threshold's denominator. */
const RAW_COUNTS_SQL = `
  CREATE OR REPLACE TABLE raw_counts AS
  SELECT arrival_day, sum(n)::BIGINT AS records FROM (
    SELECT _arrival_day AS arrival_day, count(*) AS n FROM classified GROUP BY ALL
    UNION ALL SELECT arrival_day, count(*) FROM truncated_files JOIN raw_files USING (file_id) GROUP BY ALL
  ) GROUP BY ALL`;
