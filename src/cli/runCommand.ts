/**
 * `lakestep run`: one execution of the state machine on the local runtime (and the ones that go on
 * with a run too long for one), with progress on stderr and a summary at the end (or the plan,
 * with --dry-run).
 */
import { InputError } from '../core/errors';
import { validateRunInput } from '../core/input';
import type { RunSummary } from '../core/summary';
import { describeReason } from '../core/dirtyReasons';
import type { Plan } from '../core/types';
import { executeChain, localExecutionId, type ExecutionOutcome } from '../local/executeStateMachine';
import { takeOverStaleLock } from '../local/staleLock';
import { removeCrashLeftovers } from '../local/crashLeftovers';
import { recoverInterruptedPublishes } from '../local/duckdb/parquetWriter';
import { withLocalRuntime, type Engine, type LocalRuntime } from '../local/localRuntime';
import type { DiscoverResult } from '../pipeline/discover';
import { allTableNames, DEFAULTS, loadConfig, tableConfig } from '../config/config';
import { currentStageVersions } from '../pipeline/stageFiles';
import { causeMessage } from '../pipeline/failure';
import { executionName, summaryKey } from '../core/runKeys';
import { readRunReport } from '../report/reportStore';
import type { Reporter } from './reporter';
import { EXIT } from './exitCodes';
import { plural } from './plural';
import { estimatePlan } from '../pipeline/costInputs';
import { describeEstimate } from '../core/costEstimate';
import { failureLines } from './failureText';

/** Warnings printed one a line after a run; the rest are in the report. */
const MAX_WARNING_LINES = 10;

/** A path as one shell word: quoted only when it needs to be. */
const shellWord = (text: string) => (/^[\w./~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export interface RunCommandOptions {
  lake: string;
  from?: string;
  to?: string;
  force?: boolean;
  dryRun?: boolean;
  acceptRawRemoval?: boolean;
  /** list every raw arrival day, not only those that can still change */
  full?: boolean;
  stale?: boolean;
  rerun?: string;
  dataset?: string[];
  /** false (`--no-downstream`): only the --dataset tables, not those reading them */
  downstream?: boolean;
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
      // a local execution is shown by its name (run-…); the ledger keys executions by id
      executionId: opts.rerun && localExecutionId(opts.rerun),
      from: opts.from,
      to: opts.to,
      datasets: opts.dataset,
      downstream: opts.downstream === false ? false : undefined,
      force: opts.force || undefined,
      dryRun: opts.dryRun || undefined,
      acceptRawRemoval: opts.acceptRawRemoval || undefined,
      full: opts.full || undefined,
    }).filter(([, value]) => value !== undefined),
  );
}

/**
 * Runs the execution, and the ones it starts when the run is cut to fit one execution
 * (maxStepsPerExecution), each summarised as it ends.
 * @returns the exit code: 0 ok, 1 bad input, 2 run failed
 */
