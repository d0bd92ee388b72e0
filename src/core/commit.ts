/**
 * CommitLedger's pure heart: which ledger entries an execution may write, given its plan and what the
 * steps reported. The rule that keeps runs idempotent: an output day is committed only when it
 * succeeded, and a raw partition's new fingerprint (or its removal) only when every output day it can
 * affect, directly or through the tables that read them (aggregates), was planned and succeeded —
 * otherwise the next run still sees it dirty and recomputes.
 */
import { dayRange } from './days';
import { outputDaysAffectedBy } from './dependencies';
import type { Day, OutputDayState, Plan, RawPartitionState, StepResult } from './types';

export interface CommitArgs {
  plan: Plan;
  /** the StepResults the steps wrote; a group without one failed as a whole */
  results: StepResult[];
  executionId: string;
  /** ms since epoch: committedAtMs of every output day */
  nowMs: number;
  /** dataset → lateDays (from the config; the same the plan was made with) */
  lateDaysOf: (dataset: string) => number;
}

export interface DatasetDay {
  dataset: string;
  day: Day;
}

export interface CommitEntries {
  /** raw states to write (argument of Ledger.commit) */
  raw: RawPartitionState[];
  /** output days to write (argument of Ledger.commit) */
  outputs: OutputDayState[];
  /** raw states to delete (argument of Ledger.commit) */
  removedRaw: DatasetDay[];
  /** planned days not committed, with why: `<ErrorName>: <message>` or a sentence */
  failedDays: (DatasetDay & { error: string })[];
  succeededDays: DatasetDay[];
}

/** Error of every day of a group that wrote no StepResult. */
export const NO_RESULT_ERROR = 'step produced no result';
/** Error of a group's day missing from its StepResult. */
export const NO_DAY_STATUS_ERROR = 'step reported no status for this day';

const keyOf = (dataset: string, day: Day) => `${dataset}|${day}`;

/**
 * Decides the ledger entries of an execution. Output days carry the stage version the step reports it ran
 * (StepResult.stageVersion) and the day's counts. Results for groups not in the plan, and days of a result
 * not in its group, are ignored; if a group has several results the first counts.
 * Every list is in plan order (dataset, then day: the order of plan.groups).
 * @example
 * commitEntries({ plan, results: [resultWith('2024-03-06', 'failed')], executionId: 'exec-1', nowMs, lateDaysOf: () => 1 })
 * // 2024-03-06 in failedDays; raw days 2024-03-05…07 (which affect it) held back; the other days committed
 */
export function commitEntries(args: CommitArgs): CommitEntries {
  const { plan } = args;
  const resultByGroup = new Map<string, StepResult>();
  for (const result of args.results) if (!resultByGroup.has(result.groupId)) resultByGroup.set(result.groupId, result);

  const outputs: OutputDayState[] = [];
  const failedDays: (DatasetDay & { error: string })[] = [];
  const succeeded = new Set<string>();
  for (const group of plan.groups) {
    const result = resultByGroup.get(group.groupId);
    const dayResults = new Map((result?.days ?? []).map((dayResult) => [dayResult.day, dayResult]));
    for (const day of group.days) {
      const dayResult = dayResults.get(day);
      if (result && dayResult?.status === 'succeeded') {
        succeeded.add(keyOf(group.dataset, day));
        outputs.push({
          dataset: group.dataset,
          day,
          stageVersion: result.stageVersion,
          executionId: args.executionId,
          committedAtMs: args.nowMs,
          recordsIn: dayResult.recordsIn,
          recordsOut: dayResult.recordsOut,
          duplicatesDropped: dayResult.duplicatesDropped,
          rejected: dayResult.rejected,
        });
        continue;
      }
      const error = !result
        ? NO_RESULT_ERROR
        : !dayResult
          ? NO_DAY_STATUS_ERROR
          : dayResult.error
            ? `${dayResult.error.name}: ${dayResult.error.message}`
            : 'step reported the day failed without an error';
      failedDays.push({ dataset: group.dataset, day, error });
    }
  }

  // Planned day → the planned days that read it (from their `upstream` reasons), to follow a raw change downstream.
  const readers = new Map<string, string[]>();
  for (const planned of plan.days) {
    for (const reason of planned.reasons) {
      if (reason.kind !== 'upstream') continue;
      for (const day of dayRange(reason.from, reason.to)) {
        const key = keyOf(reason.table, day);
        readers.set(key, [...(readers.get(key) ?? []), keyOf(planned.dataset, planned.day)]);
      }
    }
  }
  const allAffectedSucceeded = (dataset: string, rawDay: Day) => {
    const pending = outputDaysAffectedBy(rawDay, args.lateDaysOf(dataset)).map((day) => keyOf(dataset, day));
    const seen = new Set(pending);
    while (pending.length) {
      const key = pending.pop() as string;
      if (!succeeded.has(key)) return false;
      for (const reader of readers.get(key) ?? []) if (!seen.has(reader)) seen.add(reader), pending.push(reader);
    }
    return true;
  };

  return {
    raw: plan.rawPartitions.filter((state) => allAffectedSucceeded(state.dataset, state.day)),
    outputs,
    removedRaw: plan.removedRawDays.filter((removed) => allAffectedSucceeded(removed.dataset, removed.day)),
    failedDays,
    succeededDays: plan.days
      .filter((d) => succeeded.has(keyOf(d.dataset, d.day)))
      .map(({ dataset, day }) => ({ dataset, day })),
  };
}
