/**
 * Parity of the whole table graph: the same generated raw lake (access records, node snapshots, file
 * downloads) run through the real state machine on the local runtime, once with the DuckDB engine and
 * once with the real PySpark driver (spark-submit --master local, the EMR code path), must give the
 * same plan, the same per-day counts and metrics, the same partition folders and the same rows in every
 * processed and rejected table.
 *
 * Rows are compared in DuckDB with EXCEPT ALL both ways, timestamps as UTC epoch microseconds (Spark
 * writes TIMESTAMP adjusted to UTC, DuckDB a naive TIMESTAMP). Known disagreement left out (see
 * sparkParity.test.ts): the `detail` of an invalid_json reject is each parser's own message.
 *
 * Slow: Spark starts per step (~10–15 s each). Needs `.venv` (node scripts/ensure-python.js) and Java 17.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RunSummary } from '../../src/core/summary';
import type { Plan } from '../../src/core/types';
import { executeStateMachine, type ExecutionOutcome } from '../../src/local/executeStateMachine';
import { withLocalRuntime, type Engine } from '../../src/local/localRuntime';
import { planKey, summaryKey } from '../../src/core/runKeys';
import { generateSample, type SampleSummary } from '../../examples/synapse/sample/generate';
import { partitionFolders, sql, tmpLake } from '../helpers/lake';

const TIMEOUT_MS = 900_000;
const PROCESSED = ['access_records', 'node_snapshots', 'file_downloads', 'project_downloads_daily', 'client_share_4w'];
const REJECTED = ['access_records', 'node_snapshots', 'file_downloads'];

interface Run {
  outcome: ExecutionOutcome;
  summary?: RunSummary;
  plan?: Plan;
  ms: number;
}

async function run(lake: string, engine: Engine): Promise<Run> {
  const started = Date.now();
  return withLocalRuntime({ lakeDir: lake, engine, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, {});
    return {
      outcome,
      summary: await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId)),
      plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)),
      ms: Date.now() - started,
    };
  });
}

const source = (dir: string) => `read_parquet('${dir}/*/*/*/*.parquet', hive_partitioning = false)`;

/** Column name → DuckDB type of a Parquet table folder, `WITH TIME ZONE` dropped. */
async function columnTypes(dir: string): Promise<[string, string][]> {
  const rows = await sql<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${source(dir)}`);
  return rows.map((r) => [r.column_name, r.column_type.replace(' WITH TIME ZONE', '')]);
}

/** A projection of the table's columns comparable across engines: timestamps as UTC epoch µs, invalid_json details blanked. */
function comparable(types: [string, string][]): string {
  return types
    .map(([name, type]) => {
      const c = `"${name}"`;
      if (type.startsWith('TIMESTAMP')) return `epoch_us(${c}) AS ${c}`;
      if (name === 'detail' && types.some(([n]) => n === 'reason'))
        return `CASE WHEN reason = 'invalid_json' THEN NULL ELSE ${c} END AS ${c}`;
      return c;
    })
    .join(', ');
}

/** Rows of `a` not in `b` and of `b` not in `a` (EXCEPT ALL: copies count), a few of each, and the row counts. */
async function diff(a: string, b: string, cols: string) {
  const rows = await sql<{ side: string; n: number; sample: string }>(
    `SET TimeZone = 'UTC';
     WITH x AS (SELECT ${cols} FROM ${source(a)}), y AS (SELECT ${cols} FROM ${source(b)}),
          only_x AS (SELECT * FROM x EXCEPT ALL SELECT * FROM y), only_y AS (SELECT * FROM y EXCEPT ALL SELECT * FROM x)
     SELECT 'duckdb_only' AS side, (SELECT count(*) FROM only_x)::INT AS n, (SELECT CAST(list(t) AS VARCHAR) FROM (SELECT * FROM only_x LIMIT 3) t) AS sample
     UNION ALL SELECT 'spark_only', (SELECT count(*) FROM only_y)::INT, (SELECT CAST(list(t) AS VARCHAR) FROM (SELECT * FROM only_y LIMIT 3) t)
     UNION ALL SELECT 'duckdb_rows', (SELECT count(*) FROM x)::INT, NULL
     UNION ALL SELECT 'spark_rows', (SELECT count(*) FROM y)::INT, NULL`,
  );
  return Object.fromEntries(
    rows.map((r) => [r.side, r.side.endsWith('_only') ? { n: r.n, sample: r.sample } : r.n]),
  ) as {
    duckdb_only: { n: number; sample: string | null };
    spark_only: { n: number; sample: string | null };
    duckdb_rows: number;
    spark_rows: number;
  };
}

/** A summary day without what depends on the engine's clock. */
const dayCounts = (d: RunSummary['days'][number]) => ({
  dataset: d.dataset,
  day: d.day,
  status: d.status,
  recordsIn: d.recordsIn,
  recordsOut: d.recordsOut,
  duplicatesDropped: d.duplicatesDropped,
  rejected: d.rejected,
  late: d.late,
  metrics: d.metrics ?? {},
  checks: (d.checks ?? []).map((c) => [c.name, c.severity, c.failingRows]),
});
const byKey = (a: { dataset: string; day: string }, b: { dataset: string; day: string }) =>
  `${a.dataset}/${a.day}`.localeCompare(`${b.dataset}/${b.day}`);

describe('the whole table graph on DuckDB and on Spark (PySpark driver)', () => {
  const duckLake = tmpLake('tables-duck');
  const sparkLake = tmpLake('tables-spark');
  let sample: SampleSummary;
  let duck: Run;
  let spark: Run;

  beforeAll(async () => {
    sample = await generateSample({ lakeDir: duckLake, days: 2, start: '2024-02-28', recordsPerHour: 20, seed: 5 });
    // only the raw input: the Spark lake starts with an empty ledger and no outputs
    cpSync(join(duckLake, 'raw'), join(sparkLake, 'raw'), { recursive: true });
    duck = await run(duckLake, 'duckdb');
    spark = await run(sparkLake, 'spark');
    // eslint-disable-next-line no-console
    console.log(`whole graph: duckdb ${duck.ms} ms, spark ${spark.ms} ms (${spark.plan?.groups.length} steps)`);
  }, TIMEOUT_MS);

  afterAll(() => {
    for (const lake of [duckLake, sparkLake]) rmSync(lake, { recursive: true, force: true });
  });

  it('succeeds on both engines with the same plan', () => {
    expect(duck.outcome.status).toBe('SUCCEEDED');
    expect(spark.outcome.status).toBe('SUCCEEDED');
    expect(new Set(duck.plan?.days.map((d) => d.dataset))).toEqual(new Set(PROCESSED));
    const planned = (r: Run) =>
      (r.plan?.days ?? []).map((d) => ({ dataset: d.dataset, day: d.day, reasons: d.reasons })).sort(byKey);
    expect(planned(spark)).toEqual(planned(duck));
  });

  it('reports the same counts, metrics and check outcomes per table and day', () => {
    const days = (r: Run) => (r.summary?.days ?? []).map(dayCounts).sort(byKey);
    expect(days(spark)).toEqual(days(duck));
    expect(spark.summary?.rejectedByReason).toEqual(duck.summary?.rejectedByReason);
    const unattributed = (duck.summary?.days ?? [])
      .filter((d) => d.dataset === 'file_downloads')
      .reduce((n, d) => n + (d.metrics?.unattributed ?? 0), 0);
    expect(unattributed).toBe(sample.fileDownloads!.expected.unattributed);
  });

  it.each(PROCESSED)('writes the same partition folders, column types and rows in processed %s', async (table) => {
    const [a, b] = [join(duckLake, 'processed', table), join(sparkLake, 'processed', table)];
    expect(partitionFolders(a).length).toBeGreaterThan(0);
    expect(partitionFolders(b)).toEqual(partitionFolders(a));
    const types = await columnTypes(a);
    expect(await columnTypes(b)).toEqual(types);

    const d = await diff(a, b, comparable(types));

    expect(d.duckdb_rows).toBeGreaterThan(0);
    expect(d).toEqual({
      duckdb_only: { n: 0, sample: null },
      spark_only: { n: 0, sample: null },
      duckdb_rows: d.duckdb_rows,
      spark_rows: d.duckdb_rows,
    });
  });

  it.each(REJECTED)('writes the same partition folders and rows in rejected %s', async (table) => {
    const [a, b] = [join(duckLake, 'rejected', table), join(sparkLake, 'rejected', table)];
    expect(partitionFolders(b)).toEqual(partitionFolders(a));
    if (partitionFolders(a).length === 0) return; // nothing quarantined by either engine
    const types = await columnTypes(a);
    expect(await columnTypes(b)).toEqual(types);

    const d = await diff(a, b, comparable(types));

    expect(d).toEqual({
      duckdb_only: { n: 0, sample: null },
      spark_only: { n: 0, sample: null },
      duckdb_rows: d.duckdb_rows,
      spark_rows: d.duckdb_rows,
    });
  });

  it('quarantines the access records the generator planted, on both engines', async () => {
    const [{ n }] = await sql<{ n: number }>(
      `SELECT count(*)::INT AS n FROM ${source(join(sparkLake, 'rejected', 'access_records'))}`,
    );
    expect(n).toBe(sample.expected.rejected);
  });
});
