/**
 * What an execution that commits days hands downstream, through the real state machine on the local
 * runtime (real handlers, dynalite, DuckDB writing Parquet, the local catalog): the completion event
 * `_events/<execution>.json` with exactly the days it changed, and the shipped export's package
 * `exports/project_downloads_28d/<execution>.json` and `latest.json` holding the export query's rows,
 * checked against the processed downloads themselves. An execution that commits nothing writes neither.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/config';
import { addDays } from '../../src/core/days';
import type { RunSummary } from '../../src/core/summary';
import type { Plan } from '../../src/core/types';
import { queryCatalog } from '../../src/local/catalogQuery';
import { executeStateMachine, type ExecutionOutcome } from '../../src/local/executeStateMachine';
import type { RunCompletedEvent } from '../../src/local/fileRunEvents';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { executionName, planKey, summaryKey } from '../../src/core/runKeys';
import {
  DOWNLOADS_PREFIX,
  generateSample,
  rawFileKey,
  writeRawFile,
  type SampleSummary,
} from '../../examples/synapse/sample/generate';
import { changedDays, snapshotFiles, sql, tmpLake } from '../helpers/lake';

interface Run {
  outcome: ExecutionOutcome;
  name: string;
  summary?: RunSummary;
  plan?: Plan;
}

async function run(lake: string, input: Record<string, unknown> = {}): Promise<Run> {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input);
    return {
      outcome,
      name: executionName(outcome.executionId),
      summary: await runtime.ports.store.getJson<RunSummary>(summaryKey(outcome.executionId)),
      plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)),
    };
  });
}

const EXPORT = 'project_downloads_28d';
type ExportRow = { as_of: string; project_id: number; downloads_28d: number; distinct_users_28d: number };

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
const eventOf = (lake: string, r: Run) => readJson<RunCompletedEvent>(join(lake, '_events', `${r.name}.json`));
const eventFiles = (lake: string) =>
  existsSync(join(lake, '_events')) ? readdirSync(join(lake, '_events')).sort() : [];
const exportOf = (lake: string, file: string) => readJson<ExportRow[]>(join(lake, 'exports', EXPORT, file));
/** Table → the days the run's summary says succeeded (what the ledger committed), sorted. */
function committedDays(r: Run): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const d of r.summary?.days ?? []) if (d.status === 'succeeded') (out[d.dataset] ??= []).push(d.day);
  for (const days of Object.values(out)) days.sort();
  return out;
}
const processedFiles = (lake: string, table: string) => snapshotFiles(join(lake, 'processed', table));
const TABLES = ['access_records', 'node_snapshots', 'file_downloads', 'project_downloads_daily', 'client_share_4w'];
const snapshotTables = (lake: string) => Object.fromEntries(TABLES.map((t) => [t, processedFiles(lake, t)]));

/**
 * The package computed from the processed downloads, not from the aggregate: per project, its downloads
 * and distinct users over the 28 days ending on `asOf`.
 */
async function downloadsOver28Days(lake: string, asOf: string): Promise<ExportRow[]> {
  return sql<ExportRow>(
    `SELECT '${asOf}' AS as_of, project_id::BIGINT::INT AS project_id, count(*)::INT AS downloads_28d, count(DISTINCT user_id)::INT AS distinct_users_28d
     FROM read_parquet('${join(lake, 'processed', 'file_downloads')}/*/*/*/*.parquet', hive_partitioning = false)
     WHERE project_id IS NOT NULL AND record_date BETWEEN DATE '${asOf}' - INTERVAL 27 DAY AND DATE '${asOf}'
     GROUP BY project_id ORDER BY downloads_28d DESC, project_id`,
  );
}

/** A file download as Synapse's repository service writes it: the envelope (time, stack, instance), the download its payload. */
const download = (timestamp: number, payload: Record<string, unknown>) =>
  JSON.stringify({ stack: 'prod', instance: '000000999', timestamp, payload });
