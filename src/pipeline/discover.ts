/**
 * Discovery: list the raw partitions, compare them with the ledger, plan the dirty days.
 * The plan goes to the object store; the caller gets its key and the small group list the Map iterates.
 */
import type { LakestepConfig } from '../config/config';
import { InputError } from '../core/errors';
import { rawPartitionState } from '../core/fingerprint';
import { planDirtyDays } from '../core/plan';
import type { Ports } from '../core/ports';
import { groupRawPartitions } from '../core/rawKeys';
import type { Day, OutputDayState, Plan, RawPartitionState, RunInput } from '../core/types';
import { planKey } from './runKeys';
import { currentStageVersions } from './stageFiles';

export interface DiscoverResult {
  planKey: string;
  dirtyDays: number;
  /** Map MaxConcurrency (EMR StepConcurrencyLevel on AWS) */
  stepConcurrency: number;
  groups: { groupId: string; dataset: string; from: Day; to: Day; dayCount: number }[];
  /** raw keys in no recognised layout (left alone) */
  ignoredKeys: number;
}

/** @throws InputError when a rerun names an execution the ledger does not know */
export async function discover(ports: Pick<Ports, 'store' | 'ledger' | 'clock'>, run: RunInput, config: LakestepConfig): Promise<DiscoverResult> {
  const datasets = run.datasets.map((name) => config.datasets[name]);
  const observed: Record<string, RawPartitionState[]> = {};
  const ledgerRaw: Record<string, RawPartitionState[]> = {};
  const ledgerOutputs: Record<string, OutputDayState[]> = {};
  let ignoredKeys = 0;
  for (const ds of datasets) {
    const grouped = groupRawPartitions(ds.name, await ports.store.list(ds.raw.prefix), ds.raw.prefix);
    ignoredKeys += grouped.ignoredKeys.length;
    observed[ds.name] = grouped.partitions.map(rawPartitionState);
    [ledgerRaw[ds.name], ledgerOutputs[ds.name]] = await Promise.all([ports.ledger.rawPartitions(ds.name), ports.ledger.outputDays(ds.name)]);
  }
  const rerunDays = run.mode === 'rerun' ? await failedDaysOf(ports, run.rerunOf ?? '') : undefined;
  const plan: Plan = planDirtyDays({
    executionId: run.executionId,
    nowMs: ports.clock.nowMs(),
    input: run,
    datasets,
    observed,
    ledgerRaw,
    ledgerOutputs,
    stageVersions: currentStageVersions(datasets),
    maxDaysPerStep: config.maxDaysPerStep,
    rerunDays,
  });
  return {
    planKey: await ports.store.putJson(planKey(run.executionId), plan),
    dirtyDays: plan.days.length,
    stepConcurrency: config.stepConcurrency,
    groups: plan.groups.map((g) => ({ groupId: g.groupId, dataset: g.dataset, from: g.days[0], to: g.days[g.days.length - 1], dayCount: g.days.length })),
    ignoredKeys,
  };
}

async function failedDaysOf(ports: Pick<Ports, 'ledger'>, executionId: string) {
  const record = await ports.ledger.getExecution(executionId);
  if (!record) throw new InputError('executionId', `no execution "${executionId}" in the ledger (expected the id of an earlier execution, see \`lakestep executions\`)`);
  return record.failedDays;
}
