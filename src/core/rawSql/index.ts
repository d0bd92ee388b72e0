/**
 * The raw-reading SQL, generated once from a dataset's declared columns, in the DuckDB and the Spark
 * dialect of the same statements (docs/raw-records.md states the rules; this is where they live).
 * Pure: no I/O. The engines only put the records relation in place (contract.ts), run these
 * statements and write days. The statements' shapes and how each engine parses a record:
 * docs/raw-records.md, "The generated statements".
 */
import type { DatasetConfig } from '../../config/config';
import { RAW_RELATIONS, RECORD_FLAG } from './contract';
import { castSql, kindAndText } from './casts';
import { DIALECTS, type Dialect, type Leaf, type SqlDialect } from './dialects';
import { CORRUPT, duckdbParsedSql, duckdbStructType, pathTree, sparkJsonOptions, sparkParsedSql } from './parsing';

export * from './contract';
export type { Dialect } from './dialects';

/** The generated statements of one dataset in one dialect (see the module doc for their shapes). */
export interface RawReadSql {
  dialect: Dialect;
  classified: string;
  /** `raw_<dataset>` */
  rawViewName: string;
  rawView: string;
  rejects: string;
  recordsByArrivalDay: string;
  eventDayCounts: string;
  rejectCounts: string;
}

/** Event times must fall in years 1970…9999: epoch ms in [0, EVENT_TIME_MAX_MS). */
export const EVENT_TIME_MAX_MS = 253_402_300_800_000;
const MS_PER_DAY = 86_400_000;

/**
 * The statements reading `dataset`'s raw records in `dialect`.
 * @example rawReadSql(loadConfig().datasets.access_records, 'spark').classified // 'WITH parsed AS (SELECT f, i, n, t, CASE WHEN (n & 6) = 0 THEN from_json(t, …'
 */
export function rawReadSql(dataset: DatasetConfig, dialect: Dialect): RawReadSql {
  const d = DIALECTS[dialect];
  const leaves = leavesOf(dataset);
  const parsed = dialect === 'spark' ? sparkParsedSql(leaves, d) : duckdbParsedSql(leaves, d);
  return {
    dialect,
    classified: classifiedSql(dataset, d, parsed),
    rawViewName: rawTableName(dataset),
    rawView: rawViewSql(dataset, d),
    rejects: rejectsSql(d),
    recordsByArrivalDay: recordsByArrivalDaySql(d),
    eventDayCounts: eventDayCountsSql(dataset, d),
    rejectCounts: rejectCountsSql(),
  };
}

/**
 * DuckDB's fast path: `classified`'s SELECT over NDJSON files whose lines are the records with two
 * fields injected first (`{"<fileField>":<file id>,"<indexField>":<record index>,…}`), read by
 * read_json with the declared struct (no schema sampling). Such records carry no flags and no text
 * (t NULL: the engine fills in the raw text of the few rejected ones). A line read_json refuses is an
 * all-NULL row, dropped by the join on raw_files: the engine counts and re-sends those by raw_records.
 */
export function duckdbNdjsonClassifiedSql(
  dataset: DatasetConfig,
  opts: { paths: string[]; fileField: string; indexField: string; maxObjectBytes: number },
): string {
  const d = DIALECTS.duckdb;
  const leaves = leavesOf(dataset);
  const tree = pathTree(leaves);
  const columns = [
    `${d.literal(opts.fileField)}: 'INTEGER'`,
    `${d.literal(opts.indexField)}: 'BIGINT'`,
    ...[...tree].map(([key, sub]) => `${d.literal(key)}: ${d.literal(duckdbStructType(sub))}`),
  ];
  const parsed = `SELECT ${d.ident(opts.fileField)} AS f, ${d.ident(opts.indexField)} AS i, CAST(0 AS TINYINT) AS n, CAST(NULL AS VARCHAR) AS t, CAST(NULL AS VARCHAR) AS r, false AS invalid,
      ${leaves.map((leaf, k) => `CAST(${leaf.segments.map(d.ident).join('.')} AS VARCHAR) AS c${k}`).join(',\n      ')}
    FROM read_json([${opts.paths.map(d.literal).join(', ')}], format = 'newline_delimited', records = 'true', compression = 'uncompressed',
      columns = {${columns.join(', ')}}, ignore_errors = true, maximum_object_size = ${opts.maxObjectBytes})`;
  return classifiedSql(dataset, d, parsed);
}

