/**
 * The raw-reading SQL, generated once from a dataset's declared columns, in the DuckDB and the Spark
 * dialect of the same statements (docs/raw-records.md states the rules; this is where they live).
 * Pure: no I/O. The engines only put the records relation in place (contract.ts), run these
 * statements and write days. The statements' shapes and how each engine parses a record:
 * docs/raw-records.md, "The generated statements".
 */
import type { DatasetConfig } from '../../config/config';
import { INVALID_FLAGS, NUMBER_MARK, RAW_RELATIONS, RECORD_FLAG } from './contract';
import { DIALECTS, type Dialect, type Leaf, type SqlDialect } from './dialects';

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
/** Any timestamp value: years 0001…9999, as epoch microseconds [TIMESTAMP_MIN_US, TIMESTAMP_MAX_US). */
export const TIMESTAMP_MIN_US = -62_135_596_800_000_000;
export const TIMESTAMP_MAX_US = 253_402_300_800_000_000;
const MS_PER_DAY = 86_400_000;
/** Spark's from_json corrupt-record column (never a declared name: those cannot start with `__`… unless they do, see leavesOf). */
const CORRUPT = '__lakestep_corrupt';

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

/** key → subtree (a leaf is an empty map); insertion order = first declaration. */
type PathTree = Map<string, PathTree>;
function pathTree(leaves: Leaf[]): PathTree {
  const root: PathTree = new Map();
  for (const leaf of leaves) {
    let node = root;
    for (const segment of leaf.segments) {
      if (!node.has(segment)) node.set(segment, new Map());
      node = node.get(segment)!;
    }
  }
  return root;
}

// ---------------------------------------------------------------------------------------------------
// Parsing: f, i, n, t, invalid, c0…ck (leaf k: DuckDB its JSON text, Spark its STRING value)

/** DuckDB's type text of a subtree: leaves JSON (text as written, kind by first character). */
function duckdbStructType(tree: PathTree): string {
  if (tree.size === 0) return 'JSON';
  return `STRUCT(${[...tree].map(([key, sub]) => `${DIALECTS.duckdb.ident(key)} ${duckdbStructType(sub)}`).join(', ')})`;
}

/** json_transform's structure argument of a subtree. */
function duckdbTransformShape(tree: PathTree): unknown {
  return tree.size === 0 ? 'JSON' : Object.fromEntries([...tree].map(([key, sub]) => [key, duckdbTransformShape(sub)]));
}

function duckdbParsedSql(leaves: Leaf[], d: SqlDialect): string {
  // TRY: a balanced object that still does not parse (bad escape, leading zero…) is NULL = invalid.
  // A path crossing a non-object value gives NULL leaves, not a failure (json_transform's rule).
  const shape = JSON.stringify(duckdbTransformShape(pathTree(leaves)));
  const cs = leaves.map((leaf, k) => `CAST(j.${leaf.segments.map(d.ident).join('.')} AS VARCHAR) AS c${k}`);
  return `SELECT f, i, n, t, r, j IS NULL AS invalid${cs.map((c) => `,\n      ${c}`).join('')}
    FROM (SELECT f, i, n, t, r, CASE WHEN (n & ${INVALID_FLAGS}) = 0 THEN TRY(json_transform(t, ${d.literal(shape)})) END AS j FROM ${RAW_RELATIONS.records}) AS p`;
}

/** from_json's options: RFC 8259, strict (docs/raw-records.md "Validity"), and the corrupt-record column. */
function sparkJsonOptions(d: SqlDialect): string {
  const options: Record<string, string> = {
    mode: 'PERMISSIVE',
    columnNameOfCorruptRecord: CORRUPT,
    allowComments: 'false',
    allowUnquotedFieldNames: 'false',
    allowSingleQuotes: 'false',
    allowNumericLeadingZeros: 'false',
    allowNonNumericNumbers: 'false',
    allowBackslashEscapingAnyCharacter: 'false',
    allowUnquotedControlChars: 'false',
  };
  return `map(${Object.entries(options)
    .map(([k, v]) => `${d.literal(k)}, ${d.literal(v)}`)
    .join(', ')})`;
}

/** Spark DDL of a subtree, leaves STRING (any JSON value: strings unescaped, the rest as JSON text). */
function sparkDdl(tree: PathTree, d: SqlDialect, leafType = 'STRING'): string {
  return [...tree]
    .map(
      ([key, sub]) => `${d.ident(key)} ${sub.size === 0 ? leafType : `STRUCT<${sparkStructFields(sub, d, leafType)}>`}`,
    )
    .join(', ');
}
function sparkStructFields(tree: PathTree, d: SqlDialect, leafType: string): string {
  return [...tree]
    .map(
      ([key, sub]) =>
        `${d.ident(key)}: ${sub.size === 0 ? leafType : `STRUCT<${sparkStructFields(sub, d, leafType)}>`}`,
    )
    .join(', ');
}

