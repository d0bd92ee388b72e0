/**
 * What differs between the DuckDB and the Spark text of the raw statements: quoting, literals,
 * a few function names, and how a record's declared leaves are parsed. Pure string building.
 */
import type { ColumnType } from '../../config/config';

export type Dialect = 'duckdb' | 'spark';

/** One declared column as the SQL reads it: its key path in the record (segments) and its type. */
export interface Leaf {
  name: string;
  type: ColumnType;
  segments: string[];
  unit: 'ms' | 's';
}

export interface SqlDialect {
  name: Dialect;
  ident(name: string): string;
  /** a string literal holding exactly `text` */
  literal(text: string): string;
  /** a regular-expression literal: `pattern` as the regex engine must see it */
  regex(pattern: string): string;
  /** SQL type of a column type */
  type(type: ColumnType | 'date' | 'int' | 'tinyint'): string;
  /** regexp_extract(s, pattern, group): '' when no match (both engines) */
  regexpExtract(s: string, pattern: string, group: number): string;
  /** every match of `pattern` in s replaced by `replacement` (group 1 written `$1`) */
  regexpReplaceAll(s: string, pattern: string, replacement: string): string;
  /** TIMESTAMP from epoch microseconds (BIGINT) */
  timestampFromMicros(micros: string): string;
  /** epoch microseconds (BIGINT) of a TIMESTAMP */
  microsOfTimestamp(ts: string): string;
  /** DATE `days` (INT expression) after 1970-01-01 */
  epochDay(days: string): string;
  /** integer division of two BIGINTs (both ≥ 0 here) */
  div(a: string, b: string): string;
  /** days from `a` to `b` (DATEs), as an integer */
  daysBetween(a: string, b: string): string;
}

const doubleQuoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

export const DUCKDB: SqlDialect = {
  name: 'duckdb',
  ident: doubleQuoted,
  literal: (text) => `'${text.replace(/'/g, "''")}'`,
  // DuckDB keeps backslashes in literals as they are: RE2 sees the pattern unchanged.
  regex: (pattern) => `'${pattern.replace(/'/g, "''")}'`,
  type: (type) =>
    ({
      string: 'VARCHAR',
      bigint: 'BIGINT',
      boolean: 'BOOLEAN',
      double: 'DOUBLE',
      timestamp: 'TIMESTAMP',
      date: 'DATE',
      int: 'INTEGER',
      tinyint: 'TINYINT',
    })[type],
  // system.main: the Spark prelude (src/local/duckdb/prelude.ts) shadows these names with Spark's literal rules.
  regexpExtract: (s, pattern, group) => `system.main.regexp_extract(${s}, ${DUCKDB_REGEX(pattern)}, ${group})`,
  regexpReplaceAll: (s, pattern, replacement) =>
    `system.main.regexp_replace(${s}, ${DUCKDB_REGEX(pattern)}, ${DUCKDB_LITERAL(replacement.replace(/\$(\d)/g, '\\$1'))}, 'g')`,
  timestampFromMicros: (micros) => `make_timestamp(${micros})`,
  microsOfTimestamp: (ts) => `epoch_us(${ts})`,
  epochDay: (days) => `(DATE '1970-01-01' + CAST(${days} AS INTEGER))`,
  div: (a, b) => `(${a} // ${b})`,
  daysBetween: (a, b) => `(${b} - ${a})`,
};
const DUCKDB_REGEX = (pattern: string) => DUCKDB.regex(pattern);
const DUCKDB_LITERAL = (text: string) => DUCKDB.literal(text);

/** Spark un-escapes backslash sequences in literals (spark.sql.parser.escapedStringLiterals=false): double them. */
const sparkLiteral = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const SPARK: SqlDialect = {
  name: 'spark',
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  literal: sparkLiteral,
  regex: sparkLiteral,
  type: (type) =>
    ({
      string: 'STRING',
      bigint: 'BIGINT',
      boolean: 'BOOLEAN',
      double: 'DOUBLE',
      timestamp: 'TIMESTAMP',
      date: 'DATE',
      int: 'INT',
      tinyint: 'TINYINT',
    })[type],
  regexpExtract: (s, pattern, group) => `regexp_extract(${s}, ${sparkLiteral(pattern)}, ${group})`,
  regexpReplaceAll: (s, pattern, replacement) =>
    `regexp_replace(${s}, ${sparkLiteral(pattern)}, ${sparkLiteral(replacement)})`,
  timestampFromMicros: (micros) => `timestamp_micros(${micros})`,
  microsOfTimestamp: (ts) => `unix_micros(${ts})`,
  epochDay: (days) => `date_add(DATE '1970-01-01', CAST(${days} AS INT))`,
  div: (a, b) => `(${a} div ${b})`,
  daysBetween: (a, b) => `datediff(${b}, ${a})`,
};

export const DIALECTS: Record<Dialect, SqlDialect> = { duckdb: DUCKDB, spark: SPARK };
