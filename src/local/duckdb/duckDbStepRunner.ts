/**
 * The local "EMR step": computes a group of output days of one dataset on DuckDB, in-process.
 *
 * One step = one fresh in-memory DuckDB: load the raw arrival days (rawReader.ts), run the stage's
 * Spark SQL with the prelude (stage.ts), count per day (stepDayCounts.ts), apply the dataset's reject
 * threshold and the checks, write the day partitions (stepPublish.ts), and write the StepResult JSON to
 * `<lake>/<spec.resultKey>`. The same StepSpec drives EMR and spark-submit. See docs/duckdb-engine.md.
 */
import { sqlString } from '../../core/sqlText';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { allTableNames, isDataset, type DatasetConfig, type LakestepConfig } from '../../config/config';
import { CheckFailedError, LakestepError, StepFailedError } from '../../core/errors';
import type { StepRunner } from '../../core/ports';
import type { Day, DayResult, StepResult, StepSpec, StepStatus } from '../../core/types';
import { loadRawDays, NO_RAW_STATS, type LoadRawStats } from './rawReader';
import { readStageSql, runStage } from './stage';
import { countDays, dayCounts } from './stepDayCounts';
import { publishStepDays } from './stepPublish';
import { type StepProfile, StepTimer } from './stepProfile';
import { createReadViews } from './processedInputs';
import { computeMetrics, evaluateChecks } from './qualityGates';

export interface DuckDbStepOptions {
  /** the lake folder (absolute or relative to the working directory) */
  lakeDir: string;
  /** the folder holding `spark/sql/` (stage paths in a StepSpec are relative to it) */
  projectRoot: string;
  config: LakestepConfig;
  /** DuckDB worker threads; default: DuckDB's (one per core) */
  threads?: number;
}

/** StepResult plus the profile (the profile is not written to the result JSON). */
export type StepRun = StepResult & { profile: StepProfile };

const STAGE_OUTPUT = 'stage_output';

/**
 * Runs one step to the end and returns its result (also written to `<lake>/<spec.resultKey>`).
 * Days are `failed` (nothing published; the quarantined records go to `_runs/<execution>/rejected/`)
 * when the group's reject share passes the dataset's `rejectThreshold`: rejected ÷ all records of
 * the group's arrival days (= spec.days).
 * @throws StepFailedError for an unknown dataset; the DuckDB / file-system error as it is otherwise
 *   (days already replaced stay replaced; a day is never half-written: see parquetWriter.ts)
 * @example const result = await runStepInProcess(spec, { lakeDir: './lake', projectRoot: '.', config: loadConfig() });
 */
export async function runStepInProcess(spec: StepSpec, opts: DuckDbStepOptions): Promise<StepRun> {
  const timer = new StepTimer();
  const table = opts.config.datasets[spec.dataset] ?? opts.config.aggregates[spec.dataset];
  if (!table)
    throw new StepFailedError(
      spec.days,
      `step ${spec.groupId}: table "${spec.dataset}" is not in lakestep.config.yml (expected one of ${allTableNames(opts.config).join(', ')})`,
    );
  const dataset = isDataset(table) ? table : undefined;
  const lakeDir = resolve(opts.lakeDir);
  const workDir = join(lakeDir, '_tmp', `step-${safeName(spec.groupId)}-${randomUUID()}`);
  const instance = await DuckDBInstance.create(':memory:', {
    ...(opts.threads ? { threads: String(opts.threads) } : {}),
    // Row order is never relied on (record order is explicit: _source_file, _record_index).
    preserve_insertion_order: 'false',
  });
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const load = await loadInputs(connection, spec, { lakeDir, workDir, dataset, config: opts.config });

    timer.mark('stage');
    await connection.run(
      `CREATE OR REPLACE TABLE run_days AS SELECT CAST(d AS DATE) AS day FROM unnest([${spec.days.map(sqlString).join(', ')}]::VARCHAR[]) AS t(d)`,
    );
    const sqlText = await readStageSql(resolve(opts.projectRoot, spec.stageSql));
    await runStage(connection, sqlText, STAGE_OUTPUT, spec.stageSql);

    timer.mark('count');
    const counts = await countDays(connection, STAGE_OUTPUT, dataset, spec.days);
    const rejected = spec.days.reduce((n, d) => n + counts.rejected[d], 0);
    const total = spec.days.reduce((n, d) => n + counts.records[d], 0);
    const overThreshold = dataset !== undefined && total > 0 && rejected / total > dataset.rejectThreshold;
    const checks = await evaluateChecks(connection, spec, spec.days);
    const metrics = await computeMetrics(connection, spec.metrics, spec.days);
    const withGates = (day: Day) => ({
      ...dayCounts(counts, day),
      ...(checks.has(day) ? { checks: checks.get(day) } : {}),
      ...(Object.keys(spec.metrics).length ? { metrics: metrics.get(day) } : {}),
    });
    // The first blocking check that found rows fails its day; that day is not written at all.
    const blocked = new Map(
      spec.days.flatMap((day) => {
        const hit = checks.get(day)?.find((c) => c.severity === 'blocking');
        return hit ? [[day, new CheckFailedError(hit.name, day, hit.failingRows)] as const] : [];
      }),
    );

    timer.mark('write');
    const failed = await publishStepDays(connection, {
      spec,
      table,
      lakeDir,
      workDir,
      outputTable: STAGE_OUTPUT,
      overThreshold: overThreshold && dataset ? { rejected, total } : undefined,
      blocked,
    });
    const days: DayResult[] = spec.days.map((day) => {
      const error = failed.get(day);
      return error
        ? { ...withGates(day), status: 'failed', error: { name: error.name, message: error.message } }
        : { ...withGates(day), status: 'succeeded' };
    });
    timer.mark('finished');
    const result: StepResult = {
      groupId: spec.groupId,
      dataset: spec.dataset,
      stageVersion: spec.stageVersion,
      days,
      rejectedByReason: counts.rejectedByReason,
      seconds: round3(timer.seconds('start', 'finished')),
    };
    await writeJsonAtomically(join(lakeDir, spec.resultKey), result);
    return { ...result, profile: timer.profile(load) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Everything the stage reads: the raw days (JSON, CSV or Parquet) of a dataset, then the processed tables
 * of spec.reads as views, then `run_days`.
 */
async function loadInputs(
  connection: DuckDBConnection,
  spec: StepSpec,
  opts: { lakeDir: string; workDir: string; dataset: DatasetConfig | undefined; config: LakestepConfig },
): Promise<LoadRawStats> {
  const { dataset, lakeDir } = opts;
  let load = NO_RAW_STATS;
  if (dataset)
    load = await loadRawDays(connection, {
      lakeDir,
      dataset,
      rawDays: spec.rawDays,
      stagingDir: join(opts.workDir, 'raw'),
    });
  await createReadViews(connection, lakeDir, spec.reads, opts.config);
  return load;
}

/** Writes JSON under a temporary name, then renames: a reader never sees half a result. */
async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}

/** A submitted step: its status, its completion, its profile once run, and whether it was cancelled while queued. */
interface StepEntry {
  status: StepStatus;
  done: Promise<StepStatus>;
  run?: StepRun;
  cancelled?: boolean;
}

const safeName = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60);
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * StepRunner over runStepInProcess: `submit` starts the step in this process (not awaited) and
 * returns at once; `describe` reports PENDING → RUNNING → COMPLETED or FAILED (with the error's
 * message). A step whose days failed the reject threshold is COMPLETED: its StepResult says which
 * days failed and why. Step ids live in this process only: an unknown id is FAILED.
 */
