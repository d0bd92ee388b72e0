/**
 * The local "EMR step": computes a group of output days of one dataset on DuckDB, in-process.
 *
 * One step = one fresh in-memory DuckDB: load the raw arrival days (rawReader.ts), run the stage's
 * Spark SQL with the prelude (stage.ts), count per day, apply the dataset's reject threshold, write
 * the processed and rejected day partitions (parquetWriter.ts), and write the StepResult JSON to
 * `<lake>/<spec.resultKey>`. The same StepSpec drives EMR and spark-submit.
 */
import { sqlString } from '../../core/sqlText';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  allTableNames,
  isDataset,
  type DatasetConfig,
  type LakestepConfig,
  processedPrefix,
  rejectedPrefix,
} from '../../config/config';
import { CheckFailedError, LakestepError, RejectThresholdError, StepFailedError } from '../../core/errors';
import type { StepRunner } from '../../core/ports';
import { rawReadSql } from '../../core/rawSql';
import type { Day, DayResult, StepResult, StepSpec, StepStatus } from '../../core/types';
import { DAY_COLUMN, REJECTED_PARTITION_LAYOUT } from '../../core/partitionLayout';
import { loadRawDays, NO_RAW_STATS, type LoadRawStats } from './rawReader';
import { readStageSql, runStage } from './stage';
import { writeDayPartitions } from './parquetWriter';
import { quarantineKey } from '../../core/runKeys';
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

/** Wall seconds of each part of a step, for the bench and for progress lines. */
export interface StepProfile {
  load: LoadRawStats;
  stageSeconds: number;
  countSeconds: number;
  writeSeconds: number;
  totalSeconds: number;
  /** process CPU seconds (all threads) spent loading raw, in the stage SQL, and writing */
  cpu: { load: number; stage: number; write: number; total: number };
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
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const cpuSince = (from: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(from);
    return (used.user + used.system) / 1e6;
  };
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

    const stageStarted = performance.now();
    const cpuStage = process.cpuUsage();
    const loadCpu = cpuSince(cpuStarted);
    await connection.run(
      `CREATE OR REPLACE TABLE run_days AS SELECT CAST(d AS DATE) AS day FROM unnest([${spec.days.map(sqlString).join(', ')}]::VARCHAR[]) AS t(d)`,
    );
    const sqlText = await readStageSql(resolve(opts.projectRoot, spec.stageSql));
    await runStage(connection, sqlText, STAGE_OUTPUT, spec.stageSql);

    const countStarted = performance.now();
    const counts = await countDays(connection, dataset, spec.days);
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

