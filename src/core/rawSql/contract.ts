/**
 * The records relation: what an engine's reader (its splitter, its Parquet reader) hands to the
 * generated SQL (src/core/rawSql/index.ts), the same in both engines. Names, column types and flags
 * are a contract with the Java helper and the PySpark driver: docs/raw-records.md, "The records
 * relation", gives every relation's columns and meaning.
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
