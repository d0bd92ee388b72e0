/**
 * `npm run bench`: the DuckDB engine's throughput against a plain DuckDB JSON→Parquet copy of the
 * same data, in the same process.
 *
 * 1. generateSample writes ≥ 2,000,000 records (10 arrival days × 24 h × 8,400/h, with its planted
 *    duplicates, late and malformed records) as gzip Firehose files into a temporary lake.
 * 2. Pipeline: the engine computes every output day the raw days can hold (first − lateDays …
 *    last + lateDays) as the pipeline would: contiguous groups of up to maxDaysPerStep days,
 *    stepConcurrency steps at a time, each step reading its raw window (days ± lateDays) once
 *    (runStepInProcess: split, quarantine, stage SQL, dedup, Parquet per day, rejects). The
 *    engine's time is measured alone (runEngine), separable from any orchestration.
 * 3. Plain copy: `read_json` cannot read the raw files as they are (a Firehose object mixing `}{`
 *    and `}\n{` fails to parse, and `ignore_errors` is refused for back-to-back JSON), so the fair
 *    twin is prepared untimed: the same records, one per line, gzip level 1 like the raw files.
 *    Timed: `COPY (SELECT * FROM read_json(twin, columns = declared, format = 'newline_delimited',
 *    ignore_errors = true)) TO 'plain.parquet'` — the best case for DuckDB's own reader.
 * Ends with exactly: `bench: <N> records/s, ratio <R> to plain copy` (N = records written ÷
 * pipeline seconds, R = pipeline seconds ÷ plain copy seconds).
 *
 * Options (environment): BENCH_DAYS (10), BENCH_RECORDS_PER_HOUR (8400), BENCH_LAKE (a temp
 * folder, removed after unless given), BENCH_KEEP=1 keeps the temporary lake.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadConfig, PROJECT_ROOT } from '../config/config';
import { addDays, dayRange } from '../core/days';
import type { StepSpec } from '../core/types';
import { runStepInProcess, type StepRun } from '../local/duckdb/duckDbStepRunner';
import { listRawFiles } from '../local/duckdb/rawReader';
import { decodeRawFile, splitRecords } from '../local/duckdb/records';
import { generateSample } from '../sample/generate';

const START = '2024-03-01';
const SQL_TYPE = { string: 'VARCHAR', bigint: 'BIGINT', boolean: 'BOOLEAN', double: 'DOUBLE' } as const;

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

/**
 * Runs the engine over `days` in contiguous groups of up to `maxDays`, `concurrency` steps at a time,
 * as the pipeline's Map does (MaxConcurrency = stepConcurrency; EMR StepConcurrencyLevel matches).
 */
export async function runEngine(lakeDir: string, days: string[], maxDays: number, concurrency = 1): Promise<StepRun[]> {
  const config = loadConfig();
  const dataset = config.datasets.access_records;
  const specs: StepSpec[] = [];
  for (let k = 0; k < days.length; k += maxDays) {
    const group = days.slice(k, k + maxDays);
    specs.push({
      executionId: 'bench',
      groupId: `bench-${group[0]}`,
      dataset: dataset.name,
      days: group,
      rawDays: dayRange(addDays(group[0], -dataset.lateDays), addDays(group[group.length - 1], dataset.lateDays)),
      stageSql: dataset.stage,
      stageVersion: 'bench',
      resultKey: `_results/bench/${group[0]}.json`,
    });
  }
  const runs: StepRun[] = new Array(specs.length);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < specs.length; k = next++) runs[k] = await runStepInProcess(specs[k], { lakeDir, projectRoot: PROJECT_ROOT, config });
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return runs;
}

/** The untimed twin for the plain copy: every record of every raw file, one per line, gzip level 1. */
async function writeTwin(lakeDir: string, twinDir: string, days: string[]): Promise<number> {
  const dataset = loadConfig().datasets.access_records;
  let records = 0;
  for (const file of await listRawFiles(lakeDir, dataset.raw.prefix, days)) {
    const decoded = decodeRawFile(await readFile(file.path));
    const spans = splitRecords(decoded.text);
    const parts: Buffer[] = [];
    for (let r = 0; r < spans.count; r++) parts.push(decoded.text.subarray(spans.starts[r], spans.ends[r]), Buffer.from('\n'));
    records += spans.count;
    const out = join(twinDir, file.key.replace(/\.gz$/, '') + '.json.gz');
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, gzipSync(Buffer.concat(parts), { level: 1 }));
  }
  return records;
}

async function plainCopy(twinDir: string, outFile: string): Promise<number> {
  const dataset = loadConfig().datasets.access_records;
  const columns = Object.entries(dataset.columns).map(([name, type]) => `'${name}': '${SQL_TYPE[type]}'`).join(', ');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (SELECT * FROM read_json('${twinDir}/**/*.json.gz', columns = {${columns}}, format = 'newline_delimited',
      ignore_errors = true, compression = 'gzip')) TO '${outFile}' (FORMAT parquet)`);
    const rows = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM '${outFile}'`);
    return Number(rows.getRowObjectsJson()[0].n);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const fmt = (n: number, digits = 2) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (n: number) => n.toLocaleString('en-US');