export class DuckDbStepRunner implements StepRunner {
  private readonly steps = new Map<string, StepEntry>();
  /** the last submitted step's completion; the next waits for it */
  private queue: Promise<unknown> = Promise.resolve();
  /** set by stop(): queued steps end FAILED without starting */
  private stopping = false;

  constructor(private readonly opts: DuckDbStepOptions) {}

  async submit(spec: StepSpec): Promise<{ stepId: string }> {
    const stepId = `duckdb-${safeName(spec.groupId)}-${randomUUID().slice(0, 8)}`;
    const status: StepStatus = { stepId, state: 'PENDING' };
    const entry: StepEntry = { status, done: Promise.resolve(status) };
    const previous = this.queue;
    entry.done = (async (): Promise<StepStatus> => {
      await previous; // one step at a time: each DuckDB step already uses every core
      if (this.stopping || entry.cancelled) {
        status.state = 'CANCELLED';
        status.failureMessage = entry.cancelled
          ? 'cancelled before it started (past its deadline)'
          : 'the run was interrupted before this step started';
        return { ...status };
      }
      status.state = 'RUNNING';
      try {
        entry.run = await runStepInProcess(spec, this.opts);
        status.state = 'COMPLETED';
      } catch (err) {
        status.state = 'FAILED';
        // a plain Error's name says nothing (`Error: Catalog Error: …`); lakestep's own errors keep theirs
        status.failureMessage =
          err instanceof Error ? (err.name === 'Error' ? err.message : `${err.name}: ${err.message}`) : String(err);
      }
      return { ...status };
    })();
    this.queue = entry.done;
    this.steps.set(stepId, entry);
    return { stepId };
  }

  /** The steps of this process that completed, with their profiles (for the bench). */
  completedRuns(): StepRun[] {
    return [...this.steps.values()].flatMap((step) => (step.run ? [step.run] : []));
  }

  async describe(stepId: string): Promise<StepStatus> {
    const step = this.steps.get(stepId);
    if (!step)
      return {
        stepId,
        state: 'FAILED',
        failureMessage: `step ${stepId} is unknown to this process (local steps do not survive a restart); rerun the execution`,
      };
    return { ...step.status };
  }

  /**
   * Cancels a queued step: it never starts. A running step runs in this process and cannot be cut short
   * without leaving its DuckDB connection in an unknown state (docs/local-fidelity.md).
   * @returns `cancelling` for a queued step, `ended` for one that has ended (or is unknown to this process)
   * @throws LakestepError for a running step
   */
  async cancel(stepId: string): Promise<'cancelling' | 'ended'> {
    const step = this.steps.get(stepId);
    if (!step || (step.status.state !== 'PENDING' && step.status.state !== 'RUNNING')) return 'ended';
    if (step.status.state === 'RUNNING') {
      throw new LakestepError(
        `local DuckDB step ${stepId} is running and cannot be cancelled (it runs in this process); it ends by itself, then rerun its days`,
      );
    }
    step.cancelled = true;
    step.status.state = 'CANCELLED';
    step.status.failureMessage = 'cancelled before it started (past its deadline)';
    return 'cancelling';
  }

  /**
   * Ends the work of an interrupted run: queued steps never start, and this resolves once the
   * running one has ended (a step runs in this process, so it cannot be cut short without leaving
   * its DuckDB connection in an unknown state; its publish is journaled either way).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue;
  }

  /** Resolves when the step has ended (COMPLETED or FAILED); for tests and the CLI. */
  async settled(stepId: string): Promise<StepStatus> {
    const step = this.steps.get(stepId);
    return step ? step.done : this.describe(stepId);
  }
}