/** `raw_<dataset>`: the view the stage SQL reads. */
export const rawTableName = (dataset: Pick<DatasetConfig, 'name'>) => `raw_${dataset.name}`;

/** The declared columns as the SQL reads them: CSV records are keyed by column name (contract.ts), others by path. */
export function leavesOf(dataset: DatasetConfig): Leaf[] {
  return Object.entries(dataset.columns).map(([name, column]) => ({
    name,
    type: column.type,
    segments: dataset.raw.format === 'csv' ? [name] : column.path.split('.'),
    unit: column.unit,
  }));
}

/**
 * classified's SELECT over a parsed relation (f, i, n, t, r, invalid, c0…ck, and for Spark o<k>):
 * kinds and texts, casts, the first reason that holds and its detail.
 */
function classifiedSql(dataset: DatasetConfig, d: SqlDialect, parsedSql: string): string {
  const leaves = leavesOf(dataset);
  const ks = leaves.map((leaf, k) => {
    const { kind, text } = kindAndText(leaf, k, d);
    return `${kind} AS q${k}, ${text} AS s${k}`;
  });
  const typed = leaves.map((leaf, k) => `${castSql(leaf, `q${k}`, `s${k}`, d)} AS x${k}`);
  const index = new Map(leaves.map((leaf, k) => [leaf.name, k]));
  const missing = dataset.required.map((name) => `WHEN s${index.get(name)} IS NULL THEN ${d.literal(name)}`);
  const bad = leaves.map(
    (leaf, k) => `WHEN s${k} IS NOT NULL AND x${k} IS NULL THEN ${d.literal(`${leaf.name}: expected ${leaf.type}`)}`,
  );
  // Without an event-time column (snapshot dumps) the event day is the arrival day: nothing is late.
  let eventDay = 'rf.arrival_day';
  let range = '';
  if (dataset.eventTime) {
    const k = index.get(dataset.eventTime)!;
    const x = `x${k}`;
    if (leaves[k].type === 'bigint') {
      range = `WHEN ${x} < 0 OR ${x} >= ${EVENT_TIME_MAX_MS} THEN ${d.literal(`${dataset.eventTime}: expected epoch ms in years 1970…9999`)}`;
      eventDay = `CASE WHEN ${x} >= 0 AND ${x} < ${EVENT_TIME_MAX_MS} THEN ${d.epochDay(d.div(x, String(MS_PER_DAY)))} END`;
    } else {
      range = `WHEN ${x} < TIMESTAMP '1970-01-01 00:00:00' THEN ${d.literal(`${dataset.eventTime}: expected a time in years 1970…9999`)}`;
      eventDay = `CASE WHEN ${x} >= TIMESTAMP '1970-01-01 00:00:00' THEN CAST(${x} AS DATE) END`;
    }
  }
  const unmarked = d.regexpReplaceAll('t', '"\\\\u0001([-+.eE0-9]*)"', '$1');
  const rawText = `CASE WHEN r IS NOT NULL THEN r WHEN (n & ${RECORD_FLAG.MARKED_NUMBERS}) <> 0 THEN ${unmarked} ELSE t END`;
  const objectOrNot =
    d.name === 'duckdb'
      ? `CASE WHEN TRY(json_valid(t)) THEN 'not a JSON object' ELSE 'malformed JSON' END`
      : `CASE WHEN from_json('{"v":' || t || '}', ${d.literal(`v STRING, ${d.ident(CORRUPT)} STRING`)}, ${sparkJsonOptions(d)}).${d.ident(CORRUPT)} IS NULL THEN 'not a JSON object' ELSE 'malformed JSON' END`;
  const late = `'arrival ' || CAST(_arrival_day AS ${d.type('string')}) || ', event ' || CAST(ev AS ${d.type('string')})`;
  const ident = d.ident;
  return `WITH parsed AS (
    ${parsedSql}
  ), fields AS (
    SELECT f, i, n, t, r, invalid${ks.map((x) => `,\n      ${x}`).join('')}
    FROM parsed
  ), typed AS (
    SELECT *${typed.map((x) => `,\n      ${x}`).join('')}
    FROM fields
  ), judged AS (
    SELECT typed.*, rf.arrival_day AS _arrival_day, rf.source_file AS _source_file,
      CASE WHEN NOT invalid THEN CASE ${missing.join(' ')} END END AS missing_field,
      CASE WHEN NOT invalid THEN CASE ${bad.join(' ')} ${range} END END AS bad_type,
      ${eventDay} AS ev
    FROM typed JOIN ${RAW_RELATIONS.files} AS rf ON rf.file_id = typed.f
  ), reasoned AS (
    SELECT *,
      CASE WHEN invalid THEN 'invalid_json' WHEN missing_field IS NOT NULL THEN 'missing_field' WHEN bad_type IS NOT NULL THEN 'bad_type'
           WHEN abs(${d.daysBetween('_arrival_day', 'ev')}) > ${dataset.lateDays} THEN 'late' END AS reason
    FROM judged
  )
  SELECT ${leaves.map((leaf, k) => `CAST(x${k} AS ${d.type(leaf.type)}) AS ${ident(leaf.name)}`).join(', ')},
    f AS _file_id, _source_file, i AS _record_index, _arrival_day,
    CASE WHEN reason IS NULL THEN ev END AS _event_day,
    reason,
    CASE reason
      WHEN 'invalid_json' THEN CASE WHEN substr(t, 1, 1) = '{' THEN 'malformed JSON object' ELSE ${objectOrNot} END
      WHEN 'missing_field' THEN missing_field
      WHEN 'bad_type' THEN bad_type
      WHEN 'late' THEN ${late} END AS detail,
    CASE WHEN reason = 'late' THEN ev END AS event_day,
    CASE WHEN reason IS NOT NULL THEN ${rawText} END AS raw_text
  FROM reasoned`;
}

