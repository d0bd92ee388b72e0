/**
 * CommitLedger: commits every day whose step succeeded (and the raw fingerprints whose days all
 * succeeded), stores the run summary, records the execution, and fails naming the failed days.
 */
import type { LakestepConfig } from '../config/config';
import { commitEntries, NO_RESULT_ERROR } from '../core/commit';
import { DaysFailedError } from '../core/errors';
import type { Ports } from '../core/ports';
import { summarize, type RunSummary } from '../core/summary';
import type { Plan, StepResult } from '../core/types';
import { stepResultKey, summaryKey } from './runKeys';

/** @throws DaysFailedError after committing the days that succeeded, when any day failed */
export async function commitLedger(ports: Pick<Ports, 'store' | 'ledger' | 'clock'>, planKey: string, config: LakestepConfig) {
  const plan = await ports.store.getJson<Plan>(planKey);
  if (!plan) throw new Error(`plan ${planKey} is missing`);
  const results = await Promise.all(plan.groups.map((g) => ports.store.getJson<StepResult>(stepResultKey(plan.executionId, g.groupId))));
  const nowMs = ports.clock.nowMs();
  const entries = commitEntries({
    plan,
    results: results.filter((r): r is StepResult => r !== undefined),
    executionId: plan.executionId,
    nowMs,
    lateDaysOf: (dataset) => config.datasets[dataset].lateDays,
  });
  await ports.ledger.commit({ raw: entries.raw, outputs: entries.outputs, removedRaw: entries.removedRaw });
  const summary: RunSummary = summarize(plan, results, NO_RESULT_ERROR);
  const key = await ports.store.putJson(summaryKey(plan.executionId), summary);
  const failedDays = summary.failedDays.map(({ dataset, day }) => ({ dataset, day }));
  await ports.ledger.putExecution({
    executionId: plan.executionId,
    status: failedDays.length ? 'FAILED' : 'SUCCEEDED',
    startedAtMs: plan.createdAtMs,
    endedAtMs: nowMs,
    failedDays,
    cause: failedDays.length ? describeFailedDays(summary) : undefined,
  });
  if (failedDays.length) throw new DaysFailedError(failedDays.map((d) => d.day), describeFailedDays(summary));
  return { committedDays: entries.outputs.length, summaryKey: key, totals: summary.totals };
}

/** e.g. `1 of 3 days failed: access_records 2024-03-05 (RejectThresholdError: …)` */
export function describeFailedDays(summary: RunSummary): string {
  const list = summary.failedDays.map((d) => `${d.dataset} ${d.day} (${d.error})`).join('; ');
  return `${summary.failedDays.length} of ${summary.days.length} days failed: ${list}`;
}
