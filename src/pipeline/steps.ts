/** Launching a group's step and reading back its outcome (the LaunchStep / CheckStep Lambdas). */
import {
  isDataset,
  processedPrefix,
  rejectedPrefix,
  stepTimeoutMinutesOf,
  tableConfig,
  type LakestepConfig,
  type TableConfig,
} from '../config/config';
import { CHECK_SAMPLE_ROWS, checkQueries } from '../core/checks';
import { dayRange, daysBetween } from '../core/days';
import {
  LakestepError,
  rejectThresholdTemplate,
  StepFailedError,
  StepTimeoutError,
  UpstreamFailedError,
} from '../core/errors';
import { dayPartitions, REJECTED_PARTITION_LAYOUT } from '../core/partitionLayout';
import { rawReadSql } from '../core/rawSql';
import type { Ports } from '../core/ports';
import { nextPollSeconds, pastDeadline } from '../core/stepPolling';
import { failedDayResult } from '../core/summary';
import type {
  DayResult,
  Plan,
  StepGroup,
  StepResult,
  StepSpec,
  StepState,
  StepStatus,
  TableRange,
} from '../core/types';
import { quarantineKey, stagingKey, stepResultKey, stepSpecKey } from '../core/runKeys';

export interface LaunchedStep {
  stepId: string;
  resultKey: string;
  /** the cluster the step went to (EnsureCluster's), so CheckStep asks that cluster */
  clusterId?: string;
  /** what CheckStep needs to record a failed step's days with its cause (a few dozen bytes a day) */
  group: StepIdentity;
  /** ms since epoch when LaunchStep submitted it (absent from a step launched before deadlines existed) */
  launchedAtMs?: number;
  /** ms since epoch: past it, CheckStep cancels the step and fails its days (launchedAtMs + stepTimeoutMinutes) */
  deadlineMs?: number;
}

/** The fields of a StepSpec a result names. */
type StepIdentity = Pick<StepSpec, 'groupId' | 'dataset' | 'stageVersion' | 'days'>;

/**
 * What a step needs of its table beyond the plan: where it writes (prefixes, and each day's partition
 * folder), and for a dataset how to read its raw records (the generated Spark SQL) and the reject
 * threshold's message.
 */
export function tableSpecFields(
  table: TableConfig,
  executionId: string,
  groupId: string,
  days: string[],
): Pick<StepSpec, 'table' | 'keys' | 'sampleRows' | 'raw' | 'rejectThreshold'> {
  return {
    table: table.table,
    keys: {
      processed: processedPrefix(table),
      ...(isDataset(table)
        ? { rejected: rejectedPrefix(table), quarantine: quarantineKey(executionId, table.table) }
        : {}),
      staging: stagingKey(executionId, groupId),
      partitions: {
        processed: dayPartitions(table.partitionLayout, days),
        ...(isDataset(table) ? { rejected: dayPartitions(REJECTED_PARTITION_LAYOUT, days) } : {}),
      },
    },
    sampleRows: CHECK_SAMPLE_ROWS,
    ...(isDataset(table)
      ? {
          raw: {
            prefix: table.raw.prefix,
            format: table.raw.format,
            ...(table.raw.csv ? { csv: table.raw.csv } : {}),
            maxRecordBytes: table.maxRecordBytes,
            maxFileBytes: table.maxFileBytes,
            columns: table.columns,
            sql: rawReadSql(table, 'spark'),
          },
          rejectThreshold: {
            fraction: table.rejectThreshold,
            message: rejectThresholdTemplate(
              table.name,
              days,
              table.rejectThreshold,
              quarantineKey(executionId, table.table),
            ),
          },
        }
      : {}),
  };
}

/**
 * A processed table a step reads, with what an engine needs to read it alone: its declared output
 * columns (an empty range still binds) and the folder of each day in range (its partition layout).
 * @throws ConfigError for a table not in the config
 */
