/**
 * CommitLedger: commits every day whose step succeeded (and the raw fingerprints whose days all
 * succeeded), stores the run summary, records the execution, and fails naming the failed days.
 */
import { tableConfig, type LakestepConfig } from '../config/config';
import { rowCountDriftWarnings } from '../core/checks';
import { commitEntries, NO_RESULT_ERROR } from '../core/commit';
import { DaysFailedError } from '../core/errors';
import { continuationName } from '../core/input';
import type { Ports } from '../core/ports';
import { summarize, type RunSummary, type RunWarning } from '../core/summary';
import { addDays, dayOfEpochMs, daysBetween, formatDayRanges } from '../core/days';
import type { Day, OutputDayState, Plan, StepResult } from '../core/types';
import { buildRunReport, summaryExtras } from '../report/runReport';
import { announceCompletion } from './completion';
import { writeRunReport } from '../report/reportStore';
import { refreshLakePage } from './lakePage';
import { executionName, stepResultKey, summaryKey } from '../core/runKeys';
import { estimateDone } from './costInputs';
import type { CostEstimate } from '../core/costEstimate';

/** What the run report's cost needs beyond the plan: the stage's settings (EMR_* variables) and where steps ran. */
export interface CostContext {
  env: NodeJS.ProcessEnv;
  /** e.g. `EMR`, `the local engine` (the measured seconds' engine, for the report's note) */
  stepsOn: string;
}

/** The ports CommitLedger uses. */
export type CommitPorts = Pick<Ports, 'store' | 'ledger' | 'clock' | 'notifier' | 'events' | 'exports'>;

/**
 * When it committed days, writes the due exports and sends the completion event (pipeline/completion.ts).
 * @throws DaysFailedError after committing the days that succeeded, when any day failed; else ExportError
 *   when an export could not be written (the days are committed and the event sent)
 */
export async function commitLedger(
  ports: CommitPorts,
  planKey: string,
  config: LakestepConfig,
  costContext: CostContext = { env: {}, stepsOn: 'the local engine' },
) {
  const plan = await ports.store.getJson<Plan>(planKey);
  if (!plan) throw new Error(`plan ${planKey} is missing`);
  const results = await Promise.all(
    plan.groups.map((g) => ports.store.getJson<StepResult>(stepResultKey(plan.executionId, g.groupId))),
  );
  const nowMs = ports.clock.nowMs();
  const entries = commitEntries({
    plan,
    results: results.filter((r): r is StepResult => r !== undefined),
    executionId: plan.executionId,
    nowMs,
    lateDaysOf: (dataset) => config.datasets[dataset].lateDays,
  });
  // Drift is judged against the ledger as it was before this commit.
  const drift = await driftWarnings(ports, entries.outputs, config, dayOfEpochMs(nowMs));
  await ports.ledger.commit({ raw: entries.raw, outputs: entries.outputs, removedRaw: entries.removedRaw });
  const summary: RunSummary = summarize(plan, results, NO_RESULT_ERROR);
  summary.warnings.push(...drift);
  const key = await ports.store.putJson(summaryKey(plan.executionId), summary);
  // A cut run goes on (MoreToDo → ContinueRun) only when this commit succeeds.
  const continuedBy =
    plan.deferred && !summary.failedDays.length
      ? {
          execution: continuationName(executionName(plan.executionId), plan.deferred.until),
          deferredDays: plan.deferred.days,
        }
      : undefined;
  const cost = costOfRun(plan, results, config, costContext);
  const extras = summaryExtras(summary);
  if (typeof cost === 'string')
    extras.warnings = [...(extras.warnings ?? []), { message: cost, name: 'cost_estimate' }];
  await writeRunReport(
    ports.store,
    buildRunReport(summary, {
      ...extras,
      startedAtMs: plan.createdAtMs,
      endedAtMs: nowMs,
      continuedBy,
      ...(typeof cost === 'object' ? { cost } : {}),
    }),
  );
  const failedDays = summary.failedDays.map(({ dataset, day }) => ({ dataset, day }));
  await ports.ledger.putExecution({
    executionId: plan.executionId,
    status: failedDays.length ? 'FAILED' : 'SUCCEEDED',
    startedAtMs: plan.createdAtMs,
    endedAtMs: nowMs,
    failedDays,
    cause: failedDays.length ? describeFailedDays(summary) : undefined,
  });
  const completion = await announceCompletion(
    ports,
    { executionId: plan.executionId, status: failedDays.length ? 'FAILED' : 'SUCCEEDED', outputs: entries.outputs },
    config,
  );
  await refreshLakePage(ports, config);
  if (failedDays.length)
    throw new DaysFailedError(
      failedDays.map((d) => d.day),
      describeFailedDays(summary),
    );
  if (completion?.exportError) throw completion.exportError;
  if (summary.warnings.length) {
    await ports.notifier.publish(
      `lakestep: execution ${executionName(plan.executionId)} succeeded with ${summary.warnings.length} warning${summary.warnings.length === 1 ? '' : 's'}`.slice(
        0,
        100,
      ),
      {
        executionId: plan.executionId,
        warnings: summary.warnings.map((w) => `${w.dataset} ${w.day}: ${w.message}`),
      },
    );
  }
  return {
    committedDays: entries.outputs.length,
    summaryKey: key,
    totals: summary.totals,
    exports: completion?.detail.exports ?? {},
  };
}

