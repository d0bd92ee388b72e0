/**
 * `lakestep run`: one execution of the state machine on the local runtime, with progress on
 * stderr and a summary at the end (or the plan, with --dry-run).
 */
import { validateRunInput } from '../core/input';
import type { RunSummary } from '../core/summary';
import { describeReason } from '../core/plan';
import type { Plan } from '../core/types';
import { executeStateMachine } from '../local/executeStateMachine';
import { withLocalRuntime, type Engine } from '../local/localRuntime';
import { allTableNames, loadConfig } from '../config/config';
import { causeMessage } from '../pipeline/failure';
import { summaryKey } from '../pipeline/runKeys';
import type { Reporter } from './reporter';
import { EXIT } from './exitCodes';

export interface RunCommandOptions {
  lake: string;
  from?: string;
  to?: string;
  force?: boolean;
  dryRun?: boolean;
  stale?: boolean;
  rerun?: string;
  dataset?: string[];
  engine?: Engine;
  json?: boolean;
  /** ms per Wait state (tests shorten it) */
  waitMs?: number;
}

/** The execution input these options stand for: the same JSON a user pastes into the console. */
export function executionInput(opts: RunCommandOptions): Record<string, unknown> {
  const mode = opts.rerun ? 'rerun' : opts.stale ? 'stale' : undefined;
  return Object.fromEntries(
    Object.entries({
      mode,
      executionId: opts.rerun,
      from: opts.from,
      to: opts.to,
      datasets: opts.dataset,
      force: opts.force || undefined,
      dryRun: opts.dryRun || undefined,
    }).filter(([, value]) => value !== undefined),
  );
}

/**
 * @returns the exit code: 0 ok, 1 bad input, 2 run failed
 */
export async function runCommand(opts: RunCommandOptions, reporter: Reporter, stdout: NodeJS.WritableStream): Promise<number> {
  const input = executionInput(opts);
  // Fail fast on bad input, with the same validation the ValidateInput state runs.
  validateRunInput(input, { executionId: 'cli', startedAtMs: 0, knownDatasets: allTableNames(loadConfig()) });
  const startMs = Date.now();
  return withLocalRuntime({ lakeDir: opts.lake, engine: opts.engine }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input, { onEvent: (e) => reporter.onEvent(e), waitMs: opts.waitMs });
    const seconds = (Date.now() - startMs) / 1000;
    const summary = await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId));
    const output = (outcome.output ?? {}) as { plan?: { planKey: string } };
    const plan = opts.dryRun && output.plan ? await runtime.ports.store.getJson<Plan>(output.plan.planKey) : undefined;
    if (opts.json) {
      stdout.write(`${JSON.stringify({ executionId: outcome.executionId, status: outcome.status, error: outcome.error, seconds, summary, plan: plan && { days: plan.days, groups: plan.groups } }, null, 2)}\n`);
    } else if (plan) {
      reporter.line(plan.days.length ? `dry run: ${plan.days.length} days would be recomputed` : 'dry run: nothing to recompute');
      for (const day of plan.days) reporter.line(`  ${day.dataset} ${day.day}: ${day.reasons.map(describeReason).join('; ')}`);
    } else if (summary) {
      const t = summary.totals;
      const n = (x: number) => x.toLocaleString('en-US');
      reporter.line(
        `${outcome.status === 'SUCCEEDED' ? 'done' : 'FAILED'}: ${t.daysTransformed} days transformed${t.daysFailed ? `, ${t.daysFailed} failed` : ''}, ` +
          `${n(t.recordsIn)} records in, ${n(t.recordsOut)} out, ${n(t.duplicatesDropped)} duplicates dropped, ${n(t.rejected)} rejected (${n(t.late)} late), ${seconds.toFixed(1)} s`,
      );
    } else if (outcome.status === 'SUCCEEDED') {
      reporter.line(`done: nothing to do, ${seconds.toFixed(1)} s`);
    }
    if (outcome.status === 'FAILED') {
      reporter.line(`error: execution ${outcome.executionId.split(':').pop()} failed: ${outcome.error?.Error}: ${causeMessage(outcome.error?.Cause)}`);
      return EXIT.runFailed;
    }
    return EXIT.ok;
  });
}