function sparkParsedSql(leaves: Leaf[], d: SqlDialect): string {
  const options = sparkJsonOptions(d);
  const fromJson = (text: string, ddl: string) =>
    `from_json(${text}, ${d.literal(`${ddl}${ddl ? ', ' : ''}${d.ident(CORRUPT)} STRING`)}, ${options})`;
  const ddl = sparkDdl(pathTree(leaves), d);
  // A record whose path crosses a non-object (payload: "x") fails the one parse as a whole: then a
  // parse with no field tells valid JSON from malformed, and each leaf is read level by level.
  const valid = `(j.${d.ident(CORRUPT)} IS NULL OR ${fromJson('t', '')}.${d.ident(CORRUPT)} IS NULL)`;
  const stepwise = (leaf: Leaf) =>
    leaf.segments.reduce((text, segment) => `${fromJson(text, `${d.ident(segment)} STRING`)}.${d.ident(segment)}`, 't');
  const cs = leaves.map(
    (leaf, k) =>
      `CASE WHEN j.${d.ident(CORRUPT)} IS NULL THEN j.${leaf.segments.map(d.ident).join('.')} WHEN NOT invalid THEN ${stepwise(leaf)} END AS c${k}`,
  );
  // A string column's value starting with { or [ is an object or array only if it parses as one
  // where it is (Spark gives both a string and an object as the same text): probe those few.
  const probes = leaves.map((leaf, k) => {
    if (leaf.type !== 'string') return '';
    const probe = (type: string) =>
      `${fromJson('t', sparkDdl(pathTree([leaf]), d, type))}.${leaf.segments.map(d.ident).join('.')} IS NOT NULL`;
    return `,\n      CASE WHEN substr(c${k}, 1, 1) IN ('{', '[') THEN ${probe('MAP<STRING, STRING>')} OR ${probe('ARRAY<STRING>')} ELSE false END AS o${k}`;
  });
  return `SELECT *${probes.join('')}
    FROM (
      SELECT f, i, n, t, r, invalid${cs.map((c) => `,\n        ${c}`).join('')}
      FROM (SELECT *, (n & ${INVALID_FLAGS}) <> 0 OR NOT ${valid} AS invalid
            FROM (SELECT f, i, n, t, r, CASE WHEN (n & ${INVALID_FLAGS}) = 0 THEN ${fromJson('t', ddl)} END AS j FROM ${RAW_RELATIONS.records}) AS p) AS v
    ) AS l`;
}

// ---------------------------------------------------------------------------------------------------
// Kinds and texts, casts, reasons

const WS = '[ \\t\\n\\r]*';
/** a string holding an integer: optional sign and digits, surrounding whitespace ignored */
const INT_TEXT = `^${WS}([+-]?[0-9]+)${WS}\\z`;
/** a string holding a number (JSON's, plus a leading + or . and a trailing .) */
const NUM_TEXT = `^${WS}([+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?)${WS}\\z`;
/** ISO-8601 date and time: groups 1 date, 2 hh:mm, 4 :ss, 5 .fraction, 6 zone (3, 7, 8 inner) */
const ISO_TEXT =
  '^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ](([01][0-9]|2[0-3]):[0-5][0-9])(:[0-5][0-9])?([.][0-9]+)?(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?\\z';

/** (kind, text) of leaf k: `k<k>` in n/s/o (NULL: null or absent), `s<k>` the text. */
function kindAndText(leaf: Leaf, k: number, d: SqlDialect): { kind: string; text: string } {
  const c = `c${k}`;
  if (d.name === 'duckdb') {
    // c: the leaf's JSON text. A string is unescaped (cheaply when it holds no escape).
    const unescaped = `CASE WHEN contains(${c}, '\\') THEN json_extract_string(${c}, '$') ELSE ${c}[2:-2] END`;
    return {
      kind: `CASE WHEN ${c} IS NULL OR ${c} = 'null' THEN NULL
             WHEN ${c}[1] = '"' THEN CASE WHEN ${c}[2:7] = '\\u0001' THEN 'n' ELSE 's' END
             WHEN ${c}[1] IN ('{', '[') THEN 'o' WHEN ${c} IN ('true', 'false') THEN 's' ELSE 'n' END`,
      text: `CASE WHEN ${c} IS NULL OR ${c} = 'null' THEN NULL
             WHEN ${c}[2:7] = '\\u0001' AND ${c}[1] = '"' THEN ${c}[8:-2]
             WHEN ${c}[1] = '"' THEN ${unescaped} ELSE ${c} END`,
    };
  }
  // c: the STRING leaf (strings unescaped, marked numbers start with NUMBER_MARK, the rest JSON text).
  const objectProbe = leaf.type === 'string' ? `WHEN o${k} THEN 'o' ` : '';
  return {
    kind: `CASE WHEN ${c} IS NULL THEN NULL WHEN substr(${c}, 1, 1) = chr(${NUMBER_MARK.charCodeAt(0)}) THEN 'n' ${objectProbe}ELSE 's' END`,
    text: `CASE WHEN substr(${c}, 1, 1) = chr(${NUMBER_MARK.charCodeAt(0)}) THEN substr(${c}, 2) ELSE ${c} END`,
  };
}