export function readSpec(config: LakestepConfig, read: TableRange): TableRange {
  const table = tableConfig(config, read.table);
  return {
    ...read,
    columns: table.output,
    partitions: dayPartitions(table.partitionLayout, dayRange(read.from, read.to)),
  };
}

/**
 * Builds the group's StepSpec from the stored plan and submits it.
 * @throws LakestepError when the plan or the group is missing
 */
export async function launchStep(
  ports: Pick<Ports, 'store' | 'steps' | 'clock'>,
  planKey: string,
  groupId: string,
  config: LakestepConfig,
  clusterId?: string,
): Promise<LaunchedStep> {
  const plan = await ports.store.getJson<Plan>(planKey);
  const group = plan?.groups.find((g) => g.groupId === groupId);
  if (!plan || !group) throw new LakestepError(`plan ${planKey} has no group ${groupId}`);
  const table = tableConfig(config, group.dataset);
  const spec: StepSpec = {
    executionId: plan.executionId,
    groupId,
    dataset: group.dataset,
    days: group.days,
    rawDays: group.rawDays,
    reads: group.reads.map((read) => readSpec(config, read)),
    period: group.period,
    checks: checkQueries(table.checks),
    ...(table.checks.schema ? { outputSchema: table.output } : {}),
    metrics: table.metrics,
    stageSql: table.stage,
    stageVersion: plan.stageVersions[group.dataset],
    resultKey: stepResultKey(plan.executionId, groupId),
    specKey: stepSpecKey(plan.executionId, groupId),
    ...(clusterId ? { clusterId } : {}),
    ...tableSpecFields(table, plan.executionId, groupId, group.days),
  };
  const identity: StepIdentity = { groupId, dataset: spec.dataset, stageVersion: spec.stageVersion, days: spec.days };
  const failedInput = await failedUpstreamDay(ports, plan, group);
  if (failedInput) {
    // Never compute from a table whose days in the window failed: fail these days without running.
    await ports.store.putJson(spec.resultKey, failedStepResult(identity, new UpstreamFailedError(failedInput)));
    return { stepId: `${SKIPPED}${groupId}`, resultKey: spec.resultKey, group: identity };
  }
  // The spec (with its generated SQL, tens of KB) is stored where an engine can read it: an EMR
  // step argument holds at most 10,280 characters (core/sparkSubmitArgs).
  await ports.store.putJson(spec.specKey!, spec);
  const launchedAtMs = ports.clock.nowMs();
  const { stepId } = await ports.steps.submit(spec);
  const deadlineMs = launchedAtMs + stepTimeoutMinutesOf(config, table) * 60_000;
  return {
    stepId,
    resultKey: spec.resultKey,
    ...(clusterId ? { clusterId } : {}),
    group: identity,
    launchedAtMs,
    deadlineMs,
  };
}

export interface CheckedStep {
  state: StepState;
  failureMessage?: string;
  /** per-day outcome once COMPLETED (small: one line a day) */
  days?: Pick<DayResult, 'day' | 'status' | 'recordsOut' | 'rejected'>[];
  /** s */
  seconds?: number;
  /** s the next WaitForStep lasts while the step is PENDING/RUNNING (core/stepPolling backoff) */
  pollSeconds?: number;
}

/**
 * The step's state; once COMPLETED, the per-day outcome from its result object. A step past its deadline
 * (LaunchedStep.deadlineMs) is cancelled and reported FAILED, its days failed with StepTimeoutError. A
 * FAILED or CANCELLED step that wrote no result gets one here, every day failed with the step's own failure
 * message, so the ledger, the report and the alert name the cause (and not a missing result). While the
 * step runs, `pollSeconds` says when to look again.
 * @throws LakestepError when the step is past its deadline and the engine refuses to cancel it
 */
