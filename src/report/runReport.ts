/**
 * The run report: what one execution did, per table and day (records in/out, duplicates,
 * rejects, unattributed downloads, metrics), the quality checks and the warnings, with totals.
 * `buildRunReport` is pure (the JSON stored at `_reports/<execution>.json`); the HTML page is in
 * ./runReportHtml.ts.
 * Over 300 lines: the report's shapes and the one pass that fills them, read together.
 */
import { describeReason } from '../core/dirtyReasons';
import type { RunSummary, SummaryDay } from '../core/summary';
import type { Day } from '../core/types';
import { executionName } from '../core/runKeys';
import type { CostEstimate } from '../core/costEstimate';

/** Sample rows kept per check: enough to see the problem, small enough for an alert or a state payload. */
export const MAX_SAMPLE_ROWS = 5;

/** A warning for the report and the alert, e.g. a row-count drift. */
export interface ReportWarning {
  message: string;
  table?: string;
  day?: Day;
  /** the check or rule that raised it, e.g. `row_count_drift` */
  name?: string;
}

/** What the summary does not hold: everything optional. */
export interface RunReportExtra {
  checks?: ReportCheck[];
  /** plain strings are taken as messages */
  warnings?: (ReportWarning | string)[];
  /** more metrics per table and day (merged over DayResult.metrics, these win): table → day → name → value */
  metrics?: Record<string, Record<Day, Record<string, number>>>;
  /** epoch ms; the execution's start (the plan's createdAtMs) */
  startedAtMs?: number;
  /** epoch ms; when the report was made (the commit's clock) */
  endedAtMs?: number;
  /** the execution that goes on with this run (it was cut: core/executions planExecution) */
  continuedBy?: RunReport['continuedBy'];
  /** what the work done costs on AWS (core/costEstimate) */
  cost?: CostEstimate;
}

/** An error as every JSON output names it (run, report, status --json; docs/json-output.md). */
export interface ReportError {
  /** the error class, e.g. `RejectThresholdError` (the state machine's Retry/Catch name) */
  name: string;
  message: string;
}

/** `Name: message`, for a page or a log line. */
export const errorText = (e: ReportError) => `${e.name}: ${e.message}`;

export interface ReportDay {
  day: Day;
  status: 'succeeded' | 'failed';
  /** valid records read for the day, before dedup */
  recordsIn: number;
  recordsOut: number;
  duplicates: number;
  /** quarantined records of arrival day `day` */
  rejected: number;
  late: number;
  /** reason → count, when the step reported it per day; else {} (the run-level split is in RunReport.rejectedByReason) */
  rejectedByReason: Record<string, number>;
  /** downloads with no project (metric `unattributed`); absent for tables without that metric */
  unattributed?: number;
  metrics: Record<string, number>;
  /** why the day was computed, e.g. `new raw data in arrival day 2024-03-05` (one per reason kind) */
  reasons: string[];
  error?: ReportError;
}

export interface ReportTotals {
  days: number;
  daysFailed: number;
  recordsIn: number;
  recordsOut: number;
  duplicates: number;
  rejected: number;
  /** records quarantined on failed days: not published with them (RunReport.rejectedByReason counts them too) */
  rejectedOnFailedDays: number;
  late: number;
  unattributed: number;
}

export interface ReportTable {
  table: string;
  /** ascending by day */
  days: ReportDay[];
  totals: ReportTotals;
}

/**
 * One check's outcome on one day of one table, in the report's terms (summaryExtras makes them from the
 * engine's per-day core/types CheckOutcome).
 */
export interface ReportCheck {
  /** e.g. `not_null_session_id` */
  name: string;
  table: string;
  day: Day;
  /** passed; failed (a blocking check returned rows: the day was not written); warning (a warning-severity check returned rows) */
  status: 'passed' | 'failed' | 'warning';
  /** rows the check's query returned (0 when passed) */
  failingRows: number;
  /** some of those rows ([] when passed); buildRunReport keeps the first MAX_SAMPLE_ROWS, as plain JSON */
  sampleRows: Record<string, unknown>[];
}

