/**
 * `npm run bench:spark`: the path EMR runs against what a user writes by hand, on the same Spark.
 * How it is measured and its last line: docs/benchmarks.md, "npm run bench:spark".
 */
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT, projectRoot } from '../config/config';
import { REQUIRED_SPARK_CONF } from '../core/sparkSubmitArgs';
import { benchLake, generateBenchSample, writeTwin } from './benchLake';
import { recordType } from '../sample/declaredRecord';

const VENV_BIN = resolve(PACKAGE_ROOT, '.venv', 'bin');

/** The plain job: argv[1] JSON {twin, sql, out, days, columns (top-level DDL), select}. */
const PLAIN_JOB = `
import json, sys
from pyspark.sql import SparkSession, functions as F
args = json.loads(sys.argv[1])
spark = SparkSession.builder.appName("plain-spark").getOrCreate()
schema = ", ".join(f"\`{k}\` {v}" for k, v in args["columns"].items())
df = spark.read.schema(schema).option("recursiveFileLookup", "true").json(args["twin"])
raw = df.selectExpr(*[c.strip() for c in args["select"].split(", ")]).select(
    "*", F.input_file_name().alias("_source_file"), F.monotonically_increasing_id().alias("_record_index"),
    F.to_date(F.regexp_extract(F.input_file_name(), r"(\\d{4}/\\d{2}/\\d{2})/\\d{2}/", 1), "yyyy/MM/dd").alias("_arrival_day"))
raw.createOrReplaceTempView("raw_access_records")
spark.createDataFrame([(d,) for d in args["days"]], "day STRING").selectExpr("CAST(day AS DATE) AS day").createOrReplaceTempView("run_days")
with open(args["sql"]) as f:
    out = spark.sql(f.read())
out.write.mode("overwrite").partitionBy("record_date").parquet(args["out"])
print(spark.read.parquet(args["out"]).count())
`;

/** Runs a command as a child tree; wall seconds and the largest descendant's peak RSS (MB). */
function measured(
  command: string[],
  env: NodeJS.ProcessEnv = process.env,
): { seconds: number; peakRssMb: number; stdout: string } {
  const wrapper = `
import json, resource, subprocess, sys, time
started = time.monotonic()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
wall = time.monotonic() - started
sys.stderr.write(done.stderr[-4000:] if done.returncode else "")
print(json.dumps({"code": done.returncode, "seconds": wall, "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stdout": done.stdout}))`;
  const result = spawnSync(resolve(VENV_BIN, 'python'), ['-c', wrapper, ...command], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (result.status !== 0) throw new Error(`bench:spark: ${command.join(' ')} could not be measured: ${result.stderr}`);
  const out = JSON.parse(result.stdout.trim().split('\n').pop()!);
  if (out.code !== 0)
    throw new Error(
      `bench:spark: ${command.slice(0, 3).join(' ')} … exited ${out.code}: ${result.stderr.slice(-2000)}`,
    );
  return { seconds: out.seconds, peakRssMb: out.maxrss_kb / 1024, stdout: out.stdout };
}

export async function runBenchSpark(): Promise<void> {
  const lake = await benchLake({ days: 3, recordsPerHour: 2000, tmpPrefix: 'lakestep-bench-spark-' });
  const { lakeDir, keep, days } = lake;
  const dataset = loadConfig().datasets.access_records;
  try {
    process.stderr.write(
      `bench:spark: generating ${days.length} days × 24 h × ${lake.recordsPerHour.toLocaleString('en-US')} records/h in ${lakeDir}\n`,
    );
    const sample = await generateBenchSample(lake);
    const twinDir = await writeTwin(lake);

    process.stderr.write('bench:spark: lakestep run --engine spark\n');
    const lakestep = measured([
      process.execPath,
      resolve(PACKAGE_ROOT, 'bin', 'lakestep.js'),
      'run',
      '--engine',
      'spark',
      '--lake',
      lakeDir,
      '--dataset',
      'access_records',
    ]);

    process.stderr.write('bench:spark: plain Spark job (JSON reader, the same stage SQL)\n');
    const job = join(lakeDir, '_bench_plain_job.py');
    await writeFile(job, PLAIN_JOB);
    const { columns, select } = recordType(dataset, 'spark');
    const jobArgs = {
      twin: twinDir,
      sql: resolve(projectRoot(), dataset.stage),
      out: join(lakeDir, '_bench_plain_out'),
      days,
      columns,
      select,
    };
    const conf = Object.entries(REQUIRED_SPARK_CONF).flatMap(([k, v]) => ['--conf', `${k}=${v}`]);
    // spark-submit finds Spark's home with the `python3` on PATH: the venv's, as SparkSubmitStepRunner's runs do.
    const python = resolve(VENV_BIN, 'python');
    const env = {
      ...process.env,
      PATH: `${VENV_BIN}:${process.env.PATH ?? ''}`,
      PYSPARK_PYTHON: python,
      PYSPARK_DRIVER_PYTHON: python,
    };
    const plain = measured(
      [resolve(VENV_BIN, 'spark-submit'), '--master', 'local[2]', ...conf, job, JSON.stringify(jobArgs)],
      env,
    );

    const records = sample.recordsWritten;
    const fmt = (n: number) => n.toFixed(1);
    process.stdout.write(
      `records generated            ${records.toLocaleString('en-US')} (expected output rows ${sample.expected.outputRows.toLocaleString('en-US')})\n`,
    );
    process.stdout.write(
      `lakestep --engine spark      ${fmt(lakestep.seconds)} s wall, peak RSS ${Math.round(lakestep.peakRssMb)} MB (largest process)\n`,
    );
    process.stdout.write(
      `plain spark job              ${fmt(plain.seconds)} s wall, peak RSS ${Math.round(plain.peakRssMb)} MB, ${Number(plain.stdout.trim().split('\n').pop()).toLocaleString('en-US')} rows\n`,
    );
    process.stdout.write(
      `bench:spark: lakestep ${fmt(lakestep.seconds)} s, plain spark ${fmt(plain.seconds)} s, ratio ${(lakestep.seconds / plain.seconds).toFixed(2)}\n`,
    );
  } finally {
    if (!keep) await rm(lakeDir, { recursive: true, force: true });
  }
}
