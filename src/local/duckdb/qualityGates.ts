/**
 * The quality gates and metrics of a step on DuckDB, run on `stage_output` before anything is
 * written: the schema gate (column names and types against StepSpec.outputSchema), the check
 * queries (core/checks.ts, the same texts Spark runs), and the declared per-day metrics.
 */
import { sqlString } from '../../core/sqlText';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CHECK_SAMPLE_ROWS } from '../../core/checks';
import type { CheckOutcome, Day, StepSpec } from '../../core/types';

const SAMPLE_ROWS = CHECK_SAMPLE_ROWS;

/** DuckDB type → the config's output type names. */
function outputTypeOf(duckdbType: string): string {
  if (duckdbType === 'VARCHAR') return 'string';
  if (duckdbType === 'BIGINT') return 'bigint';
  if (duckdbType === 'BOOLEAN') return 'boolean';
  if (duckdbType === 'DOUBLE') return 'double';
  if (duckdbType === 'DATE') return 'date';
  if (duckdbType === 'TIMESTAMP' || duckdbType === 'TIMESTAMP WITH TIME ZONE') return 'timestamp';
  return duckdbType.toLowerCase();
}

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Differences between the output's columns and the declared ones, as sample rows. */
async function schemaDifferences(
  connection: DuckDBConnection,
  declared: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const actual = new Map(
    (await rows(connection, 'DESCRIBE stage_output')).map((r) => [
      String(r.column_name),
      outputTypeOf(String(r.column_type)),
    ]),
  );
  const names = [...new Set([...Object.keys(declared), ...actual.keys()])];
  return names
    .filter((name) => declared[name] !== actual.get(name))
    .map((name) => ({ column: name, expected: declared[name] ?? null, actual: actual.get(name) ?? null }));
}

/**
 * Outcomes of the checks that hit, per day of `days` (a day with none is absent).
 * A schema difference is a blocking `schema` outcome on every day.
 */
export async function evaluateChecks(
  connection: DuckDBConnection,
  spec: Pick<StepSpec, 'checks' | 'outputSchema'>,
  days: Day[],
): Promise<Map<Day, CheckOutcome[]>> {
  const outcomes = new Map<Day, CheckOutcome[]>();
  const add = (day: Day, outcome: CheckOutcome) => outcomes.set(day, [...(outcomes.get(day) ?? []), outcome]);
  if (spec.outputSchema) {
    const differences = await schemaDifferences(connection, spec.outputSchema);
    if (differences.length)
      for (const day of days)
        add(day, {
          name: 'schema',
          severity: 'blocking',
          failingRows: differences.length,
          sample: differences.slice(0, SAMPLE_ROWS),
        });
    if (differences.some((d) => d.column === 'record_date')) return outcomes; // nothing below can attribute rows to days
  }
  for (const check of spec.checks) {
    const perDay = await rows(
      connection,
      `SELECT strftime(record_date, '%Y-%m-%d') AS day, count(*) AS n FROM (${check.sql}) AS bad GROUP BY 1`,
    );
    for (const { day, n } of perDay) {
      if (!days.includes(String(day))) continue;
      const sample = await rows(
        connection,
        `SELECT * FROM (${check.sql}) AS bad WHERE record_date = DATE ${sqlString(String(day))} LIMIT ${SAMPLE_ROWS}`,
      );
      add(String(day), { name: check.name, severity: check.severity, failingRows: Number(n), sample });
    }
  }
  return outcomes;
}

/** Declared metrics per day (0 for a day without rows). */
export async function computeMetrics(
  connection: DuckDBConnection,
  metrics: Record<string, string>,
  days: Day[],
): Promise<Map<Day, Record<string, number>>> {
  const names = Object.keys(metrics);
  const result = new Map(days.map((day) => [day, Object.fromEntries(names.map((n) => [n, 0]))]));
  if (!names.length) return result;
  const select = names.map((n) => `CAST(${metrics[n]} AS DOUBLE) AS ${n}`).join(', ');
  for (const row of await rows(
    connection,
    `SELECT strftime(record_date, '%Y-%m-%d') AS day, ${select} FROM stage_output GROUP BY 1`,
  )) {
    const values = result.get(String(row.day));
    if (values) for (const n of names) values[n] = Number(row[n] ?? 0);
  }
  return result;
}