/** The run's AWS cost for the report; a reason instead when it cannot be estimated (the commit goes on: a report without a cost beats a lost commit). */
function costOfRun(
  plan: Plan,
  results: (StepResult | undefined)[],
  config: LakestepConfig,
  context: CostContext,
): CostEstimate | string {
  try {
    return estimateDone(plan, results, config, context.env, context.stepsOn);
  } catch (error) {
    return `no cost estimate: ${(error as Error).message}`;
  }
}

/** A failure's description goes to the ledger, the alert and the Fail state's Cause (at most 32,768 characters on AWS). */
const MAX_FAILURE_TEXT = 4_000;

/**
 * One entry per table and error, its days as ranges (a step's reject threshold fails all its days
 * with one error); cut at 4,000 characters, pointing to the run report, which lists every day.
 * @example describeFailedDays(summary) // '7 of 11 days failed: access_records 2024-03-01…2024-03-07 (RejectThresholdError: …)'
 */
export function describeFailedDays(summary: Pick<RunSummary, 'failedDays' | 'days'>): string {
  const byError = new Map<string, { dataset: string; error: string; days: Day[] }>();
  for (const { dataset, day, error } of summary.failedDays) {
    const key = `${dataset}\u0000${error}`;
    if (!byError.has(key)) byError.set(key, { dataset, error, days: [] });
    byError.get(key)!.days.push(day);
  }
  const list = [...byError.values()].map((g) => `${g.dataset} ${formatDayRanges(g.days)} (${g.error})`).join('; ');
  const text = `${summary.failedDays.length} of ${summary.days.length} days failed: ${list}`;
  return text.length <= MAX_FAILURE_TEXT
    ? text
    : `${text.slice(0, MAX_FAILURE_TEXT - 60)}… (cut; the run report lists every day)`;
}

/**
 * Row-count drift of the committed days of each table that declares `rowCountDrift`, for the days
 * whose inputs are complete: a day still open (today, or within the lateness of a raw day it reads)
 * would always look like a drop.
 */
async function driftWarnings(
  ports: Pick<Ports, 'ledger'>,
  outputs: OutputDayState[],
  config: LakestepConfig,
  today: Day,
): Promise<RunWarning[]> {
  const warnings: RunWarning[] = [];
  for (const dataset of [...new Set(outputs.map((o) => o.dataset))]) {
    const rule = tableConfig(config, dataset).checks.rowCountDrift;
    if (!rule) continue;
    const days = outputs
      .filter((o) => o.dataset === dataset && daysBetween(lastInputDay(config, dataset, o.day), today) > 0)
      .map((o) => ({ day: o.day, rows: o.recordsOut }));
    for (const w of rowCountDriftWarnings(dataset, days, await ports.ledger.outputDays(dataset), rule)) {
      const percent = Number.isFinite(w.change)
        ? `${w.change > 0 ? '+' : ''}${Math.round(w.change * 100)} %`
        : 'from none';
      warnings.push({
        check: w.check,
        dataset,
        day: w.day,
        message: `${w.rows} rows, ${percent} against the trailing mean ${w.trailingMean.toFixed(1)}`,
      });
    }
  }
  return warnings;
}

/**
 * The last raw arrival day that can still change `day` of `table` (a weekly table's day is its
 * Monday): day + lateDays for a dataset, and through every processed table it reads, the last input
 * day of the last day of its read window.
 * @example lastInputDay(config, 'project_downloads_daily', '2024-03-05') // '2024-03-06': file_downloads 03-05 arrives up to 03-06 and reads the snapshot of 03-06
 */
export function lastInputDay(config: Pick<LakestepConfig, 'datasets' | 'aggregates'>, table: string, day: Day): Day {
  const own = table in config.datasets ? addDays(day, config.datasets[table].lateDays) : day;
  return tableConfig(config, table).reads.reduce((latest, read) => {
    const upstream = lastInputDay(config, read.table, addDays(day, read.toDays));
    return daysBetween(latest, upstream) > 0 ? upstream : latest;
  }, own);
}