/** Typed value of a column from its kind `q` and text `s`; NULL when absent or not castable. */
function castSql(leaf: Leaf, q: string, s: string, d: SqlDialect): string {
  const noDotOrExp = `instr(${s}, '.') = 0 AND instr(${s}, 'e') = 0 AND instr(${s}, 'E') = 0`;
  const intText = d.regexpExtract(s, INT_TEXT, 1);
  const numText = d.regexpExtract(s, NUM_TEXT, 1);
  switch (leaf.type) {
    case 'string':
      return `CASE WHEN ${q} <> 'o' THEN ${s} END`;
    case 'bigint': {
      // An integral number (104, 104.0, 1e3) within signed 64 bits; a string of sign and digits.
      const asDouble = `TRY_CAST(${s} AS DOUBLE)`;
      const integral = `CASE WHEN ${asDouble} = floor(${asDouble}) AND ${asDouble} >= -9223372036854775808.0 AND ${asDouble} < 9223372036854775808.0 THEN CAST(${asDouble} AS BIGINT) END`;
      return `CASE WHEN ${q} = 'n' THEN CASE WHEN ${noDotOrExp} THEN TRY_CAST(${s} AS BIGINT) ELSE ${integral} END
             WHEN ${q} = 's' THEN TRY_CAST(${intText} AS BIGINT) END`;
    }
    case 'double': {
      const value = `CASE WHEN ${q} = 'n' THEN TRY_CAST(${s} AS DOUBLE) WHEN ${q} = 's' THEN TRY_CAST(${numText} AS DOUBLE) END`;
      // finite only (1e400 is not a double; NaN sorts above every number in both engines)
      return `CASE WHEN abs(${value}) <= 1.7976931348623157e308 THEN ${value} END`;
    }
    case 'boolean':
      return `CASE WHEN ${q} = 's' AND lower(${s}) = 'true' THEN true WHEN ${q} = 's' AND lower(${s}) = 'false' THEN false END`;
    case 'timestamp':
      return d.timestampFromMicros(timestampMicrosSql(leaf, q, s, d));
  }
}

/** Epoch microseconds of a timestamp column's value: a number of ms (or s) or ISO-8601 text; NULL otherwise or outside years 1…9999. */
function timestampMicrosSql(leaf: Leaf, q: string, s: string, d: SqlDialect): string {
  const perUnit = leaf.unit === 's' ? 1_000_000 : 1_000;
  const epoch = `TRY_CAST(CASE WHEN ${q} = 'n' THEN ${s} ELSE ${d.regexpExtract(s, NUM_TEXT, 1)} END AS DECIMAL(38, 9))`;
  const [lo, hi] = [TIMESTAMP_MIN_US / perUnit, TIMESTAMP_MAX_US / perUnit];
  const fromEpoch = `CASE WHEN ${epoch} >= ${lo} AND ${epoch} < ${hi} THEN CAST(round(${epoch} * ${perUnit}, 0) AS BIGINT) END`;
  const g = (n: number) => d.regexpExtract(s, ISO_TEXT, n);
  // local = 'YYYY-MM-DD hh:mm:ss[.ffffff]' (fraction cut to microseconds), then the zone's offset.
  const local = `${g(1)} || ' ' || ${g(2)} || CASE WHEN ${g(4)} = '' THEN ':00' ELSE ${g(4)} END || CASE WHEN ${g(5)} = '' THEN '' ELSE substr(${g(5)} || '00000', 1, 7) END`;
  const zone = g(6);
  const offsetMinutes = `CASE WHEN ${zone} IN ('', 'Z') THEN 0 ELSE (CASE WHEN substr(${zone}, 1, 1) = '-' THEN -1 ELSE 1 END) *
      (CAST(substr(${zone}, 2, 2) AS INT) * 60 + CASE length(${zone}) WHEN 6 THEN CAST(substr(${zone}, 5, 2) AS INT) WHEN 5 THEN CAST(substr(${zone}, 4, 2) AS INT) ELSE 0 END) END`;
  const fromIso = `CASE WHEN ${g(1)} <> '' THEN ${d.microsOfTimestamp(`TRY_CAST(${local} AS TIMESTAMP)`)} - CAST(${offsetMinutes} AS BIGINT) * 60000000 END`;
  const micros = `CASE WHEN ${q} = 'n' OR (${q} = 's' AND ${d.regexpExtract(s, NUM_TEXT, 1)} <> '') THEN ${fromEpoch} WHEN ${q} = 's' THEN ${fromIso} END`;
  return `CASE WHEN ${micros} >= ${TIMESTAMP_MIN_US} AND ${micros} < ${TIMESTAMP_MAX_US} THEN ${micros} END`;
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
