/**
 * `npm run bench:discover`: discovery's listing and planning over 5 years of hourly Firehose data,
 * 60 objects an hour (~2.63 M keys), served by a simulated S3 bucket (bench/simulatedFirehoseListing).
 * The two runs, what is left out, the last line and the figures measured: docs/benchmarks.md.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { S3ObjectStore } from '../aws/s3ObjectStore';
import { DEFAULTS } from '../config/config';
import { addDays, dayRange } from '../core/days';
import { planExecution } from '../core/executions';
import { assumeUnlisted, rawDaysToList } from '../core/rawListing';
import { rawPartitionState } from '../core/fingerprint';
import type { RawPartitionState, RunInput } from '../core/types';
import { observeRawPartitions } from '../pipeline/observeRawPartitions';
import { SimulatedFirehoseBucket } from './simulatedFirehoseListing';

const DATASET = { name: 'access_records', lateDays: DEFAULTS.lateDays, raw: { prefix: 'raw/access_records/' } };
const FIRST_DAY = '2020-01-01';
/** targets of issue 12 for the scheduled run */
const TARGET_SECONDS = 60;
const TARGET_MB = 512;

interface Measured {
  seconds: number;
  peakHeapMb: number;
  pages: number;
  listCalls: number;
  keysListed: number;
  plannedDays: number;
}

/** A full garbage collection, so each run's peak starts from the same floor. */
const collectGarbage: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc');
})();

async function measure(
  bucket: SimulatedFirehoseBucket,
  work: () => Promise<{ keysListed: number; plannedDays: number }>,
): Promise<Measured> {
  collectGarbage();
  let peak = process.memoryUsage().heapUsed;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().heapUsed));
  const timer = setInterval(sample, 20);
  bucket.onPage = sample;
  const [pagesBefore, requestsBefore] = [bucket.pages, bucket.requests];
  const started = process.hrtime.bigint();
  try {
    const { keysListed, plannedDays } = await work();
    sample();
    return {
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      peakHeapMb: peak / 2 ** 20,
      pages: bucket.pages - pagesBefore,
      listCalls: bucket.requests - requestsBefore,
      keysListed,
      plannedDays,
    };
  } finally {
    clearInterval(timer);
    bucket.onPage = undefined;
  }
}

/** One discovery: plan the listing from the ledger's days, list, plan the days. */
async function discoverOnce(store: S3ObjectStore, ledger: RawPartitionState[], today: string, input: RunInput) {
  const listing = rawDaysToList({ input, lateDays: DATASET.lateDays, ledgerDays: ledger.map((s) => s.day), today });
  const seen = await observeRawPartitions(store, DATASET, listing);
  const observed = seen.listedDays ? assumeUnlisted(seen.partitions, ledger, seen.listedDays) : seen.partitions;
  const plan = planExecution(
    {
      executionId: input.executionId,
      nowMs: input.startedAtMs,
      input,
      datasets: [DATASET],
      observed: { [DATASET.name]: observed },
      ledgerRaw: { [DATASET.name]: ledger },
      ledgerOutputs: {},
      stageVersions: { [DATASET.name]: 'bench' },
      maxDaysPerStep: DEFAULTS.maxDaysPerStep,
    },
    DEFAULTS.maxStepsPerExecution,
  );
  return { keysListed: seen.partitions.reduce((n, p) => n + p.objectCount, 0), plannedDays: plan.days.length };
}

/** Runs both discoveries and prints a table to stdout. @returns false when the scheduled run misses a target */
export async function runDiscoverBench(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const days = Number(env.BENCH_DISCOVER_DAYS ?? 1827);
  const filesPerHour = Number(env.BENCH_DISCOVER_FILES_PER_HOUR ?? 60);
  const bucket = new SimulatedFirehoseBucket({
    prefix: DATASET.raw.prefix,
    firstDay: FIRST_DAY,
    days,
    filesPerHour,
    objectBytes: 5 << 20,
  });
  const store = new S3ObjectStore(bucket.client, 'simulated-lake');
  const today = bucket.lastDay;
  // The ledger as the last hourly run left it: every day as the bucket holds it, but the last day's
  // last hour had not arrived yet (it is the new data this run finds).
  const ledger: RawPartitionState[] = dayRange(FIRST_DAY, today).map((day, i) =>
    rawPartitionState({ dataset: DATASET.name, day, objects: bucket.dayObjects(i, day === today ? 23 : 24) }),
  );
  const input = (full: boolean): RunInput => ({
    mode: 'incremental',
    executionId: full ? 'bench-full' : 'bench-scheduled',
    startedAtMs: Date.parse(`${today}T12:00:00Z`),
    datasets: [DATASET.name],
    force: false,
    dryRun: true,
    ...(full ? { full: true } : {}),
  });
  process.stderr.write(
    `bench:discover: ${days.toLocaleString('en-US')} days ${FIRST_DAY}…${today}, ${filesPerHour}/hour: ${bucket.keyCount.toLocaleString('en-US')} keys\n`,
  );

  const scheduled = await measure(bucket, () => discoverOnce(store, ledger, today, input(false)));
  process.stderr.write('bench:discover: scheduled run done; full scan…\n');
  const full = await measure(bucket, () => discoverOnce(store, ledger, today, input(true)));

  const rows: [string, Measured][] = [
    [`(a) scheduled (high-water mark ${today})`, scheduled],
    ['(b) full scan (--full)', full],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const number = (n: number, digits = 0) =>
    n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  process.stdout.write(
    `${'run'.padEnd(width)}  ${'seconds'.padStart(8)}  ${'peak heap MB'.padStart(12)}  ${'pages'.padStart(7)}  ${'list calls'.padStart(10)}  ${'keys'.padStart(10)}  ${'planned days'.padStart(12)}\n`,
  );
  for (const [label, m] of rows) {
    process.stdout.write(
      `${label.padEnd(width)}  ${number(m.seconds, 2).padStart(8)}  ${number(m.peakHeapMb).padStart(12)}  ${number(m.pages).padStart(7)}  ${number(m.listCalls).padStart(10)}  ${number(m.keysListed).padStart(10)}  ${number(m.plannedDays).padStart(12)}\n`,
    );
  }
  const met = scheduled.seconds < TARGET_SECONDS && scheduled.peakHeapMb < TARGET_MB;
  process.stdout.write(
    `bench:discover: scheduled ${number(scheduled.seconds, 2)} s ${number(scheduled.peakHeapMb)} MB ${number(scheduled.pages)} pages; full ${number(full.seconds, 2)} s ${number(full.peakHeapMb)} MB ${number(full.pages)} pages` +
      ` (target for the scheduled run: < ${TARGET_SECONDS} s and < ${TARGET_MB} MB: ${met ? 'met' : 'MISSED'})\n`,
  );
  return met;
}

/** The scheduled run's days, for the docs' example: today and the lateness window before it. */
export const scheduledDays = (today: string) => dayRange(addDays(today, -Math.max(DATASET.lateDays, 1)), today);
