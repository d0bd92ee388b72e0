/**
 * The failure path's record: which days failed and why, written to the ledger (so a rerun can
 * take exactly those days) and composed into the alert the NotifyFailure state publishes.
 */
import type { LakestepConfig } from '../config/config';
import type { Ports } from '../core/ports';
import type { Day, Plan } from '../core/types';
import { summarize, type RunSummary } from '../core/summary';
import { buildRunReport } from '../report/runReport';
import { writeRunReport } from '../report/reportStore';
import { refreshLakePage } from './lakePage';
import { executionName, summaryKey } from '../core/runKeys';

/** What a Catch puts at `$.error`. */
export interface CaughtError {
  Error: string;
  Cause?: string;
}

export interface Alert {
  /** ≤ 100 characters (SNS subject limit) */
  subject: string;
  error: string;
  cause: string;
  /** the alert's body, serialized here: NotifyFailure passes it to SNS as is */
  messageJson: string;
}

/**
 * A Lambda's Cause is a JSON string `{"errorType","errorMessage","trace"}`; the local runner's is
 * the plain message. Either way, the human-readable message.
 */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return 'no cause given';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: a plain message
  }
  return cause;
}

/**
 * Failed days: those the summary names if CommitLedger ran, else every planned day (nothing was committed).
 * @param config the project's config; with it, the lake page is refreshed too
 */
export async function recordFailure(
  ports: Pick<Ports, 'store' | 'ledger' | 'clock'>,
  state: { error?: CaughtError; plan?: { planKey?: string }; run?: { startedAtMs?: number } },
  executionId: string,
  config?: LakestepConfig,
): Promise<Alert> {
  const error = state.error ?? { Error: 'UnknownError' };
  const cause = causeMessage(error.Cause);
  const summary = await ports.store.getJson<RunSummary>(summaryKey(executionId));
  const plan = !summary && state.plan?.planKey ? await ports.store.getJson<Plan>(state.plan.planKey) : undefined;
  const failedDays: { dataset: string; day: Day }[] = summary
    ? summary.failedDays.map(({ dataset, day }) => ({ dataset, day }))
    : (plan?.days ?? []).map(({ dataset, day }) => ({ dataset, day }));
  const nowMs = ports.clock.nowMs();
  if (plan) {
    // CommitLedger never ran: report every planned day failed with the cause (its report covers the other case).
    const report = buildRunReport(summarize(plan, [], `${error.Error}: ${cause}`), {
      startedAtMs: plan.createdAtMs,
      endedAtMs: nowMs,
    });
    await writeRunReport(ports.store, report);
  }
  await ports.ledger.putExecution({
    executionId,
    status: 'FAILED',
    startedAtMs: state.run?.startedAtMs ?? nowMs,
    endedAtMs: nowMs,
    failedDays,
    cause,
  });
  if (config) await refreshLakePage(ports, config);
  const name = executionName(executionId);
  return {
    subject: `lakestep: execution ${name} failed (${error.Error})`.slice(0, 100),
    error: error.Error,
    cause,
    messageJson: JSON.stringify({
      executionId,
      error: error.Error,
      cause,
      failedDays: failedDays.map((d) => `${d.dataset} ${d.day}`),
      rerun: failedDays.length ? { mode: 'rerun', executionId } : undefined,
    }),
  };
}