export async function checkStep(
  ports: Pick<Ports, 'store' | 'steps' | 'clock'>,
  step: LaunchedStep,
): Promise<CheckedStep> {
  let status: Pick<StepStatus, 'state' | 'failureMessage'> = step.stepId.startsWith(SKIPPED)
    ? { state: 'COMPLETED' }
    : await ports.steps.describe(step.stepId, step.clusterId);
  const nowMs = ports.clock.nowMs();
  let timedOut: StepTimeoutError | undefined;
  if ((status.state === 'PENDING' || status.state === 'RUNNING') && pastDeadline(step.deadlineMs, nowMs)) {
    if ((await ports.steps.cancel(step.stepId, step.clusterId)) === 'ended') {
      status = await ports.steps.describe(step.stepId, step.clusterId); // it ended meanwhile: as it ended
    } else {
      timedOut = new StepTimeoutError(
        step.group?.days ?? [],
        step.stepId,
        Math.round((step.deadlineMs! - (step.launchedAtMs ?? step.deadlineMs!)) / 60_000),
      );
      status = { state: 'FAILED', failureMessage: timedOut.message };
    }
  }
  // (`group` is absent from a step launched by an older version, in flight during a deploy)
  if (
    (status.state === 'FAILED' || status.state === 'CANCELLED') &&
    step.group &&
    !(await ports.store.getJson<StepResult>(step.resultKey))
  ) {
    const cause = `step ${step.stepId} ${status.state.toLowerCase()}: ${status.failureMessage ?? 'no reason given'}`;
    await ports.store.putJson(
      step.resultKey,
      failedStepResult(step.group, timedOut ?? new StepFailedError(step.group.days, cause)),
    );
  }
  if (status.state === 'PENDING' || status.state === 'RUNNING') {
    const ageSeconds = (nowMs - (step.launchedAtMs ?? nowMs)) / 1000;
    const toDeadline = step.deadlineMs === undefined ? undefined : (step.deadlineMs - nowMs) / 1000;
    return { state: status.state, pollSeconds: nextPollSeconds(ageSeconds, toDeadline) };
  }
  if (status.state !== 'COMPLETED') return { state: status.state, failureMessage: status.failureMessage };
  const result = await ports.store.getJson<StepResult>(step.resultKey);
  if (!result)
    return { state: 'FAILED', failureMessage: `step ${step.stepId} completed without writing ${step.resultKey}` };
  return {
    state: 'COMPLETED',
    days: result.days.map(({ day, status: s, recordsOut, rejected }) => ({ day, status: s, recordsOut, rejected })),
    seconds: result.seconds,
  };
}

/** Step id of a group that was not run because an input day failed; its result is already written. */
const SKIPPED = 'skipped:';

/** The first failed day (as `table day`) among the processed days this group reads, if any. */
async function failedUpstreamDay(
  ports: Pick<Ports, 'store'>,
  plan: Plan,
  group: StepGroup,
): Promise<string | undefined> {
  for (const read of group.reads) {
    const upstream = plan.groups.filter((g) => g.dataset === read.table && g.phase < group.phase);
    for (const g of upstream) {
      const result = await ports.store.getJson<StepResult>(stepResultKey(plan.executionId, g.groupId));
      const inWindow = g.days.filter((day) => daysBetween(read.from, day) >= 0 && daysBetween(day, read.to) >= 0);
      const failed = inWindow.find((day) => result?.days.find((d) => d.day === day)?.status !== 'succeeded');
      if (failed) return `${read.table} ${failed}`;
    }
  }
  return undefined;
}

/** A result whose every day failed with `error`, for a step that did not run or did not finish. */
function failedStepResult(step: StepIdentity, error: Error): StepResult {
  return {
    groupId: step.groupId,
    dataset: step.dataset,
    stageVersion: step.stageVersion,
    days: step.days.map((day) => failedDayResult(day, { name: error.name, message: error.message })),
    rejectedByReason: {},
    seconds: 0,
  };
}
