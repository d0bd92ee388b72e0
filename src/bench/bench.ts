/**
 * `npm run bench`: the DuckDB engine's throughput against a plain DuckDB JSON→Parquet copy of the
 * same data, in the same process.
 * How it is measured, what must match and its last line: docs/benchmarks.md, "npm run bench".
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { loadConfig } from '../config/config';
import type { RunSummary } from '../core/summary';
import { DuckDbStepRunner, type StepRun } from '../local/duckdb/duckDbStepRunner';
import { EVENT_TIME_MAX_MS } from '../core/rawSql';
import { executeStateMachine } from '../local/executeStateMachine';
import { withLocalRuntime } from '../local/localRuntime';
import { summaryKey } from '../core/runKeys';
import { benchLake, generateBenchSample, writeTwin } from './benchLake';
import { recordType } from '../sample/declaredRecord';

interface Timed<T> {
  value: T;
  /** wall seconds */
  seconds: number;
  /** process CPU seconds (user + system, all threads: DuckDB's and libuv's included) */
  cpuSeconds: number;
}

async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return { value, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
}

/** The twin as DuckDB's own NDJSON reader reads it best: the record type declared (paths into the envelope), malformed lines NULL. */
function twinSource(twinDir: string): string {
  const { columns, select } = recordType(loadConfig().datasets.access_records, 'duckdb');
  const declared = Object.entries(columns)
    .map(([name, type]) => `'${name}': '${type.replace(/'/g, "''")}'`)
    .join(', ');
  return `(SELECT ${select} FROM read_json('${twinDir}/**/*.json.gz', columns = {${declared}}, format = 'newline_delimited', ignore_errors = true, compression = 'gzip'))`;
}

async function withDuckDb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  // DuckDB's defaults, as a user's plain copy would have them (the pipeline's steps set their own)
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function plainCopy(twinDir: string, outFile: string): Promise<number> {
  return withDuckDb(async (connection) => {
    await connection.run(`COPY (SELECT * FROM ${twinSource(twinDir)}) TO '${outFile}' (FORMAT parquet)`);
    const rows = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM '${outFile}'`);
    return Number(rows.getRowObjectsJson()[0].n);
  });
}

/**
 * The floor (step 4): read, one copy per dedup key, day-partitioned Parquet. Any copy (DISTINCT ON
 * without an order) is cheaper than the first one the stage must keep (a window: ~1 s more here),
 * so this is a lower bound for any pipeline over the twin. Returns the rows written.
 */
async function floorCopy(twinDir: string, outDir: string): Promise<number> {
  const key = loadConfig()
    .datasets.access_records.dedupKey!.map((c) => `"${c}"`)
    .join(', ');
  return withDuckDb(async (connection) => {
    // The upper bound behind a CASE: DuckDB 1.5 fails an internal assertion ("Failed to cast
    // expression to type") when both bounds are pushed into read_json as one range filter.
    await connection.run(`
      COPY (
        SELECT DISTINCT ON (${key}) *, CAST(epoch_ms("timestamp") AS DATE) AS record_date
        FROM ${twinSource(twinDir)}
        WHERE "timestamp" >= 0 AND CASE WHEN "timestamp" < ${EVENT_TIME_MAX_MS} THEN true END
      ) TO '${outDir}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (record_date))`);
    const rows = await connection.runAndReadAll(
      `SELECT count(*)::BIGINT AS n FROM read_parquet('${outDir}/**/*.parquet')`,
    );
    return Number(rows.getRowObjectsJson()[0].n);
  });
}

interface PipelineRun {
  executionId: string;
  status: string;
  summary?: RunSummary;
  runs: StepRun[];
  /** the execution alone */
  execution: Timed<unknown>;
}

/** One execution of the state machine through the local runtime, as `lakestep run` does. */
async function runPipeline(lakeDir: string): Promise<Timed<PipelineRun>> {
  return timed(() =>
    withLocalRuntime({ lakeDir }, async (runtime) => {
      const execution = await timed(() => executeStateMachine(runtime, { datasets: ['access_records'] }));
      const outcome = execution.value;
      if (outcome.status !== 'SUCCEEDED')
        throw new Error(`bench: execution failed: ${outcome.error?.Error}: ${outcome.error?.Cause}`);
      // the figures are one execution's: a run cut into several (maxStepsPerExecution) would be measured in part
      if (outcome.continuedBy)
        throw new Error(
          `bench: the run was cut into several executions; raise maxStepsPerExecution in lakestep.config.yml`,
        );
      const summary = await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId));
      const runs = runtime.ports.steps instanceof DuckDbStepRunner ? runtime.ports.steps.completedRuns() : [];
      return { executionId: outcome.executionId, status: outcome.status, summary, runs, execution };
    }),
  );
}

const fmt = (n: number, digits = 2) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number) => n.toLocaleString('en-US');
const pair = (wall: number, cpu: number) => `${fmt(wall)} / ${fmt(cpu)}`;