/** One step as it ran: a group of contiguous days of one table. */
export interface ReportStep {
  table: string;
  /** YYYY-MM-DD, inclusive */
  from: Day;
  to: Day;
  days: number;
  daysFailed: number;
  /** s, in tenths */
  seconds: number;
  /** the error its failed days share, shown once for the step */
  error?: ReportError;
}

/** The report, as stored in `_reports/<execution>.json`. */
export interface RunReport {
  /** shape version, so a reader can tell old reports */
  version: 1;
  /** the execution's name (last `:` segment of an ARN) */
  execution: string;
  /** the full id (ARN on AWS) */
  executionId: string;
  /** FAILED when a day failed or a blocking check failed */
  status: 'SUCCEEDED' | 'FAILED';
  /** ISO 8601 UTC, when known */
  startedAt?: string;
  endedAt?: string;
  /** s, when both ends are known */
  durationSeconds?: number;
  /** s, summed over steps */
  stepSeconds: number;
  /** ascending by table name */
  tables: ReportTable[];
  /** in the order they ran (empty for a summary written before steps were recorded) */
  steps: ReportStep[];
  /** failed first, then warnings, then passed; each by table, day, name */
  checks: ReportCheck[];
  warnings: ReportWarning[];
  /** run-level rejects by reason (truncated_gzip, invalid_json, …) */
  rejectedByReason: Record<string, number>;
  totals: ReportTotals & { checksFailed: number; checkWarnings: number; warnings: number };
  failedDays: { table: string; day: Day; error: ReportError }[];
  /** the run was cut (maxStepsPerExecution): the execution that goes on with it, and the day partitions left then */
  continuedBy?: { execution: string; deferredDays: number };
  /** what the work done costs on AWS at the stage's settings (core/costEstimate); absent in older reports */
  cost?: CostEstimate;
}

/** Extra fields a DayResult may carry (per-day metrics and reject reasons), read when present. */
type DayWithExtras = SummaryDay & { metrics?: Record<string, number>; rejectedByReason?: Record<string, number> };

const iso = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();

/**
 * The checks and warnings a summary holds, in the report's terms: each day's check outcomes
 * (blocking → failed, warning → warning) and the summary's warnings (warning checks, row-count drift).
 */
export function summaryExtras(summary: RunSummary): Pick<RunReportExtra, 'checks' | 'warnings'> {
  return {
    checks: summary.days.flatMap((d) =>
      (d.checks ?? []).map((c) => ({
        name: c.name,
        table: d.dataset,
        day: d.day,
        status: c.severity === 'blocking' ? ('failed' as const) : ('warning' as const),
        failingRows: c.failingRows,
        sampleRows: c.sample,
      })),
    ),
    warnings: summary.warnings.map((w) => ({ message: w.message, table: w.dataset, day: w.day, name: w.check })),
  };
}

/**
 * Builds the report of one execution. Pure: same inputs, same report.
 * @param summary the run summary (`_runs/<execution>/summary.json`)
 * @param extra checks, warnings, more metrics, and the execution's start/end (epoch ms)
 * @example buildRunReport(summary, { checks, startedAtMs: plan.createdAtMs, endedAtMs: clock.nowMs() }).totals.recordsOut
 */
