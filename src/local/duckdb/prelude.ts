import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * The Spark-semantics prelude: the few Spark functions that stage SQL (`spark/sql/*.sql`) calls and that
 * DuckDB lacks or means differently, as macros in a schema `spark` searched before DuckDB's built-ins.
 *
 * Why a schema: a plain macro named like a built-in breaks calls to it, while `spark.<name>` put on the
 * search path after `main` (so tables still go to and resolve from `main`) wins over `system.main`'s
 * built-in. Bodies call the built-ins by their qualified `system.main.` name.
 *
 * Not covered, on purpose (stage SQL must not rely on them): Spark's string-literal escapes other
 * than `\\` (`'\n'`, `'\t'`…), backslashes in a regexp_replace replacement, Greek final-sigma
 * lowering, concat() with NULLs (write `||`), higher-order functions.
 */
const PRELUDE_STATEMENTS: readonly string[] = [
  `CREATE SCHEMA IF NOT EXISTS spark`,

  // regexp_replace(s, pattern, replacement) as Spark runs it:
  // - replaces every match (DuckDB replaces the first one unless given 'g');
  // - the pattern comes from a Spark literal, where the parser has turned '\\' into '\' (DuckDB's
  //   parser keeps both), so '\\p{L}' in the file reaches the regex engine as \p{L} on both;
  // - the replacement names groups $0…$9 (java.util.regex); RE2 writes them \0…\9.
  String.raw`CREATE OR REPLACE MACRO spark.regexp_replace(s, pattern, replacement) AS
     system.main.regexp_replace(s, system.main.replace(pattern, '\\', '\'),
       system.main.regexp_replace(replacement, '\$([0-9])', '\\\1', 'g'), 'g')`,

  // regexp_extract(s, pattern, group): the same pattern-literal unescaping. Both engines return ''
  // when nothing matches or the group did not take part, and NULL for a NULL input.
  String.raw`CREATE OR REPLACE MACRO spark.regexp_extract(s, pattern, grp) AS
     system.main.regexp_extract(s, system.main.replace(pattern, '\\', '\'), grp)`,

  // timestamp_millis(epoch ms BIGINT) → TIMESTAMP; DuckDB calls it epoch_ms (to_timestamp takes seconds).
  `CREATE OR REPLACE MACRO spark.timestamp_millis(ms) AS system.main.epoch_ms(ms)`,

  // lower(s) as Java's String.toLowerCase (and Python's str.lower): 'İ' (U+0130) becomes 'i' + U+0307
  // (two characters); DuckDB's simple case mapping gives a bare 'i'. (The instr guard is for speed.)
  `CREATE OR REPLACE MACRO spark.lower(s) AS
     CASE WHEN system.main.instr(s, '\u0130') > 0 THEN system.main.lower(system.main.replace(s, '\u0130', 'i\u0307'))
          ELSE system.main.lower(s) END`,

  // octet_length(string): its UTF-8 size in bytes; DuckDB's octet_length takes only BLOB/BIT, strlen is it.
  `CREATE OR REPLACE MACRO spark.octet_length(s) AS system.main.strlen(s)`,

  // date_add(start, days) as Spark's: the DATE `days` whole days after `start` (negative goes back);
  // DuckDB's date_add takes an INTERVAL and returns a TIMESTAMP.
  `CREATE OR REPLACE MACRO spark.date_add(start_date, num_days) AS
     CAST(start_date AS DATE) + CAST(num_days AS INTEGER)`,

  // date_sub(start, days) as Spark's: the DATE `days` whole days before `start`; DuckDB's date_sub(part,
  // start, end) counts part boundaries between two times instead.
  `CREATE OR REPLACE MACRO spark.date_sub(start_date, num_days) AS
     CAST(start_date AS DATE) - CAST(num_days AS INTEGER)`,

  // regexp_like(s, pattern) as Spark's: true when the pattern matches anywhere in s (the `pattern`
  // quality gates use it); DuckDB calls it regexp_matches.
  `CREATE OR REPLACE MACRO spark.regexp_like(s, pattern) AS regexp_matches(s, pattern)`,

  // Names resolve in main first (tables, and anything created without a schema lands there), then in
  // spark, then in DuckDB's built-ins: so spark.* shadows the built-ins of the same name.
  `SET search_path = 'main,spark'`,

  // Spark runs with spark.sql.session.timeZone=UTC; DuckDB's session zone follows TZ otherwise.
  `SET TimeZone = 'UTC'`,
];

/**
 * Installs the prelude on a connection: creates (or replaces) schema `spark` and its macros in the
 * connection's default database, and sets that connection's `search_path` and `TimeZone`.
 *
 * Idempotent. `search_path` and `TimeZone` are per connection: call it on the connection that runs
 * the stage (see `runStage`). With a persistent default database the macros are stored in it.
 *
 * @throws the DuckDB error if a statement fails (e.g. the default database is read-only).
 * @example
 *   const connection = await (await DuckDBInstance.create(':memory:')).connect();
 *   await installSparkPrelude(connection);
 *   await connection.run("SELECT regexp_replace('aaa', 'a', 'b')"); // 'bbb', as on Spark
 */
export async function installSparkPrelude(connection: DuckDBConnection): Promise<void> {
  for (const statement of PRELUDE_STATEMENTS) {
    await connection.run(statement);
  }
}