/** Runs the bench and prints its table to stdout (progress to stderr). */
export async function runBench(): Promise<void> {
  const lake = await benchLake({ days: 10, recordsPerHour: 8400, tmpPrefix: 'lakestep-bench-' });
  const { lakeDir, keep } = lake;
  const config = loadConfig();
  try {
    process.stderr.write(
      `bench: generating ${lake.days.length} days × 24 h × ${int(lake.recordsPerHour)} records/h in ${lakeDir}\n`,
    );
    const sample = await timed(() => generateBenchSample(lake));
    process.stderr.write(`bench: twin for the plain copy (untimed)\n`);
    const twinDir = await writeTwin(lake);

    process.stderr.write(
      `bench: pipeline (state machine, local runtime; groups of up to ${config.maxDaysPerStep} days, one step at a time)\n`,
    );
    const pipeline = await runPipeline(lakeDir);
    process.stderr.write(`bench: plain copy\n`);
    const plain = await timed(() => plainCopy(twinDir, join(lakeDir, '_bench_plain.parquet')));
    process.stderr.write(`bench: floor (read, dedup, day-partitioned write; one query)\n`);
    await rm(join(lakeDir, '_bench_floor'), { recursive: true, force: true }); // a kept lake's last floor
    const floor = await timed(() => floorCopy(twinDir, join(lakeDir, '_bench_floor')));

    const { runs, summary, execution } = pipeline.value;
    const expected = sample.value.expected;
    const sum = (f: (r: StepRun) => number) => runs.reduce((n, r) => n + f(r), 0);
    const records = sample.value.recordsWritten;
    // the run also recomputes the aggregates downstream (client_share_4w): check access_records' own rows
    const access = (summary?.days ?? []).filter((d) => d.dataset === 'access_records');
    const out = summary ? access.reduce((n, d) => n + d.recordsOut, 0) : -1;
    const rejected = summary ? access.reduce((n, d) => n + d.rejected, 0) : -1;
    const stepSeconds = summary?.stepSeconds ?? 0;
    const load = (r: StepRun) => r.profile.load.stageSeconds + r.profile.load.parseSeconds;
    const rows: [string, string, string][] = [
      [
        'generate (wall / CPU)',
        pair(sample.seconds, sample.cpuSeconds),
        `s: ${int(records)} records, ${int(sample.value.files)} files, ${fmt(sample.value.bytes / 1e6, 1)} MB gzip`,
      ],
      [
        'records read by the steps (raw windows overlap)',
        int(sum((r) => r.profile.load.records)),
        `${fmt(sum((r) => r.profile.load.textBytes) / 1e6, 0)} MB of text, ${int(sum((r) => r.profile.load.fastRecords))} via read_json`,
      ],
      ['rows written to processed/access_records/', int(out), `expected ${int(expected.outputRows)}`],
      ['rejected', int(rejected), `expected ${int(expected.rejected)}`],
      [
        '  step: load raw (wall / CPU)',
        pair(
          sum(load),
          sum((r) => r.profile.cpu.load),
        ),
        's: inflate, split, stage, read, quarantine',
      ],
      [
        '    of which staging on worker threads',
        fmt(sum((r) => r.profile.load.stageSeconds)),
        's wall: inflate, split, write staged lines (DuckDB waits)',
      ],
      [
        '  step: stage SQL (wall / CPU)',
        pair(
          sum((r) => r.profile.stageSeconds),
          sum((r) => r.profile.cpu.stage),
        ),
        's',
      ],
      ['  step: counts', fmt(sum((r) => r.profile.countSeconds)), 's'],
      [
        '  step: write Parquet days + rejects (wall / CPU)',
        pair(
          sum((r) => r.profile.writeSeconds),
          sum((r) => r.profile.cpu.write),
        ),
        's',
      ],
      ['  steps (StepResult.seconds, summed)', fmt(stepSeconds), `s, ${runs.length} steps, one at a time`],
      [
        'pipeline: execution (wall / CPU)',
        pair(execution.seconds, execution.cpuSeconds),
        's: the whole state machine run',
      ],
      ['pipeline: runtime start + stop', fmt(pipeline.seconds - execution.seconds), 's (dynalite; not in N or R)'],
      [
        'plain copy (wall / CPU)',
        pair(plain.seconds, plain.cpuSeconds),
        `s, ${int(plain.value)} rows: read_json of a pre-made NDJSON gzip twin → one Parquet file`,
      ],
      [
        'floor (wall / CPU)',
        pair(floor.seconds, floor.cpuSeconds),
        `s, ${int(floor.value)} rows: the twin read, one copy per key kept, written day-partitioned, in one query`,
      ],
      [
        'floor records/s; floor ÷ plain copy',
        `${int(Math.round(records / floor.seconds))}; ${fmt(floor.seconds / plain.seconds)}`,
        'no engine gets past the floor: the ceiling for N, the floor for R',
      ],
      ['records/s (records written ÷ execution wall)', int(Math.round(records / execution.seconds)), ''],
      [
        'ratio (execution ÷ plain copy): wall / CPU',
        `${fmt(execution.seconds / plain.seconds)} / ${fmt(execution.cpuSeconds / plain.cpuSeconds)}`,
        '',
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [label, value, note] of rows)
      process.stdout.write(`${label.padEnd(width)}  ${value.padStart(16)}  ${note}\n`);
    if (out !== expected.outputRows || rejected !== expected.rejected) {
      throw new Error(
        `bench: output differs from generateSample's expected figures (rows ${out} vs ${expected.outputRows}, rejected ${rejected} vs ${expected.rejected})`,
      );
    }
    const recordsPerSecond = Math.round(records / execution.seconds);
    const ratio = execution.seconds / plain.seconds;
    process.stdout.write(
      `bench: ${int(recordsPerSecond)} records/s, ${ratio.toFixed(2)} x plain copy, ${(execution.seconds / floor.seconds).toFixed(2)} x floor\n`,
    );
  } finally {
    if (!keep) await rm(lakeDir, { recursive: true, force: true });
  }
}
