/**
 * What the cost estimate (core/costEstimate.ts) is computed from: the state machine file's shape,
 * the stage's settings, a plan's work, and the seconds per table-day earlier runs measured.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { allTableNames, isDataset, PACKAGE_ROOT, tableConfig, type LakestepConfig } from '../config/config';
import {
  ASSUMED,
  estimateCost,
  type CostEstimate,
  type CostSettings,
  type ExecutionWork,
  type MachineShape,
  type StepTiming,
} from '../core/costEstimate';
import type { ObjectStore } from '../core/ports';
import { PRICES } from '../core/prices';
import { MIN_POLL_SECONDS } from '../core/stepPolling';
import type { Plan, StepResult } from '../core/types';
import { listReports, reportKeys } from '../report/reportStore';
import type { RunReport } from '../report/runReport';
import { type AslState, readDefinition } from './stateMachineFile';

/**
 * State names → Type (nested Maps included) and the crawler poll Wait's seconds, of the definition; the
 * step polls follow core/stepPolling, whose first wait WaitForStepStart must be.
 * @throws Error when WaitForCrawler has no Seconds, or WaitForStepStart's are not MIN_POLL_SECONDS
 */
export function machineShape(definition: { States: Record<string, AslState> } = readDefinition()): MachineShape {
  const states: Record<string, AslState> = {};
  const walk = (d: { States: Record<string, AslState> }) => {
    for (const [name, state] of Object.entries(d.States)) {
      states[name] = state;
      if (state.ItemProcessor) walk(state.ItemProcessor);
    }
  };
  walk(definition);
  const seconds = (name: string) => {
    const s = states[name]?.Seconds;
    if (typeof s !== 'number') throw new Error(`state machine: ${name} has no Seconds (the cost estimate polls by it)`);
    return s;
  };
  if (seconds('WaitForStepStart') !== MIN_POLL_SECONDS)
    throw new Error(
      `state machine: WaitForStepStart waits ${seconds('WaitForStepStart')} s, not core/stepPolling's first ${MIN_POLL_SECONDS} s`,
    );
  return {
    stateTypes: Object.fromEntries(Object.entries(states).map(([name, s]) => [name, s.Type])),
    crawlerPollSeconds: seconds('WaitForCrawler'),
  };
}

/** Environment variables the Lambdas get (serverless.yml), over serverless.yml's own params. */
const ENV_OF_PARAM = {
  emrInstanceType: 'EMR_INSTANCE_TYPE',
  emrCoreInstanceType: 'EMR_CORE_INSTANCE_TYPE',
  emrInstanceCount: 'EMR_INSTANCE_COUNT',
  stepConcurrency: 'STEP_CONCURRENCY',
  emrClusterId: 'EMR_CLUSTER_ID',
} as const;

/**
 * A stage's compute settings: serverless.yml `params.default` under `params.<stage>`, under the
 * environment's EMR_* / STEP_CONCURRENCY (a Lambda's; a local run has none). Crawler runs: one per
 * processed table and one per dataset's rejected table (StartCrawler crawls them all).
 * @throws Error naming the param when the instance count or concurrency is not a whole number ≥ 1
 */