export async function runCommand(
  opts: RunCommandOptions,
  reporter: Reporter,
  stdout: NodeJS.WritableStream,
): Promise<number> {
  const input = executionInput(opts);
  // Fail fast on bad input, with the same validation the ValidateInput state runs.
  validateRunInput(input, { executionId: 'cli', startedAtMs: 0, knownDatasets: allTableNames(loadConfig()) });
  // a mistyped --lake is an error, not a new empty lake with nothing to do
  return withLocalRuntime({ lakeDir: opts.lake, engine: opts.engine, existing: true }, async (runtime) => {
    // An unknown execution to rerun is the user's typo (exit 1), not a failed execution with an alert.
    if (opts.rerun && !(await runtime.ports.ledger.getExecution(localExecutionId(opts.rerun)))) {
      throw new InputError(
        '--rerun',
        `no execution "${opts.rerun}" in this lake's ledger (expected the name of an earlier execution, as \`lakestep report\` shows it)`,
      );
    }
    // This process opened the lake's store, so no other run is alive: a lock item left now is a dead run's.
    const takeover = await takeOverStaleLock(runtime.lock, runtime.ports.ledger, runtime.ports.clock.nowMs());
    if (takeover) reporter.line(takeover);
    // A publish a crash cut short (a day with old and new files) is finished or rolled back before anything reads the lake.
    const repaired = await recoverInterruptedPublishes(runtime.lakeDir);
    if (repaired.length)
      reporter.line(
        `recovered an interrupted publish: ${plural(repaired.length, 'day folder')} repaired (${repaired.join(', ')})`,
      );
    const leftovers = await removeCrashLeftovers(runtime.lakeDir);
    if (leftovers.length)
      reporter.line(`removed ${plural(leftovers.length, 'leftover')} of a killed run (${leftovers.join(', ')})`);
    // Ctrl-C stops the execution like StopExecution, then frees the lock so the next run can start.
    const interrupt = new AbortController();
    const onSigint = () => interrupt.abort();
    process.once('SIGINT', onSigint);
    let startMs = Date.now();
    const reports: Record<string, unknown>[] = [];
    const outcomes = await executeChain(runtime, input, {
      onEvent: (e) => reporter.onEvent(e),
      waitMs: opts.waitMs,
      signal: interrupt.signal,
      onExecution: async (outcome) => {
        if (outcome.status !== 'ABORTED')
          reports.push(await reportExecution(runtime, outcome, (Date.now() - startMs) / 1000, opts, reporter));
        startMs = Date.now();
      },
    }).finally(() => process.removeListener('SIGINT', onSigint));
    // --json: one document, the last execution's, with the ones before it when the run was cut.
    const [lastReport, ...earlier] = [...reports].reverse();
    if (opts.json && lastReport)
      stdout.write(
        `${JSON.stringify(earlier.length ? { ...lastReport, previousExecutions: earlier.reverse() } : lastReport, null, 2)}\n`,
      );
    const last = outcomes[outcomes.length - 1];
    // a plain run leaves days an older stage SQL made as they are: say so, and how to recompute them
    if (!opts.json && !opts.stale && !opts.rerun && last.status !== 'ABORTED') {
      const stale = await staleDaysLine(runtime);
      if (stale) reporter.line(stale);
    }
    if (last.status === 'ABORTED') {
      // Stop the work first (a step still writing must not overlap the next run), then free the lock, then say what is true.
      const steps = runtime.ports.steps as Partial<{ stop(): Promise<void> }>;
      await steps.stop?.();
      await runtime.ports.lock.release(last.executionId);
      await runtime.ports.ledger.putExecution({
        ...((await runtime.ports.ledger.getExecution(last.executionId)) ?? {
          executionId: last.executionId,
          startedAtMs: startMs,
          failedDays: [],
        }),
        status: 'ABORTED',
        endedAtMs: runtime.ports.clock.nowMs(),
        cause: 'interrupted (Ctrl-C)',
      });
      // A forced range is not dirty in the ledger: only the same command redoes it.
      const redo = opts.force
        ? 'run the same command again to recompute the range'
        : 'the next run recomputes its days';
      reporter.line(
        `interrupted: the steps are stopped and the lock is released; nothing of this execution was recorded in the ledger (days it published already stay published), so ${redo}`,
      );
      return EXIT.runFailed;
    }
    return last.status === 'FAILED' ? EXIT.runFailed : EXIT.ok;
  });
}

/**
 * `N days stale — \`lakestep run --stale\`` when the ledger holds days made by an older version of
 * their table's stage SQL (per table: `access_records 3, client_share_4w 1`), else undefined.
 */
export async function staleDaysLine(runtime: Pick<LocalRuntime, 'ports'>): Promise<string | undefined> {
  const config = loadConfig();
  const tables = allTableNames(config).map((name) => tableConfig(config, name));
  const versions = currentStageVersions(tables);
  const counts = await Promise.all(
    tables.map(
      async (t) =>
        [
          t.name,
          (await runtime.ports.ledger.outputDays(t.name)).filter((o) => o.stageVersion !== versions[t.name]).length,
        ] as const,
    ),
  );
  const stale = counts.filter(([, n]) => n > 0);
  const total = stale.reduce((sum, [, n]) => sum + n, 0);
  if (!total) return undefined;
  return `${plural(total, 'day')} stale (${stale.map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`).join(', ')}: made by an older stage SQL) — \`lakestep run --stale\` recomputes them`;
}

/**
 * One ended execution: unless --json, its plan (--dry-run) or summary and where the run goes on, as
 * lines; always its JSON report (returned).
 */
