/**
 * The execution summary: per-day outcomes and run totals, built from the plan and the steps'
 * results. Pure; the CommitLedger Lambda stores it at `_runs/<execution>/summary.json`.
 */
import type { Day, DayResult, DirtyReason, Plan, StepResult } from './types';

/** A day that failed before anything was computed for it: no counts, the error. */
export function failedDayResult(day: Day, error: { name: string; message: string }): DayResult {
  return { day, status: 'failed', recordsIn: 0, recordsOut: 0, duplicatesDropped: 0, rejected: 0, late: 0, error };
}

export interface SummaryDay extends DayResult {
  dataset: string;
  reasons: DirtyReason[];
}

export interface RunTotals {
  daysTransformed: number;
  daysFailed: number;
  /** valid records read into day computations (before dedup) plus rejected records */
  recordsIn: number;
  recordsOut: number;
  duplicatesDropped: number;
  rejected: number;
  late: number;
}

/** Something a run reports without failing: a warning-severity check that found rows, or row-count drift. */
export interface RunWarning {
  check: string;
  dataset: string;
  day: Day;
  message: string;
}

/** One step (a group of contiguous days of one table) as it ran. */
export interface SummaryStep {
  dataset: string;
  /** first and last day of the group, YYYY-MM-DD */
  from: Day;
  to: Day;
  days: number;
  /** s the step took (0 when it produced no result) */
  seconds: number;
  daysFailed: number;
  /** the error its failed days share, once (absent when none failed or their errors differ) */
  error?: { name: string; message: string };
}

export interface RunSummary {
  executionId: string;
  /** warning checks that found rows and row-count drift (filled by CommitLedger) */
  warnings: RunWarning[];
  days: SummaryDay[];
  totals: RunTotals;
  failedDays: { dataset: string; day: Day; error: string }[];
  rejectedByReason: Record<string, number>;
  /** s, summed over steps */
  stepSeconds: number;
  /** per step, in plan order (absent in summaries written before it was added) */
  steps?: SummaryStep[];
}

/**
 * A group without a result failed as a whole: each of its days is reported failed with `missingError`.
 * @example summarize(plan, [result], 'step produced no result').totals.recordsOut
 */
export function summarize(plan: Plan, results: (StepResult | undefined)[], missingError: string): RunSummary {
  const reasonsOf = new Map(plan.days.map((d) => [`${d.dataset}/${d.day}`, d.reasons]));
  const days: SummaryDay[] = [];
  const rejectedByReason: Record<string, number> = {};
  let stepSeconds = 0;
  const steps: SummaryStep[] = [];
  plan.groups.forEach((group, i) => {
    const result = results[i];
    stepSeconds += result?.seconds ?? 0;
    const first = days.length;
    for (const [reason, n] of Object.entries(result?.rejectedByReason ?? {}))
      rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + n;
    for (const day of group.days) {
      const dayResult =
        result?.days.find((d) => d.day === day) ??
        failedDayResult(day, { name: 'StepFailedError', message: missingError });
      days.push({ ...dayResult, dataset: group.dataset, reasons: reasonsOf.get(`${group.dataset}/${day}`) ?? [] });
    }
    steps.push(summaryStep(group.dataset, days.slice(first), result?.seconds ?? 0));
  });
  const ok = days.filter((d) => d.status === 'succeeded');
  const sum = (pick: (d: SummaryDay) => number) => ok.reduce((n, d) => n + pick(d), 0);
  const failedDays = days
    .filter((d) => d.status === 'failed')
    .map((d) => ({ dataset: d.dataset, day: d.day, error: errorText(d) }));
  return {
    executionId: plan.executionId,
    warnings: days.flatMap((d) =>
      (d.checks ?? [])
        .filter((c) => c.severity === 'warning')
        .map((c) => ({
          check: c.name,
          dataset: d.dataset,
          day: d.day,
          message: `'${c.name}' found ${c.failingRows} row${c.failingRows === 1 ? '' : 's'}`,
        })),
    ),
    days,
    totals: {
      daysTransformed: ok.length,
      daysFailed: failedDays.length,
      recordsIn: sum((d) => d.recordsIn + d.rejected),
      recordsOut: sum((d) => d.recordsOut),
      duplicatesDropped: sum((d) => d.duplicatesDropped),
      rejected: sum((d) => d.rejected),
      late: sum((d) => d.late),
    },
    failedDays,
    rejectedByReason,
    stepSeconds,
    steps,
  };
}

const errorText = (d: SummaryDay) => (d.error ? `${d.error.name}: ${d.error.message}` : 'failed');

function summaryStep(dataset: string, days: SummaryDay[], seconds: number): SummaryStep {
  const failed = days.filter((d) => d.status === 'failed');
  const errors = new Map(failed.map((d) => [errorText(d), d.error ?? { name: 'StepFailedError', message: 'failed' }]));
  return {
    dataset,
    from: days[0]?.day ?? '',
    to: days[days.length - 1]?.day ?? '',
    days: days.length,
    seconds,
    daysFailed: failed.length,
    ...(errors.size === 1 ? { error: [...errors.values()][0] } : {}),
  };
}
