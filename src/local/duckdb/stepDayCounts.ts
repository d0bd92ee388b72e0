/** A local step's per-day counts (records in and out, duplicates, rejects, late) from the tables it built. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../../config/config';
import { rawReadSql } from '../../core/rawSql';
import { sqlString } from '../../core/sqlText';
import type { Day, DayResult } from '../../core/types';

export interface DayCounts {
  recordsIn: Record<Day, number>;
  recordsOut: Record<Day, number>;
  /** valid records of the day minus distinct dedupKey values (without a dedupKey: recordsIn − recordsOut) */
  duplicates: Record<Day, number>;
  rejected: Record<Day, number>;
  late: Record<Day, number>;
  /** all records (rejects included) per arrival day */
  records: Record<Day, number>;
  /** of the group's arrival days */
  rejectedByReason: Record<string, number>;
  /** arrival day → reason → records (the run page's per-day split) */
  reasonsByDay: Record<Day, Record<string, number>>;
}

/**
 * Counts per output / arrival day of `days`, from the stage's output table (`outputTable`, with a
 * `record_date` column) and, for a dataset, the raw load's tables (classified, rejects, run_days).
 */
export async function countDays(
  connection: DuckDBConnection,
  outputTable: string,
  dataset: DatasetConfig | undefined,
  days: Day[],
): Promise<DayCounts> {
  const zero = () => Object.fromEntries(days.map((d) => [d, 0])) as Record<Day, number>;
  const counts: DayCounts = {
    recordsIn: zero(),
    recordsOut: zero(),
    duplicates: zero(),
    rejected: zero(),
    late: zero(),
    records: zero(),
    rejectedByReason: {},
    reasonsByDay: {},
  };
  const dayList = days.map((d) => `DATE ${sqlString(d)}`).join(', ');
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
  for (const r of await rows(
    `SELECT strftime(record_date, '%Y-%m-%d') AS d, count(*)::BIGINT AS n FROM ${outputTable} WHERE record_date IN (${dayList}) GROUP BY 1`,
  )) {
    counts.recordsOut[String(r.d)] = Number(r.n);
  }
  // An aggregate reads processed rows only: what it outputs is what it takes in; nothing is rejected.
  if (!dataset) return { ...counts, recordsIn: { ...counts.recordsOut } };
  // The generated counts (src/core/rawSql), over classified, rejects and run_days.
  const sql = rawReadSql(dataset, 'duckdb');
  for (const r of await rows(
    `SELECT strftime(day, '%Y-%m-%d') AS d, records_in, distinct_keys FROM (${sql.eventDayCounts})`,
  )) {
    const day = String(r.d);
    if (!(day in counts.recordsIn)) continue;
    counts.recordsIn[day] = Number(r.records_in);
    counts.duplicates[day] =
      Number(r.records_in) - (dataset.dedupKey ? Number(r.distinct_keys) : counts.recordsOut[day]);
  }
  for (const r of await rows(
    `SELECT strftime(arrival_day, '%Y-%m-%d') AS d, reason, records AS n FROM (${sql.rejectCounts}) ORDER BY ALL`,
  )) {
    const n = Number(r.n);
    counts.rejected[String(r.d)] += n;
    if (r.reason === 'late') counts.late[String(r.d)] += n;
    counts.rejectedByReason[String(r.reason)] = (counts.rejectedByReason[String(r.reason)] ?? 0) + n;
    const byReason = (counts.reasonsByDay[String(r.d)] ??= {});
    byReason[String(r.reason)] = (byReason[String(r.reason)] ?? 0) + n;
  }
  for (const r of await rows(
    `SELECT strftime(arrival_day, '%Y-%m-%d') AS d, records FROM (${sql.recordsByArrivalDay})`,
  )) {
    counts.records[String(r.d)] = Number(r.records);
  }
  return counts;
}

/** A day's counts as a DayResult carries them. */
export function dayCounts(counts: DayCounts, day: Day): Omit<DayResult, 'status'> {
  return {
    day,
    recordsIn: counts.recordsIn[day],
    recordsOut: counts.recordsOut[day],
    duplicatesDropped: counts.duplicates[day],
    rejected: counts.rejected[day],
    late: counts.late[day],
    ...(counts.reasonsByDay[day] ? { rejectedByReason: counts.reasonsByDay[day] } : {}),
  };
}