    const writeStarted = performance.now();
    const cpuWrite = process.cpuUsage();
    const stageCpu = cpuSince(cpuStage);
    let days: DayResult[];
    if (overThreshold && dataset) {
      // Nothing is published (processed nor rejected); the quarantined records go under the run, where the error points.
      const quarantine = quarantineKey(spec.executionId, dataset.table);
      const error = new RejectThresholdError(
        dataset.name,
        spec.days,
        rejected,
        total,
        dataset.rejectThreshold,
        quarantine,
      );
      await writeDayPartitions(connection, {
        lakeDir,
        prefix: quarantine,
        table: 'rejects',
        dayColumn: 'arrival_day',
        days: spec.days,
        workDir: join(workDir, 'rejected'),
        layout: REJECTED_PARTITION_LAYOUT,
      });
      days = spec.days.map((day) => ({
        ...withGates(day),
        status: 'failed',
        error: { name: error.name, message: error.message },
      }));
    } else {
      const passing = spec.days.filter((day) => !blocked.has(day));
      if (passing.length)
        await writeDayPartitions(connection, {
          lakeDir,
          prefix: processedPrefix(table),
          table: STAGE_OUTPUT,
          dayColumn: DAY_COLUMN,
          days: passing,
          workDir: join(workDir, 'processed'),
          layout: table.partitionLayout,
        });
      if (dataset && passing.length)
        await writeDayPartitions(connection, {
          lakeDir,
          prefix: rejectedPrefix(dataset),
          table: 'rejects',
          dayColumn: 'arrival_day',
          days: passing,
          workDir: join(workDir, 'rejected'),
          layout: REJECTED_PARTITION_LAYOUT,
        });
      days = spec.days.map((day) => {
        const error = blocked.get(day);
        return error
          ? { ...withGates(day), status: 'failed', error: { name: error.name, message: error.message } }
          : { ...withGates(day), status: 'succeeded' };
      });
    }
    const finished = performance.now();
    const result: StepResult = {
      groupId: spec.groupId,
      dataset: spec.dataset,
      stageVersion: spec.stageVersion,
      days,
      rejectedByReason: counts.rejectedByReason,
      seconds: round3((finished - started) / 1000),
    };
    await writeJsonAtomically(join(lakeDir, spec.resultKey), result);
    const profile: StepProfile = {
      load,
      stageSeconds: (countStarted - stageStarted) / 1000,
      countSeconds: (writeStarted - countStarted) / 1000,
      writeSeconds: (finished - writeStarted) / 1000,
      totalSeconds: (finished - started) / 1000,
      cpu: { load: loadCpu, stage: stageCpu, write: cpuSince(cpuWrite), total: cpuSince(cpuStarted) },
    };
    return { ...result, profile };
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

interface DayCounts {
  recordsIn: Record<Day, number>;
  recordsOut: Record<Day, number>;
  /** valid records of the day minus distinct dedupKey values (without a dedupKey: recordsIn − recordsOut) */
  duplicates: Record<Day, number>;
  rejected: Record<Day, number>;
  late: Record<Day, number>;
  /** all records (rejects included) per arrival day */
  records: Record<Day, number>;
  /** of the group's arrival days */
  rejectedByReason: Record<string, number>;
  /** arrival day → reason → records (the run page's per-day split) */
  reasonsByDay: Record<Day, Record<string, number>>;
}

/** Counts per output / arrival day of spec.days, from the tables the step built. */
async function countDays(
  connection: DuckDBConnection,
  dataset: DatasetConfig | undefined,
  days: Day[],
): Promise<DayCounts> {
  const zero = () => Object.fromEntries(days.map((d) => [d, 0])) as Record<Day, number>;
  const counts: DayCounts = {
    recordsIn: zero(),
    recordsOut: zero(),
    duplicates: zero(),
    rejected: zero(),
    late: zero(),
    records: zero(),
    rejectedByReason: {},
    reasonsByDay: {},
  };
  const dayList = days.map((d) => `DATE ${sqlString(d)}`).join(', ');
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
  for (const r of await rows(
    `SELECT strftime(record_date, '%Y-%m-%d') AS d, count(*)::BIGINT AS n FROM ${STAGE_OUTPUT} WHERE record_date IN (${dayList}) GROUP BY 1`,
  )) {
    counts.recordsOut[String(r.d)] = Number(r.n);
  }
  // An aggregate reads processed rows only: what it outputs is what it takes in; nothing is rejected.
  if (!dataset) return { ...counts, recordsIn: { ...counts.recordsOut } };
  // The generated counts (src/core/rawSql), over classified, rejects and run_days.
  const sql = rawReadSql(dataset, 'duckdb');
  for (const r of await rows(
    `SELECT strftime(day, '%Y-%m-%d') AS d, records_in, distinct_keys FROM (${sql.eventDayCounts})`,
  )) {
    const day = String(r.d);
    if (!(day in counts.recordsIn)) continue;
    counts.recordsIn[day] = Number(r.records_in);
    counts.duplicates[day] =
      Number(r.records_in) - (dataset.dedupKey ? Number(r.distinct_keys) : counts.recordsOut[day]);
  }
  for (const r of await rows(
    `SELECT strftime(arrival_day, '%Y-%m-%d') AS d, reason, records AS n FROM (${sql.rejectCounts}) ORDER BY ALL`,
  )) {
    const n = Number(r.n);
    counts.rejected[String(r.d)] += n;
    if (r.reason === 'late') counts.late[String(r.d)] += n;
    counts.rejectedByReason[String(r.reason)] = (counts.rejectedByReason[String(r.reason)] ?? 0) + n;
    const byReason = (counts.reasonsByDay[String(r.d)] ??= {});
    byReason[String(r.reason)] = (byReason[String(r.reason)] ?? 0) + n;
  }
  for (const r of await rows(
    `SELECT strftime(arrival_day, '%Y-%m-%d') AS d, records FROM (${sql.recordsByArrivalDay})`,
  )) {
    counts.records[String(r.d)] = Number(r.records);
  }
  return counts;
}

function dayCounts(counts: DayCounts, day: Day): Omit<DayResult, 'status'> {
  return {
    day,
    recordsIn: counts.recordsIn[day],
    recordsOut: counts.recordsOut[day],
    duplicatesDropped: counts.duplicates[day],
    rejected: counts.rejected[day],
    late: counts.late[day],
    ...(counts.reasonsByDay[day] ? { rejectedByReason: counts.reasonsByDay[day] } : {}),
  };
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