function rawViewSql(dataset: DatasetConfig, d: SqlDialect): string {
  const cols = Object.keys(dataset.columns).map(d.ident);
  return `SELECT ${[...cols, '_source_file', '_record_index', '_arrival_day'].join(', ')} FROM ${RAW_RELATIONS.classified} WHERE reason IS NULL`;
}

function rejectsSql(d: SqlDialect): string {
  return `SELECT _arrival_day AS arrival_day, _source_file AS source_file, _record_index AS record_index, reason, detail, event_day, raw_text
  FROM ${RAW_RELATIONS.classified} WHERE reason IS NOT NULL
  UNION ALL
  SELECT rf.arrival_day, rf.source_file, sr.i, sr.reason, sr.detail, CAST(NULL AS DATE), sr.t
  FROM ${RAW_RELATIONS.splitterRejects} AS sr JOIN ${RAW_RELATIONS.files} AS rf ON rf.file_id = sr.f`.replace(
    /CAST\(NULL AS DATE\)/,
    `CAST(NULL AS ${d.type('date')})`,
  );
}

function recordsByArrivalDaySql(_d: SqlDialect): string {
  return `SELECT arrival_day, CAST(count(*) AS BIGINT) AS records FROM (
    SELECT _arrival_day AS arrival_day FROM ${RAW_RELATIONS.classified}
    UNION ALL
    SELECT rf.arrival_day FROM ${RAW_RELATIONS.splitterRejects} AS sr JOIN ${RAW_RELATIONS.files} AS rf ON rf.file_id = sr.f
  ) AS a WHERE arrival_day IN (SELECT day FROM ${RAW_RELATIONS.runDays}) GROUP BY arrival_day`;
}

/** Distinct keys as a grouping of (day, key) counted per day (~⅓ cheaper than count(DISTINCT …); NULLs group together in both engines). */
function eventDayCountsSql(dataset: DatasetConfig, d: SqlDialect): string {
  const valid = `FROM ${RAW_RELATIONS.classified} WHERE reason IS NULL AND _event_day IN (SELECT day FROM ${RAW_RELATIONS.runDays})`;
  if (!dataset.dedupKey)
    return `SELECT _event_day AS day, CAST(count(*) AS BIGINT) AS records_in, CAST(NULL AS BIGINT) AS distinct_keys ${valid} GROUP BY _event_day`;
  const key = dataset.dedupKey.map(d.ident).join(', ');
  return `SELECT day, CAST(sum(copies) AS BIGINT) AS records_in, CAST(count(*) AS BIGINT) AS distinct_keys FROM (
    SELECT _event_day AS day, count(*) AS copies ${valid} GROUP BY _event_day, ${key}
  ) AS g GROUP BY day`;
}

function rejectCountsSql(): string {
  return `SELECT arrival_day, reason, CAST(count(*) AS BIGINT) AS records FROM ${RAW_RELATIONS.rejects}
  WHERE arrival_day IN (SELECT day FROM ${RAW_RELATIONS.runDays}) GROUP BY arrival_day, reason`;
}