/** An access record in Synapse's envelope. */
const accessRecord = (sessionId: string, timestamp: number) =>
  JSON.stringify({
    stack: 'prod',
    instance: '000000503',
    timestamp: timestamp + 20,
    payload: {
      sessionId,
      timestamp,
      userId: 7,
      method: 'GET',
      requestURL: '/repo/v1/entity/syn123',
      userAgent: 'python-requests/2.31.0',
    },
  });

describe('the completion event and the exports on the local runtime', () => {
  const lake = tmpLake('e2e-completion');
  let sample: SampleSummary;
  let first: Run;

  beforeAll(async () => {
    // 4 … 6 March 2024
    sample = await generateSample({ lakeDir: lake, days: 3, start: '2024-03-04', recordsPerHour: 25, seed: 31 });
    first = await run(lake);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('sends the completion event of a run that committed days, with exactly the days of each table it committed', () => {
    const event = eventOf(lake, first);

    expect(first.outcome.status).toBe('SUCCEEDED');
    expect([event.source, event['detail-type']]).toEqual(['lakestep', 'Run Completed']);
    expect(event.detail).toMatchObject({ stage: 'local', execution: first.name, status: 'SUCCEEDED' });
    expect(event.detail.tables).toEqual(committedDays(first));
    expect(Object.keys(event.detail.tables).sort()).toEqual([...TABLES].sort());
    // every day with files in a table is one the event names
    for (const table of TABLES)
      expect([
        table,
        changedDays({}, processedFiles(lake, table)).every((d) => event.detail.tables[table].includes(d)),
      ]).toEqual([table, true]);
    expect(event.detail.exports).toEqual({ [EXPORT]: `exports/${EXPORT}/${first.name}.json` });
  });

  it("writes the export's rows as the run's package and as latest.json: the query's rows, dates as ISO text", async () => {
    const rows = exportOf(lake, `${first.name}.json`);
    const { rows: queried } = await queryCatalog(lake, loadConfig().exports[EXPORT].sql);

    expect(rows.length).toBeGreaterThan(0);
    expect(exportOf(lake, 'latest.json')).toEqual(rows);
    expect(rows).toEqual(queried);
    expect(rows[0].as_of).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // the newest day of the 28-day aggregate: 27 days after the last day of downloads
    expect(rows[0].as_of).toBe(addDays(sample.lastDay, 27));
    expect(rows).toEqual(await downloadsOver28Days(lake, rows[0].as_of));
  });

  it('sends no event and writes no export when a run commits nothing', async () => {
    const events = eventFiles(lake);
    const exports = snapshotFiles(join(lake, 'exports'));

    const idle = await run(lake);
    const dry = await run(lake, { dryRun: true, from: sample.firstDay, to: sample.lastDay, force: true });

    expect([idle.outcome.status, dry.outcome.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(idle.plan?.days ?? []).toEqual([]);
    expect(eventFiles(lake)).toEqual(events);
    expect(snapshotFiles(join(lake, 'exports'))).toEqual(exports);
  });

  it('sends no event when every planned day fails (a step over its reject threshold)', async () => {
    // in the last arrival day: a scheduled run lists only the days that can still change (bounded discovery)
    const at = Date.parse(`${sample.lastDay}T05:00:00Z`);
    const key = rawFileKey('raw/access_records/', at, 'garbage');
    await writeRawFile(
      lake,
      key,
      Array.from({ length: 400 }, (_, i) => `{"sessionId": "broken-${i}", `),
      { gzip: true },
    );
    const events = eventFiles(lake);

    const failed = await run(lake);
    rmSync(join(lake, ...key.split('/')));

    expect(failed.outcome.status).toBe('FAILED');
    expect(committedDays(failed)).toEqual({});
    expect(eventFiles(lake)).toEqual(events);
  });

  it('names only the tables a late access record changed, and writes no export that reads none of them', async () => {
    const arrival = addDays(sample.firstDay, 1);
    const at = Date.parse(`${arrival}T12:00:00Z`);
    await writeRawFile(lake, rawFileKey('raw/access_records/', at, 'late-access'), [accessRecord('late-a', at)], {
      gzip: true,
    });
    const latest = readFileSync(join(lake, 'exports', EXPORT, 'latest.json'), 'utf8');

    const late = await run(lake);

    const event = eventOf(lake, late);
    expect(late.outcome.status).toBe('SUCCEEDED');
    expect(Object.keys(event.detail.tables).sort()).toEqual(['access_records', 'client_share_4w']);
    expect(event.detail.tables).toEqual(committedDays(late));
    expect(event.detail.tables.access_records).toEqual([addDays(arrival, -1), arrival, addDays(arrival, 1)]);
    expect(event.detail.exports).toEqual({});
    expect(existsSync(join(lake, 'exports', EXPORT, `${late.name}.json`))).toBe(false);
    expect(readFileSync(join(lake, 'exports', EXPORT, 'latest.json'), 'utf8')).toBe(latest);
  });

  it('names exactly the days a late download changed, and rewrites the export with it counted', async () => {
    const arrival = sample.lastDay; // in the 28-day window of the newest aggregate day
    const at = Date.parse(`${arrival}T12:34:56.789Z`);
    // a file node listed in every dump, in one project throughout
    const [node] = await sql<{ node_id: string; project_id: string }>(
      `SELECT CAST(node_id AS VARCHAR) AS node_id, CAST(min(project_id) AS VARCHAR) AS project_id
       FROM read_parquet('${join(lake, 'processed', 'node_snapshots')}/*/*/*/*.parquet', hive_partitioning = false) WHERE node_type = 'file'
       GROUP BY node_id HAVING count(DISTINCT project_id) = 1 AND max(entered_at) < TIMESTAMP '${sample.firstDay} 00:00:00'
       ORDER BY node_id LIMIT 1`,
    );
    const before = snapshotTables(lake);
    const packageBefore = exportOf(lake, 'latest.json');
    const record = download(at, {
      userId: 9_999_001,
      fileHandleId: '77777777',
      associateType: 'FileEntity',
      associateId: `syn${node.node_id}`,
    });
    await writeRawFile(
      lake,
      rawFileKey(DOWNLOADS_PREFIX, at, 'late-download', 'firehose', 'lakestep-file-downloads'),
      [record],
      { gzip: true },
    );

    const late = await run(lake);

    const event = eventOf(lake, late);
    const after = snapshotTables(lake);
    expect(late.outcome.status).toBe('SUCCEEDED');
    expect(event.detail.tables).toEqual(committedDays(late));
    expect(Object.keys(event.detail.tables).sort()).toEqual(['file_downloads', 'project_downloads_daily']);
    expect(event.detail.tables.file_downloads).toEqual([addDays(arrival, -1), arrival, addDays(arrival, 1)]);
    // the days whose files changed are days the event names; the tables it does not name are untouched
    for (const [table, days] of Object.entries(event.detail.tables)) {
      const changed = changedDays(before[table], after[table]);
      expect([table, changed.length > 0, changed.every((d) => days.includes(d))]).toEqual([table, true, true]);
    }
    for (const table of ['access_records', 'node_snapshots', 'client_share_4w'])
      expect([table, after[table]]).toEqual([table, before[table]]);

    const rows = exportOf(lake, `${late.name}.json`);
    expect(event.detail.exports).toEqual({ [EXPORT]: `exports/${EXPORT}/${late.name}.json` });
    expect(exportOf(lake, 'latest.json')).toEqual(rows);
    expect(rows).toEqual((await queryCatalog(lake, loadConfig().exports[EXPORT].sql)).rows);
    expect(rows).toEqual(await downloadsOver28Days(lake, rows[0].as_of));
    const downloadsOf = (pkg: ExportRow[]) =>
      pkg.find((r) => String(r.project_id) === node.project_id)?.downloads_28d ?? 0;
    expect(downloadsOf(rows)).toBe(downloadsOf(packageBefore) + 1);
    // the first run's package stays as it was written (the late access run wrote none)
    expect(exportOf(lake, `${first.name}.json`)).toEqual(packageBefore);
  });
});