/** Runs the bench and prints its table to stdout (progress to stderr). */
export async function runBench(): Promise<void> {
  const daysCount = Number(process.env.BENCH_DAYS ?? 10);
  const perHour = Number(process.env.BENCH_RECORDS_PER_HOUR ?? 8400);
  const lakeDir = process.env.BENCH_LAKE ?? (await mkdtemp(join(tmpdir(), 'lakestep-bench-')));
  const keep = Boolean(process.env.BENCH_LAKE) || process.env.BENCH_KEEP === '1';
  const config = loadConfig();
  const days = dayRange(START, addDays(START, daysCount - 1));
  try {
    process.stderr.write(`bench: generating ${daysCount} days × 24 h × ${int(perHour)} records/h in ${lakeDir}\n`);
    const sample = await timed(() => generateSample({ lakeDir, days: daysCount, start: START, recordsPerHour: perHour, seed: 1 }));
    process.stderr.write(`bench: twin for the plain copy\n`);
    const twinDir = join(lakeDir, '_bench_twin');
    await writeTwin(lakeDir, twinDir, days);

    process.stderr.write(`bench: pipeline (groups of up to ${config.maxDaysPerStep} days, one step at a time)\n`);
    // The days the planner would compute: every event day the raw days can hold (± lateDays).
    // One step at a time: on 2 cores a second concurrent step (the Map's MaxConcurrency) only adds
    // contention (measured: 50.9 s against 29.7 s), and per-part CPU stays attributable.
    const lateDays = config.datasets.access_records.lateDays;
    const outputDays = dayRange(addDays(START, -lateDays), addDays(days[days.length - 1], lateDays));
    const engine = await timed(() => runEngine(lakeDir, outputDays, config.maxDaysPerStep, 1));
    process.stderr.write(`bench: plain copy\n`);
    const plain = await timed(() => plainCopy(twinDir, join(lakeDir, '_bench_plain.parquet')));

    const runs = engine.value;
    const sum = (f: (r: StepRun) => number) => runs.reduce((n, r) => n + f(r), 0);
    const records = sample.value.recordsWritten;
    const out = sum((r) => r.days.reduce((n, d) => n + d.recordsOut, 0));
    const rows: [string, string, string][] = [
      ['records written (generateSample)', int(records), `${int(sample.value.files)} files, ${fmt(sample.value.bytes / 1e6, 1)} MB gzip`],
      ['records read by the steps (raw windows overlap)', int(sum((r) => r.profile.load.records)), `${fmt(sum((r) => r.profile.load.textBytes) / 1e6, 0)} MB of text`],
      ['rows written to processed/', int(out), `expected ${int(sample.value.expected.outputRows)}`],
      ['rejected (step days)', int(sum((r) => r.days.reduce((n, d) => n + d.rejected, 0))), `expected ${int(sample.value.expected.rejected)}`],
      ['pipeline: load raw (wall / CPU)', `${fmt(sum((r) => r.profile.load.stageSeconds + r.profile.load.parseSeconds))} / ${fmt(sum((r) => r.profile.cpu.load))}`, 's: inflate, split, quarantine, parse'],
      ['  of which Node main thread busy splitting', fmt(sum((r) => r.profile.load.stageSeconds)), 's (overlaps DuckDB parsing)'],
      ['pipeline: stage SQL (wall / CPU)', `${fmt(sum((r) => r.profile.stageSeconds))} / ${fmt(sum((r) => r.profile.cpu.stage))}`, 's'],
      ['pipeline: counts', fmt(sum((r) => r.profile.countSeconds)), 's'],
      ['pipeline: write Parquet days + rejects (wall / CPU)', `${fmt(sum((r) => r.profile.writeSeconds))} / ${fmt(sum((r) => r.profile.cpu.write))}`, 's'],
      ['pipeline total (wall / CPU)', `${fmt(engine.seconds)} / ${fmt(engine.cpuSeconds)}`, `s, ${runs.length} steps, one at a time`],
      ['plain copy (wall / CPU)', `${fmt(plain.seconds)} / ${fmt(plain.cpuSeconds)}`, `s, ${int(plain.value)} rows`],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    for (const [label, value, note] of rows) process.stdout.write(`${label.padEnd(width)}  ${value.padStart(16)}  ${note}\n`);
    const recordsPerSecond = Math.round(records / engine.seconds);
    const ratio = engine.seconds / plain.seconds;
    process.stdout.write(`CPU ratio (pipeline CPU ÷ plain copy CPU; robust when other work shares the cores): ${(engine.cpuSeconds / plain.cpuSeconds).toFixed(2)}\n`);
    process.stdout.write(`bench: ${int(recordsPerSecond)} records/s, ratio ${ratio.toFixed(2)} to plain copy\n`);
  } finally {
    if (!keep) await rm(lakeDir, { recursive: true, force: true });
  }
}