async function reportExecution(
  runtime: LocalRuntime,
  outcome: ExecutionOutcome,
  seconds: number,
  opts: RunCommandOptions,
  reporter: Reporter,
): Promise<Record<string, unknown>> {
  const summary = await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId));
  const output = (outcome.output ?? {}) as { plan?: DiscoverResult };
  const plan = opts.dryRun && output.plan ? await runtime.ports.store.getJson<Plan>(output.plan.planKey) : undefined;
  const continued = outcome.continuedBy && {
    execution: outcome.continuedBy.name,
    deferredDays: output.plan?.deferredDays ?? 0,
  };
  // what the planned work would cost on AWS, at the stage settings serverless.yml gives by default
  const estimate = plan && (await estimatePlan(plan, runtime.config, runtime.ports.store));
  // --json: the run report (`lakestep report --json`'s document) and what only the run knows (docs/json-output.md)
  const stored = (await readRunReport(runtime.ports.store, outcome.executionId))?.report;
  const report = {
    ...(stored ?? { execution: executionName(outcome.executionId), executionId: outcome.executionId }),
    status: outcome.status,
    ...(outcome.error ? { error: { name: outcome.error.Error, message: causeMessage(outcome.error.Cause) } } : {}),
    seconds: Math.round(seconds * 10) / 10,
    ...(plan
      ? {
          plan: {
            days: plan.days.map(({ dataset, ...day }) => ({ table: dataset, ...day })),
            steps: plan.groups.length,
            ...(plan.deferred ? { deferred: plan.deferred } : {}),
          },
        }
      : {}),
    ...(estimate ? { estimate } : {}),
    ...(continued ? { continuedBy: continued } : {}),
  };
  if (!opts.json) {
    if (plan) {
      reporter.line(
        plan.days.length
          ? `dry run: ${plural(plan.days.length, 'day')} would be recomputed`
          : 'dry run: nothing to recompute',
      );
      for (const day of plan.days)
        reporter.line(`  ${day.dataset} ${day.day}: ${day.reasons.map(describeReason).join('; ')}`);
      if (plan.deferred)
        reporter.line(
          `  and ${plural(plan.deferred.days, 'day partition')} after ${plan.deferred.until} in the executions that follow (maxStepsPerExecution)`,
        );
      if (estimate)
        for (const line of describeEstimate(estimate, 'cost on AWS of this plan: about')) reporter.line(line);
    } else if (summary) {
      const n = (x: number) => x.toLocaleString('en-US');
      for (const table of [...new Set(summary.days.map((d) => d.dataset))]) {
        const days = summary.days.filter((d) => d.dataset === table);
        const sum = (pick: (d: (typeof days)[number]) => number) => n(days.reduce((total, d) => total + pick(d), 0));
        const failed = days.filter((d) => d.status === 'failed').length;
        reporter.line(
          `  ${table}: ${plural(days.length, 'day')}${failed ? ` (${failed} failed)` : ''}, ${sum((d) => d.recordsIn)} records in, ${sum((d) => d.recordsOut)} out, ` +
            `${sum((d) => d.duplicatesDropped)} duplicates dropped, ${sum((d) => d.rejected)} rejected (${sum((d) => d.late)} late)`,
        );
      }
      for (const w of summary.warnings.slice(0, MAX_WARNING_LINES))
        reporter.line(`warning: ${w.dataset} ${w.day}: ${w.message}`);
      if (summary.warnings.length > MAX_WARNING_LINES)
        reporter.line(
          `… and ${plural(summary.warnings.length - MAX_WARNING_LINES, 'more warning')}: \`lakestep report\` lists them all`,
        );
      const t = summary.totals;
      reporter.line(
        `${outcome.status === 'SUCCEEDED' ? 'done' : 'FAILED'}: ${plural(t.daysTransformed, 'day')} transformed${t.daysFailed ? `, ${t.daysFailed} failed` : ''}, ${seconds.toFixed(1)} s`,
      );
    } else if (outcome.status === 'SUCCEEDED') {
      reporter.line(`done: nothing to do, ${seconds.toFixed(1)} s`);
    }
    if (continued)
      reporter.line(
        `the run goes on in execution ${continued.execution} (${plural(continued.deferredDays, 'day partition')} left; maxStepsPerExecution)`,
      );
  }
  if (outcome.status === 'FAILED') {
    const lakeArgs = opts.lake === DEFAULTS.lake ? '' : ` --lake ${shellWord(opts.lake)}`;
    const error = outcome.error && { Error: outcome.error.Error, Cause: causeMessage(outcome.error.Cause) };
    for (const line of failureLines(executionName(outcome.executionId), error, summary, lakeArgs)) reporter.line(line);
  }
  return report;
}
