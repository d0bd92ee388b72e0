/** Launching a group's step and reading back its outcome (the LaunchStep / CheckStep Lambdas). */
import type { LakestepConfig } from '../config/config';
import { LakestepError } from '../core/errors';
import type { Ports } from '../core/ports';
import type { DayResult, Plan, StepResult, StepSpec, StepState } from '../core/types';
import { stepResultKey } from './runKeys';

export interface LaunchedStep {
  stepId: string;
  resultKey: string;
  /** the cluster the step went to (EnsureCluster's), so CheckStep asks that cluster */
  clusterId?: string;
}

/**
 * Builds the group's StepSpec from the stored plan and submits it.
 * @throws LakestepError when the plan or the group is missing
 */
export async function launchStep(
  ports: Pick<Ports, 'store' | 'steps'>,
  planKey: string,
  groupId: string,
  config: LakestepConfig,
  clusterId?: string,
): Promise<LaunchedStep> {
  const plan = await ports.store.getJson<Plan>(planKey);
  const group = plan?.groups.find((g) => g.groupId === groupId);
  if (!plan || !group) throw new LakestepError(`plan ${planKey} has no group ${groupId}`);
  const spec: StepSpec = {
    executionId: plan.executionId,
    groupId,
    dataset: group.dataset,
    days: group.days,
    rawDays: group.rawDays,
    stageSql: config.datasets[group.dataset].stage,
    stageVersion: plan.stageVersions[group.dataset],
    resultKey: stepResultKey(plan.executionId, groupId),
    ...(clusterId ? { clusterId } : {}),
  };
  const { stepId } = await ports.steps.submit(spec);
  return { stepId, resultKey: spec.resultKey, ...(clusterId ? { clusterId } : {}) };
}

export interface CheckedStep {
  state: StepState;
  failureMessage?: string;
  /** per-day outcome once COMPLETED (small: one line a day) */
  days?: Pick<DayResult, 'day' | 'status' | 'recordsOut' | 'rejected'>[];
  /** s */
  seconds?: number;
}

/** The step's state; once COMPLETED, the per-day outcome from its result object. */
export async function checkStep(ports: Pick<Ports, 'store' | 'steps'>, step: LaunchedStep): Promise<CheckedStep> {
  const status = await ports.steps.describe(step.stepId, step.clusterId);
  if (status.state !== 'COMPLETED') return { state: status.state, failureMessage: status.failureMessage };
  const result = await ports.store.getJson<StepResult>(step.resultKey);
  if (!result) return { state: 'FAILED', failureMessage: `step ${step.stepId} completed without writing ${step.resultKey}` };
  return {
    state: 'COMPLETED',
    days: result.days.map(({ day, status: s, recordsOut, rejected }) => ({ day, status: s, recordsOut, rejected })),
    seconds: result.seconds,
  };
}
