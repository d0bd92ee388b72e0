/**
 * Quality gates as queries (SQLMesh audits): each declared check becomes a SELECT over the stage's
 * output (`stage_output`) that returns the bad rows, each with its `record_date`; empty means pass.
 * Both engines run these same texts, so the SQL keeps to the portable subset (docs/tables.md); column
 * names are plain identifiers (the config allows no other), which both engines read unquoted.
 * The `schema` gate compares column types, which each engine reads its own way (StepSpec.outputSchema);
 * row-count drift needs the ledger's history and is evaluated at commit ({@link rowCountDriftWarnings}).
 */
import { sqlString } from './sqlText';
import type { ChecksConfig } from '../config/config';
import { isAdopted } from './adoption';
import { addDays } from './days';
import type { CheckQuery, Day, OutputDayState } from './types';

/** Rows a check outcome's sample holds at most (both engines; StepSpec.sampleRows). */
export const CHECK_SAMPLE_ROWS = 5;

const quote = sqlString;

/**
 * The check queries of a table's declaration, in declaration order.
 * @example checkQueries({ notNull: ['session_id'], … }) // [{ name: 'not_null_session_id', severity: 'blocking', sql: 'SELECT * FROM stage_output WHERE session_id IS NULL' }]
 */
export function checkQueries(checks: ChecksConfig): CheckQuery[] {
  const queries: Omit<CheckQuery, 'severity'>[] = [
    ...checks.notNull.map((c) => ({ name: `not_null_${c}`, sql: `SELECT * FROM stage_output WHERE ${c} IS NULL` })),
    ...checks.unique.map((key) => ({
      name: `unique_${key.join('_')}`,
      // per day: a key's copies within one partition (keys carry their day, so none span two)
      sql: `SELECT ${key.join(', ')}, record_date, count(*) AS copies FROM stage_output GROUP BY ${key.join(', ')}, record_date HAVING count(*) > 1`,
    })),
    ...Object.entries(checks.accepted).map(([c, values]) => ({
      name: `accepted_values_${c}`,
      sql: `SELECT * FROM stage_output WHERE ${c} IS NOT NULL AND ${c} NOT IN (${values.map(quote).join(', ')})`,
    })),
    ...Object.entries(checks.pattern).map(([c, pattern]) => ({
      name: `pattern_${c}`,
      // regexp_like: Spark's partial match; DuckDB gets it from the prelude. Anchor the pattern for a full match.
      sql: `SELECT * FROM stage_output WHERE ${c} IS NOT NULL AND NOT regexp_like(${c}, ${quote(pattern.replace(/\\/g, '\\\\'))})`,
    })),
  ];
  return queries.map((q) => ({ ...q, severity: checks.warnOnly.includes(q.name) ? 'warning' : 'blocking' }));
}

export interface DriftWarning {
  check: 'row_count_drift';
  dataset: string;
  day: Day;
  rows: number;
  /** mean rows of the trailing days that have a ledger entry */
  trailingMean: number;
  /** (rows − mean) / mean */
  change: number;
}

/**
 * Days whose row count moved more than `maxChange` (a fraction) from the mean of the `trailingDays`
 * days before them, from the ledger's committed counts and this run's. A day is judged only when all
 * of its trailing days have a count (so a dataset's first week raises nothing); days recorded by
 * `lakestep adopt` have no count (core/adoption isAdopted).
 * @example rowCountDriftWarnings('access_records', [{ day: '2024-03-08', rows: 30 }], history, { maxChange: 0.5, trailingDays: 7 })
 * // [{ …, day: '2024-03-08', rows: 30, trailingMean: 100, change: -0.7 }] when the 7 days before averaged 100
 */
export function rowCountDriftWarnings(
  dataset: string,
  days: { day: Day; rows: number }[],
  history: (Pick<OutputDayState, 'day' | 'recordsOut'> & { executionId?: string })[],
  rule: { maxChange: number; trailingDays: number },
): DriftWarning[] {
  const rowsOf = new Map(history.filter((h) => !isAdopted(h)).map((h) => [h.day, h.recordsOut]));
  for (const d of days) rowsOf.set(d.day, d.rows);
  const warnings: DriftWarning[] = [];
  for (const { day, rows } of days) {
    const trailing: number[] = [];
    for (let i = 1; i <= rule.trailingDays; i += 1) {
      const previous = rowsOf.get(addDays(day, -i));
      if (previous !== undefined) trailing.push(previous);
    }
    if (trailing.length < rule.trailingDays) continue; // a new dataset's first days have no baseline yet
    const trailingMean = trailing.reduce((a, b) => a + b, 0) / trailing.length;
    const change = trailingMean === 0 ? (rows === 0 ? 0 : Infinity) : (rows - trailingMean) / trailingMean;
    if (Math.abs(change) > rule.maxChange)
      warnings.push({ check: 'row_count_drift', dataset, day, rows, trailingMean, change });
  }
  return warnings;
}