export function costSettings(
  config: Pick<LakestepConfig, 'datasets' | 'aggregates'>,
  env: NodeJS.ProcessEnv = {},
  stage?: string,
): CostSettings {
  let params: Record<string, unknown> = {};
  try {
    const doc = parse(readFileSync(resolve(PACKAGE_ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' }) as {
      params?: Record<string, Record<string, unknown>>;
    };
    params = { ...(doc.params?.default ?? {}), ...((stage && doc.params?.[stage]) || {}) };
  } catch {
    // a Lambda's package has no serverless.yml: its environment carries the settings
  }
  const value = (param: keyof typeof ENV_OF_PARAM) => {
    const fromEnv = env[ENV_OF_PARAM[param]]?.trim();
    return fromEnv ? fromEnv : params[param] === undefined ? undefined : String(params[param]);
  };
  const whole = (param: 'emrInstanceCount' | 'stepConcurrency', fallback: number) => {
    const n = Number(value(param) ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${param} "${value(param)}" is not a whole number ≥ 1`);
    return n;
  };
  const tables = allTableNames(config).map((name) => tableConfig(config, name));
  return {
    instanceType: value('emrInstanceType') || 'm5.xlarge',
    coreInstanceType: value('emrCoreInstanceType') || undefined,
    instanceCount: whole('emrInstanceCount', 3),
    stepConcurrency: whole('stepConcurrency', 2),
    ...(value('emrClusterId') ? { existingCluster: value('emrClusterId') } : {}),
    crawlersPerExecution: tables.reduce((n, t) => n + (isDataset(t) ? 2 : 1), 0),
  };
}

/**
 * One execution's work from its plan; with its steps' results, their measured seconds.
 * @param results in the order of plan.groups; a missing one counts as unmeasured
 */
export function workOfPlan(
  plan: Pick<Plan, 'groups' | 'days' | 'rawPartitions' | 'removedRawDays'> & Partial<Pick<Plan, 'deferred'>>,
  results?: (StepResult | undefined)[],
): ExecutionWork {
  const phases = [...new Set(plan.groups.map((g) => g.phase))].sort((a, b) => a - b);
  return {
    phases: phases.map((phase) => ({
      groups: plan.groups
        .map((g, i) => ({ g, result: results?.[i] }))
        .filter(({ g }) => g.phase === phase)
        .map(({ g, result }) => ({ days: g.days.length, ...(result ? { seconds: result.seconds } : {}) })),
    })),
    outputDays: plan.days.length,
    rawPartitions: plan.rawPartitions.length,
    removedRawPartitions: plan.removedRawDays.length,
    continues: plan.deferred !== undefined,
  };
}

/**
 * The executions after the first of a cut run, estimated from the (table, day) pairs deferred: groups
 * of maxDaysPerStep days, maxStepsPerExecution groups an execution, one phase, a raw partition a day.
 * A lower bound on executions (tables and phases cut groups shorter); the busiest execution is a full one.
 */
export function deferredWork(
  deferredDays: number,
  config: Pick<LakestepConfig, 'maxDaysPerStep' | 'maxStepsPerExecution'>,
): ExecutionWork[] {
  const out: ExecutionWork[] = [];
  for (let left = deferredDays; left > 0; ) {
    const groups: { days: number }[] = [];
    while (left > 0 && groups.length < config.maxStepsPerExecution) {
      const days = Math.min(config.maxDaysPerStep, left);
      groups.push({ days });
      left -= days;
    }
    const days = groups.reduce((n, g) => n + g.days, 0);
    out.push({
      phases: [{ groups }],
      outputDays: days,
      rawPartitions: days,
      removedRawPartitions: 0,
      continues: left > 0,
    });
  }
  return out;
}

/** Run reports read for a measured figure: the newest this many that computed days. */
const MEASURED_REPORTS = 10;

/**
 * Seconds per table-day measured by the newest run reports in the lake (step seconds ÷ days computed,
 * start-up included), or the assumed figures when none computed a day.
 */
export async function measuredTiming(store: ObjectStore): Promise<StepTiming> {
  const names = (await listReports(store)).sort().reverse();
  let seconds = 0;
  let days = 0;
  let used = 0;
  for (const name of names) {
    if (used >= MEASURED_REPORTS) break;
    const report = await store.getJson<RunReport>(reportKeys(name).jsonKey).catch(() => undefined);
    const computed = report?.totals?.days ?? 0;
    if (!report || computed === 0 || !(report.stepSeconds > 0)) continue;
    seconds += report.stepSeconds;
    days += computed;
    used++;
  }
  if (days === 0) return assumedTiming();
  return {
    secondsPerDay: seconds / days,
    stepStartupSeconds: 0,
    source: 'measured',
    basis: `mean of the ${used} newest run reports of this lake, ${days} table-days`,
  };
}

export const assumedTiming = (): StepTiming => ({
  secondsPerDay: ASSUMED.secondsPerDay,
  stepStartupSeconds: ASSUMED.stepStartupSeconds,
  source: 'assumed',
  basis: 'assumed',
});

/**
 * The cost of work done: the executed plan, each step's own seconds (a step without a result is
 * taken at the mean of the others, or the assumed figures).
 * @param where the engine the seconds were measured on, for the note (e.g. `EMR`, `local DuckDB`)
 */
export function estimateDone(
  plan: Plan,
  results: (StepResult | undefined)[],
  config: LakestepConfig,
  env: NodeJS.ProcessEnv,
  where: string,
): CostEstimate {
  const measured = plan.groups.map((g, i) => ({ days: g.days.length, result: results[i] })).filter((x) => x.result);
  const seconds = measured.reduce((n, x) => n + x.result!.seconds, 0);
  const days = measured.reduce((n, x) => n + x.days, 0);
  const timing: StepTiming = days
    ? {
        secondsPerDay: seconds / days,
        stepStartupSeconds: 0,
        source: 'measured',
        basis: `this execution's ${measured.length} step${measured.length === 1 ? '' : 's'}, on ${where}`,
      }
    : assumedTiming();
  return estimateCost([workOfPlan(plan, results)], costSettings(config, env), timing, machineShape(), PRICES);
}

/**
 * The estimate of a dry run's plan: its execution and, when it was cut, the ones that would follow.
 */
export async function estimatePlan(
  plan: Plan,
  config: LakestepConfig,
  store: ObjectStore,
  env: NodeJS.ProcessEnv = {},
  stage?: string,
): Promise<CostEstimate> {
  const executions = [workOfPlan(plan), ...deferredWork(plan.deferred?.days ?? 0, config)];
  return estimateCost(
    executions,
    costSettings(config, env, stage),
    await measuredTiming(store),
    machineShape(),
    PRICES,
  );
}
