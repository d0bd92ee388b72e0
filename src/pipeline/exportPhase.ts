/**
 * The export phase on AWS (README "Exports"): after the last transform phase, while the cluster is up, one EMR
 * step runs the PySpark driver's export mode on every export that reads a table with a day this execution's
 * steps wrote; CommitLedger then reads its ExportResult (EmrExportQueries). A local engine has no such step:
 * its exports are computed at commit (the ExportQueries port), so the phase launches nothing there.
 */
import type { LakestepConfig } from '../config/config';
import { changedDaysByTable, dueExports } from '../core/completion';
import { exportSpec, type ExportResult } from '../core/exportSpec';
import { LakestepError } from '../core/errors';
import type { Ports } from '../core/ports';
import { nextPollSeconds, pastDeadline } from '../core/stepPolling';
import type { Plan, StepResult, StepState } from '../core/types';
import { exportKey, exportResultKey, exportSpecKey, latestExportKey, stepResultKey } from '../core/runKeys';

/** What LaunchExports hands CheckExports (small: the state carries it). */
export interface LaunchedExports {
  stepId: string;
  clusterId?: string;
  resultKey: string;
  /** the exports the step computes, for the result written when it fails without one */
  names: string[];
  launchedAtMs: number;
  deadlineMs: number;
}

/**
 * Stores the ExportSpec of the due exports and submits the export step.
 * @returns `{ launched: false }` when no export is due or the engine computes exports at commit (local)
 * @throws LakestepError when the plan is missing; the EMR client's errors (a terminated cluster)
 */
export async function launchExports(
  ports: Pick<Ports, 'store' | 'steps' | 'clock'>,
  planKey: string,
  config: Pick<LakestepConfig, 'datasets' | 'aggregates' | 'exports' | 'stepTimeoutMinutes'>,
  clusterId?: string,
): Promise<{ launched: false } | ({ launched: true } & LaunchedExports)> {
  const submitExports = ports.steps.submitExports?.bind(ports.steps);
  if (!submitExports || !Object.keys(config.exports).length) return { launched: false };
  const plan = await ports.store.getJson<Plan>(planKey);
  if (!plan) throw new LakestepError(`no plan at ${planKey} (expected Discover's)`);
  const results = await Promise.all(
    plan.groups.map((g) => ports.store.getJson<StepResult>(stepResultKey(plan.executionId, g.groupId))),
  );
  const written = results.flatMap((r) =>
    (r?.days ?? []).filter((d) => d.status === 'succeeded').map((d) => ({ dataset: r!.dataset, day: d.day })),
  );
  const { executionId } = plan;
  const targets = dueExports(config.exports, changedDaysByTable(written)).map((exp) => ({
    ...exp,
    key: exportKey(exp.name, executionId),
    latestKey: latestExportKey(exp.name),
  }));
  if (!targets.length) return { launched: false };
  const resultKey = exportResultKey(executionId);
  await ports.store.putJson(exportSpecKey(executionId), exportSpec(executionId, resultKey, targets, config));
  const { stepId } = await submitExports(exportSpecKey(executionId), clusterId);
  const launchedAtMs = ports.clock.nowMs();
  return {
    launched: true,
    stepId,
    ...(clusterId ? { clusterId } : {}),
    resultKey,
    names: targets.map((t) => t.name),
    launchedAtMs,
    deadlineMs: launchedAtMs + config.stepTimeoutMinutes * 60_000,
  };
}

/**
 * Polls the export step. Past its deadline it is cancelled. A step that ended without an ExportResult gets
 * one here, every export failed with the step's failure, so CommitLedger names the cause; the execution's
 * days commit either way (an export's failure fails the execution after the commit).
 * @returns `pollSeconds` while it runs
 */
export async function checkExports(
  ports: Pick<Ports, 'store' | 'steps' | 'clock'>,
  step: LaunchedExports,
): Promise<{ state: StepState; pollSeconds?: number }> {
  let status = await ports.steps.describe(step.stepId, step.clusterId);
  const nowMs = ports.clock.nowMs();
  const running = status.state === 'PENDING' || status.state === 'RUNNING';
  if (running && pastDeadline(step.deadlineMs, nowMs)) {
    if ((await ports.steps.cancel(step.stepId, step.clusterId)) === 'ended')
      status = await ports.steps.describe(step.stepId, step.clusterId);
    else
      status = {
        ...status,
        state: 'CANCELLED',
        failureMessage: `past its deadline of ${Math.round((step.deadlineMs - step.launchedAtMs) / 60_000)} min, cancelled`,
      };
  }
  if (status.state === 'PENDING' || status.state === 'RUNNING')
    return {
      state: status.state,
      pollSeconds: nextPollSeconds((nowMs - step.launchedAtMs) / 1000, (step.deadlineMs - nowMs) / 1000),
    };
  if (!(await ports.store.getJson<ExportResult>(step.resultKey))) {
    const why = `the export step ${step.stepId} ${status.state.toLowerCase()} without a result: ${status.failureMessage ?? 'no reason given'}`;
    const result: ExportResult = {
      exports: Object.fromEntries(step.names.map((name) => [name, { error: why }])),
      seconds: 0,
    };
    await ports.store.putJson(step.resultKey, result);
  }
  return { state: status.state };
}