export function buildRunReport(summary: RunSummary, extra: RunReportExtra = {}): RunReport {
  const byTable = new Map<string, ReportDay[]>();
  for (const d of summary.days as DayWithExtras[]) {
    const metrics = { ...(d.metrics ?? {}), ...(extra.metrics?.[d.dataset]?.[d.day] ?? {}) };
    const day: ReportDay = {
      day: d.day,
      status: d.status,
      recordsIn: d.recordsIn,
      recordsOut: d.recordsOut,
      duplicates: d.duplicatesDropped,
      rejected: d.rejected,
      late: d.late,
      rejectedByReason: { ...(d.rejectedByReason ?? {}) },
      metrics,
      reasons: (d.reasons ?? []).map(describeReason),
    };
    if (typeof metrics.unattributed === 'number') day.unattributed = metrics.unattributed;
    if (d.status === 'failed')
      day.error = d.error
        ? { name: d.error.name, message: d.error.message }
        : { name: 'StepFailedError', message: 'failed' };
    if (!byTable.has(d.dataset)) byTable.set(d.dataset, []);
    byTable.get(d.dataset)!.push(day);
  }
  const tables: ReportTable[] = [...byTable.keys()].sort().map((table) => {
    const days = byTable.get(table)!.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    return { table, days, totals: totalsOf(days) };
  });

  const checks: ReportCheck[] = (extra.checks ?? [])
    .map((c) => ({ ...c, sampleRows: c.sampleRows.slice(0, MAX_SAMPLE_ROWS).map(plainRow) }))
    .sort(
      (a, b) =>
        CHECK_ORDER[a.status] - CHECK_ORDER[b.status] ||
        cmp(a.table, b.table) ||
        cmp(a.day, b.day) ||
        cmp(a.name, b.name),
    );
  const warnings: ReportWarning[] = (extra.warnings ?? []).map((w) =>
    typeof w === 'string' ? { message: w } : { ...w },
  );
  const checksFailed = checks.filter((c) => c.status === 'failed').length;
  const checkWarnings = checks.filter((c) => c.status === 'warning').length;
  const all = totalsOf(tables.flatMap((t) => t.days));
  const startedAt = iso(extra.startedAtMs);
  const endedAt = iso(extra.endedAtMs);
  return {
    version: 1,
    execution: executionName(summary.executionId),
    executionId: summary.executionId,
    status: summary.failedDays.length || checksFailed ? 'FAILED' : 'SUCCEEDED',
    ...(startedAt ? { startedAt } : {}),
    ...(endedAt ? { endedAt } : {}),
    ...(startedAt && endedAt
      ? { durationSeconds: Math.round((extra.endedAtMs! - extra.startedAtMs!) / 100) / 10 }
      : {}),
    stepSeconds: Math.round(summary.stepSeconds * 10) / 10, // a sum of floats (0.7869999999999999): tenths, as durationSeconds
    tables,
    steps: (summary.steps ?? []).map((st) => ({
      table: st.dataset,
      from: st.from,
      to: st.to,
      days: st.days,
      daysFailed: st.daysFailed,
      seconds: Math.round(st.seconds * 10) / 10,
      ...(st.error ? { error: st.error } : {}),
    })),
    checks,
    warnings,
    rejectedByReason: Object.fromEntries(Object.entries(summary.rejectedByReason).sort(([a], [b]) => cmp(a, b))),
    totals: { ...all, checksFailed, checkWarnings, warnings: warnings.length },
    failedDays: tables.flatMap((t) =>
      t.days.filter((d) => d.error).map((d) => ({ table: t.table, day: d.day, error: d.error! })),
    ),
    ...(extra.continuedBy ? { continuedBy: extra.continuedBy } : {}),
    ...(extra.cost ? { cost: extra.cost } : {}),
  };
}

const CHECK_ORDER: Record<ReportCheck['status'], number> = { failed: 0, warning: 1, passed: 2 };
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Totals over succeeded days (a failed day wrote nothing), as RunSummary.totals counts them;
 * `days`/`daysFailed` count both, `rejectedOnFailedDays` the failed ones.
 */
function totalsOf(days: ReportDay[]): ReportTotals {
  const ok = days.filter((d) => d.status === 'succeeded');
  const sum = (pick: (d: ReportDay) => number) => ok.reduce((n, d) => n + pick(d), 0);
  return {
    days: days.length,
    daysFailed: days.length - ok.length,
    recordsIn: sum((d) => d.recordsIn),
    recordsOut: sum((d) => d.recordsOut),
    duplicates: sum((d) => d.duplicates),
    rejected: sum((d) => d.rejected),
    rejectedOnFailedDays: days.filter((d) => d.status !== 'succeeded').reduce((n, d) => n + d.rejected, 0),
    late: sum((d) => d.late),
    unattributed: sum((d) => d.unattributed ?? 0),
  };
}

/**
 * A sample row as plain JSON: engine rows may hold BigInt (DuckDB BIGINT) or Date values, which
 * JSON.stringify refuses or reshapes. Safe integers become numbers, larger ones decimal strings.
 */
function plainRow(row: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(row, (_key, value: unknown) =>
      typeof value === 'bigint'
        ? value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(value)
          : value.toString()
        : value,
    ),
  ) as Record<string, unknown>;
}
