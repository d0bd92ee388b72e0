/**
 * The records relation: what an engine's reader (its splitter, its Parquet reader) hands to the
 * generated SQL (src/core/rawSql/index.ts), the same in both engines. Names, column types and flags
 * are a contract with the Java helper and the PySpark driver (docs/raw-records.md).
 *
 * Relations (names in RAW_RELATIONS):
 *
 * - `raw_files(file_id INT, source_file STRING, arrival_day DATE)`: one row per raw object read;
 *   `source_file` is the lake-relative key (`raw/x/2024/03/01/00/f1.gz`).
 *
 * - `raw_records(f INT, i BIGINT, n TINYINT, t STRING, r STRING)`: one row per record the splitter
 *   found, `f` = raw_files.file_id, `i` = record_index (0-based position in the file, counting every
 *   record the file gave, rejects included), `n` = RECORD_FLAG bits, `r` = the record as written in
 *   the file when `t` is not that (CSV: its line or lines, final line end dropped), else NULL: a
 *   reject's raw_text is `r`, or `t` with its number marks removed; `t` = the record's text:
 *   - json: the record text as split (docs/raw-records.md "Splitting"), with one normalisation
 *     when `n & MARKED_NUMBERS`: every number token outside strings that has a fraction or an
 *     exponent and is valid RFC 8259 (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`) is written as a JSON
 *     string of NUMBER_MARK followed by the token (`12.50` → `"\u000112.50"`, the mark escaped as
 *     the six characters `\u0001`). Both engines' JSON parsers re-serialise such numbers through a
 *     double (`12.50` → `12.5`, `1e3` → `1000.0`); the mark keeps the text as written and tells a
 *     number from a string. A splitter MUST mark those tokens and MAY mark integers too (the SQL
 *     reads a marked integer as the same number). Records with an INVALID flag are never marked.
 *     The generated SQL removes the marks again from the raw_text of rejects.
 *   - csv: a JSON object of the record's fields as JSON strings, keyed by the DECLARED COLUMN NAME
 *     (not the header name): `{"ID":"12","NODE_TYPE":"file"}`. The splitter looks each declared
 *     column up by header name (`path`) or by `position` (headerless). An empty field, or a column
 *     the header lacks or the record is too short for, is left out (SQL NULL). `n` = 0.
 *   - parquet: `to_json` of the row (DuckDB `to_json(row)`, Spark `to_json(struct(*))`), `i` the row's
 *     position in the file, `n` = 0.
 *
 * - `splitter_rejects(f INT, i BIGINT, reason STRING, detail STRING, t STRING)`: records (or whole
 *   files, i = 0) the reader rejects before any SQL: `truncated_gzip` (detail: the file size in
 *   bytes), `too_large` (detail `<N> bytes, over maxRecordBytes <limit>`, t its first 64 KiB cut at
 *   a character boundary), `invalid_csv` (detail: Python's csv.Error message, or `expected <W>
 *   fields, got <N>`, or `header: <message>`), `unreadable_parquet` (detail `not a readable
 *   Parquet file`, t empty). Each counts as one record of its arrival day.
 *
 * - `run_days(day DATE)`: the step's output days (the counts statements read it).
 */

/** Bits of raw_records.n. */
export const RECORD_FLAG = {
  /** the record holds an object or array below its top level (informational: the SQL does not read it) */
  NESTED: 1,
  /** non-RFC 8259 JSON that DuckDB's parser accepts: a trailing comma, NaN / Infinity → invalid_json */
  LENIENT: 2,
  /** not a brace-balanced object (does not start with `{`, or a newline-`{` / the end came first) → invalid_json */
  UNBALANCED: 4,
  /** numbers were marked (see above): the SQL unmarks the raw text of a reject */
  MARKED_NUMBERS: 8,
} as const;

/** `n & INVALID_FLAGS` ≠ 0: the record is invalid_json without parsing it. */
export const INVALID_FLAGS = RECORD_FLAG.LENIENT | RECORD_FLAG.UNBALANCED;

/** The first character of a marked number's string value (U+0001; written `\u0001` in the JSON text). */
export const NUMBER_MARK = '\u0001';

/** Names of the input relations and of the relations the statements define. */
export const RAW_RELATIONS = {
  files: 'raw_files',
  records: 'raw_records',
  splitterRejects: 'splitter_rejects',
  runDays: 'run_days',
  classified: 'classified',
  rejects: 'rejects',
} as const;

/** Reasons a record is quarantined for, in the order the first that holds wins (splitter reasons first). */
export const REJECT_REASONS = [
  'truncated_gzip',
  'unreadable_parquet',
  'too_large',
  'invalid_csv',
  'invalid_json',
  'missing_field',
  'bad_type',
  'late',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Bytes of a too_large record's text kept as its raw_text (64 KiB, cut at a UTF-8 character boundary). */
export const TOO_LARGE_KEPT_BYTES = 64 * 1024;

/** The detail of a too_large reject. @example tooLargeDetail(70000000, 67108864) // '70000000 bytes, over maxRecordBytes 67108864' */
export const tooLargeDetail = (bytes: number, limit: number) => `${bytes} bytes, over maxRecordBytes ${limit}`;

/**
 * The detail of a whole file's too_large reject (its text is over maxFileBytes; a gzip is inflated
 * no further than that, so a gzip bomb costs at most the limit).
 * @param fileBytes the file's size on disk
 * @example fileTooLargeDetail(10240, true, 1073741824) // 'gzip of 10240 bytes inflates past 1073741824 bytes, over maxFileBytes 1073741824'
 */
export const fileTooLargeDetail = (fileBytes: number, gzip: boolean, limit: number) =>
  `${gzip ? `gzip of ${fileBytes} bytes inflates past ${limit} bytes` : `${fileBytes} bytes`}, over maxFileBytes ${limit}`;

/** The detail of an unreadable Parquet file's reject. */
export const UNREADABLE_PARQUET_DETAIL = 'not a readable Parquet file';
