/**
 * The whole table graph (node_snapshots → file_downloads → project_downloads_daily, access_records →
 * client_share_4w) through the real state machine on the local runtime (real handlers, dynalite,
 * DuckDB writing Parquet), on a generated sample whose exact outcome the generator computed; then a
 * late file of downloads (exactly its days and the aggregate days downstream recompute) and a
 * blocking check that fails for real from raw data (its day is not written, the run fails).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { addDays } from '../../src/core/days';
import type { RunSummary } from '../../src/core/summary';
import type { Day, Plan } from '../../src/core/types';
import { executeStateMachine, type ExecutionOutcome } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { planKey, summaryKey } from '../../src/core/runKeys';
import { latestReport, reportKeys } from '../../src/report/reportStore';
import type { RunReport } from '../../src/report/runReport';
import {
  DOWNLOADS_PREFIX,
  generateSample,
  rawFileKey,
  writeRawFile,
  type SampleSummary,
} from '../../examples/synapse/sample/generate';
import { changedDays, rowsByDay, snapshotFiles, sql, tmpLake } from '../helpers/lake';

interface Run {
  outcome: ExecutionOutcome;
  summary?: RunSummary;
  plan?: Plan;
  /** the report at `_reports/<execution>.json` */
  report?: RunReport;
  /** what latestReport finds after the run */
  latest?: RunReport;
}

async function run(lake: string, input: Record<string, unknown> = {}): Promise<Run> {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input);
    const { store } = runtime.ports;
    return {
      outcome,
      summary: await store.getJson<RunSummary>(summaryKey(outcome.executionId)),
      plan: await store.getJson<Plan>(planKey(outcome.executionId)),
      report: await store.getJson<RunReport>(reportKeys(outcome.executionId).jsonKey),
      latest: (await latestReport(store))?.report,
    };
  });
}

const TABLES = [
  'access_records',
  'node_snapshots',
  'file_downloads',
  'project_downloads_daily',
  'client_share_4w',
] as const;
const CLIENTS = ['WEB', 'JAVA', 'PYTHON', 'R', 'SYNAPSER', 'COMMAND_LINE', 'ELB_HEALTHCHECKER', 'STACK', 'UNKNOWN'];

const processed = (lake: string, table: string) => join(lake, 'processed', table);
const parquet = (lake: string, table: string) =>
  `read_parquet('${processed(lake, table)}/*/*/*/*.parquet', hive_partitioning = false)`;
/** The planned days of one table, ascending. */
const plannedDays = (r: Run, table: string) =>
  (r.plan?.days ?? [])
    .filter((d) => d.dataset === table)
    .map((d) => d.day)
    .sort();
const summaryDays = (r: Run, table: string) => (r.summary?.days ?? []).filter((d) => d.dataset === table);
/** Inclusive range of days. */
function dayRange(from: Day, to: Day): Day[] {
  const out: Day[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
const total = (byDay: Record<string, number>) => Object.values(byDay).reduce((a, b) => a + b, 0);
/** Every table's files, keyed `<table>/<relative path>`. */
const snapshotAll = (lake: string) => Object.fromEntries(TABLES.map((t) => [t, snapshotFiles(processed(lake, t))]));

/** A file download as Synapse's repository service writes it: the envelope (time, stack, instance), the download its payload. */
const download = (timestamp: number, payload: Record<string, unknown>) =>
  JSON.stringify({ stack: 'prod', instance: '000000999', timestamp, payload });

describe('the table graph on the local runtime', () => {
  const lake = tmpLake('e2e-tables');
  let sample: SampleSummary;
  let first: Run;
  // 4 … 6 March 2024 (a Monday … Wednesday)
  const START = '2024-03-04';

  beforeAll(async () => {
    sample = await generateSample({ lakeDir: lake, days: 3, start: START, recordsPerHour: 25, seed: 23 });
    first = await run(lake);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('succeeds and computes every table, each after the tables it reads', () => {
    expect(first.outcome.status).toBe('SUCCEEDED');
    expect(first.summary?.failedDays).toEqual([]);
    expect(new Set(first.plan?.days.map((d) => d.dataset))).toEqual(new Set(TABLES));
    const phase = (t: string) =>
      Math.min(...(first.plan?.groups ?? []).filter((g) => g.dataset === t).map((g) => g.phase));
    expect(phase('node_snapshots')).toBeLessThan(phase('file_downloads'));
    expect(phase('file_downloads')).toBeLessThan(phase('project_downloads_daily'));
    expect(phase('access_records')).toBeLessThan(phase('client_share_4w'));
  });

  it('writes exactly the expected file_downloads rows per event day', async () => {
    const expected = sample.fileDownloads!.expected;

    expect(expected.downloads).toBeGreaterThan(0);
    expect(await rowsByDay(processed(lake, 'file_downloads'))).toEqual(expected.downloadsByEventDay);
    const out = Object.fromEntries(
      summaryDays(first, 'file_downloads')
        .filter((d) => d.recordsOut > 0)
        .map((d) => [d.day, d.recordsOut]),
    );
    expect(out).toEqual(expected.downloadsByEventDay);
    // recordsIn: every valid raw record of the event day, of any association type, copies included
    const plus = (...maps: Record<string, number>[]) =>
      Object.fromEntries(
        Object.keys(expected.downloadsByEventDay).map((d) => [d, maps.reduce((n, m) => n + (m[d] ?? 0), 0)]),
      );
    const recordsIn = Object.fromEntries(
      summaryDays(first, 'file_downloads')
        .filter((d) => d.recordsIn > 0)
        .map((d) => [d.day, d.recordsIn]),
    );
    expect(recordsIn).toEqual(
      plus(expected.downloadsByEventDay, expected.duplicatesByEventDay, expected.filteredOutByEventDay),
    );
    // duplicates are copies of the dedupKey, not the rows the stage filters out (other association types)
    expect(expected.duplicatesDropped).toBeGreaterThan(0);
    const duplicates = Object.fromEntries(
      summaryDays(first, 'file_downloads')
        .filter((d) => d.duplicatesDropped > 0)
        .map((d) => [d.day, d.duplicatesDropped]),
    );
    expect(duplicates).toEqual(
      Object.fromEntries(Object.entries(expected.duplicatesByEventDay).filter(([, n]) => n > 0)),
    );
  });

  it('attributes each download to its project at the time, as the generator did', async () => {
    const rows = await sql<{ day: string; project_id: string; n: number }>(
      `SELECT strftime(record_date, '%Y-%m-%d') AS day, CAST(project_id AS VARCHAR) AS project_id, count(*)::INT AS n
       FROM ${parquet(lake, 'file_downloads')} WHERE project_id IS NOT NULL GROUP BY ALL ORDER BY ALL`,
    );
    const byProjectAndDay: Record<string, Record<string, number>> = {};
    for (const r of rows) (byProjectAndDay[r.day] ??= {})[r.project_id] = r.n;

    expect(byProjectAndDay).toEqual(sample.fileDownloads!.expected.byProjectAndDay);
  });

  it('counts the expected unattributed downloads per day, in the table, the run summary and the run report', async () => {
    const expected = sample.fileDownloads!.expected.unattributedByEventDay;
    expect(total(expected)).toBeGreaterThan(0);

    const rows = await sql<{ day: string; n: number }>(
      `SELECT strftime(record_date, '%Y-%m-%d') AS day, count(*) FILTER (WHERE project_id IS NULL)::INT AS n FROM ${parquet(lake, 'file_downloads')} GROUP BY ALL ORDER BY 1`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.day, r.n]))).toEqual(expected);

    // every planned file_downloads day carries the metric; days without downloads have 0
    const fromSummary = Object.fromEntries(
      summaryDays(first, 'file_downloads').map((d) => [d.day, d.metrics?.unattributed]),
    );
    expect(Object.keys(fromSummary).sort()).toEqual(plannedDays(first, 'file_downloads'));
    for (const [day, n] of Object.entries(fromSummary)) expect([day, n]).toEqual([day, expected[day] ?? 0]);

    expect(first.report?.executionId).toBe(first.outcome.executionId);
    expect(first.latest).toEqual(first.report);
    const reportTable = first.report!.tables.find((t) => t.table === 'file_downloads')!;
    expect(Object.fromEntries(reportTable.days.map((d) => [d.day, d.unattributed]))).toEqual(fromSummary);
    expect(reportTable.totals.unattributed).toBe(sample.fileDownloads!.expected.unattributed);
    expect(first.report!.totals.unattributed).toBe(sample.fileDownloads!.expected.unattributed);
  });

  it('writes the expected node_snapshots rows per snapshot day', async () => {
    expect(await rowsByDay(processed(lake, 'node_snapshots'))).toEqual(sample.nodeSnapshots!.rowsBySnapshotDay);
    expect(plannedDays(first, 'node_snapshots')).toEqual(Object.keys(sample.nodeSnapshots!.rowsBySnapshotDay));
  });

  it('gives each project a row on every day from its first download through 27 days after its last, summing to its attributed downloads', async () => {
    const byProjectAndDay = sample.fileDownloads!.expected.byProjectAndDay;
    const expected = new Map<string, { first: Day; last: Day; downloads: number }>();
    for (const [day, projects] of Object.entries(byProjectAndDay)) {
      for (const [p, n] of Object.entries(projects)) {
        const e = expected.get(p) ?? { first: day, last: day, downloads: 0 };
        expected.set(p, {
          first: e.first < day ? e.first : day,
          last: e.last > day ? e.last : day,
          downloads: e.downloads + n,
        });
      }
    }
    const rows = await sql<{ project_id: string; day: string; downloads: number; downloads_28d: number }>(
      `SELECT CAST(project_id AS VARCHAR) AS project_id, strftime(record_date, '%Y-%m-%d') AS day, downloads::INT AS downloads, downloads_28d::INT AS downloads_28d
       FROM ${parquet(lake, 'project_downloads_daily')} ORDER BY ALL`,
    );
    const actual = new Map<string, { days: Day[]; downloads: number; downloads28: number }>();
    for (const r of rows) {
      const a = actual.get(r.project_id) ?? { days: [], downloads: 0, downloads28: 0 };
      a.days.push(r.day);
      a.downloads += r.downloads;
      a.downloads28 += r.downloads_28d;
      actual.set(r.project_id, a);
    }

    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [p, e] of expected) {
      const a = actual.get(p)!;
      // continuous calendar: no gap, no extra day
      expect([p, a.days]).toEqual([p, dayRange(e.first, addDays(e.last, 27))]);
      expect([p, a.downloads]).toEqual([p, e.downloads]);
      // each download is in the 28-day window of exactly 28 days
      expect([p, a.downloads28]).toEqual([p, 28 * e.downloads]);
    }
    // the partitions match too
    const days = Object.keys(byProjectAndDay).sort();
    expect(Object.keys(await rowsByDay(processed(lake, 'project_downloads_daily')))).toEqual(
      dayRange(days[0], addDays(days[days.length - 1], 27)),
    );
  });

  it('writes client_share_4w with the 9 clients for every week, week as yyyy_ww (ISO)', async () => {
    const rows = await sql<{
      monday: string;
      week: string;
      iso: string;
      clients: number;
      distinct_clients: number;
      list: string;
    }>(
      `SELECT strftime(record_date, '%Y-%m-%d') AS monday, week, strftime(record_date, '%G_%V') AS iso,
              count(*)::INT AS clients, count(DISTINCT client)::INT AS distinct_clients, string_agg(client, ',' ORDER BY client) AS list
       FROM ${parquet(lake, 'client_share_4w')} GROUP BY ALL ORDER BY 1`,
    );

    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.monday)).toEqual(plannedDays(first, 'client_share_4w'));
    for (const r of rows) {
      expect(r.week).toMatch(/^[0-9]{4}_[0-9]{2}$/);
      expect(r.week).toBe(r.iso);
      expect(new Date(`${r.monday}T00:00:00Z`).getUTCDay()).toBe(1);
      expect([r.clients, r.distinct_clients]).toEqual([9, 9]);
      expect(r.list).toBe([...CLIENTS].sort().join(','));
    }
    const [{ n }] = await sql<{ n: number }>(`SELECT count(*)::INT AS n FROM ${parquet(lake, 'client_share_4w')}`);
    expect(n).toBe(9 * rows.length);
  });

  it('recomputes exactly the days a late file of downloads reaches, and the aggregate days downstream', async () => {
    const arrival = addDays(sample.firstDay, 1);
    const at = Date.parse(`${arrival}T12:34:56.789Z`);
    // a file node listed in every dump, in one project throughout (no move, not new)
    const [node] = await sql<{ node_id: string; project_id: string }>(
      `SELECT CAST(node_id AS VARCHAR) AS node_id, CAST(min(project_id) AS VARCHAR) AS project_id
       FROM ${parquet(lake, 'node_snapshots')} WHERE node_type = 'file'
       GROUP BY node_id HAVING count(DISTINCT project_id) = 1 AND count(DISTINCT record_date) = ${Object.keys(sample.nodeSnapshots!.rowsBySnapshotDay).length}
          AND max(entered_at) < TIMESTAMP '${sample.firstDay} 00:00:00'
       ORDER BY node_id LIMIT 1`,
    );
    expect(node).toBeDefined();
    const projectOf = (rows: { project_id: string; downloads: number }[]) =>
      rows.filter((r) => r.project_id === node.project_id).reduce((n, r) => n + r.downloads, 0);
    const pdd = () =>
      sql<{ project_id: string; day: string; downloads: number }>(
        `SELECT CAST(project_id AS VARCHAR) AS project_id, strftime(record_date, '%Y-%m-%d') AS day, downloads::INT AS downloads FROM ${parquet(lake, 'project_downloads_daily')}`,
      );
    const before = snapshotAll(lake);
    const fdBefore = await rowsByDay(processed(lake, 'file_downloads'));
    const pddBefore = await pdd();
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

    expect(late.outcome.status).toBe('SUCCEEDED');
    const fdDays = [addDays(arrival, -1), arrival, addDays(arrival, 1)];
    expect(plannedDays(late, 'file_downloads')).toEqual(fdDays);
    expect(
      late
        .plan!.days.filter((d) => d.dataset === 'file_downloads')
        .every((d) => d.reasons.some((r) => r.kind === 'late_file' && r.rawDay === arrival)),
    ).toBe(true);
    // the aggregate days whose 28-day window [D-27, D] holds one of those days
    expect(plannedDays(late, 'project_downloads_daily')).toEqual(dayRange(fdDays[0], addDays(fdDays[2], 27)));
    expect(
      late
        .plan!.days.filter((d) => d.dataset === 'project_downloads_daily')
        .every((d) => d.reasons.every((r) => r.kind === 'upstream' && r.table === 'file_downloads')),
    ).toBe(true);
    expect(new Set(late.plan!.days.map((d) => d.dataset))).toEqual(
      new Set(['file_downloads', 'project_downloads_daily']),
    );

    // files: only those days changed; the other tables are untouched
    const after = snapshotAll(lake);
    for (const t of ['access_records', 'node_snapshots', 'client_share_4w'])
      expect([t, after[t]]).toEqual([t, before[t]]);
    expect(changedDays(before.file_downloads, after.file_downloads).every((d) => fdDays.includes(d))).toBe(true);
    expect(changedDays(before.file_downloads, after.file_downloads)).toContain(arrival);
    const pddDays = plannedDays(late, 'project_downloads_daily');
    expect(
      changedDays(before.project_downloads_daily, after.project_downloads_daily).every((d) => pddDays.includes(d)),
    ).toBe(true);

    // counts move by exactly one download, attributed to the node's project
    const fdAfter = await rowsByDay(processed(lake, 'file_downloads'));
    expect(fdAfter).toEqual({ ...fdBefore, [arrival]: fdBefore[arrival] + 1 });
    const [row] = await sql<{ project_id: string }>(
      `SELECT CAST(project_id AS VARCHAR) AS project_id FROM ${parquet(lake, 'file_downloads')} WHERE user_id = 9999001`,
    );
    expect(row.project_id).toBe(node.project_id);
    const pddAfter = await pdd();
    expect(total(Object.fromEntries(pddAfter.map((r, i) => [i, r.downloads])))).toBe(
      total(Object.fromEntries(pddBefore.map((r, i) => [i, r.downloads]))) + 1,
    );
    expect(projectOf(pddAfter)).toBe(projectOf(pddBefore) + 1);
    const onArrival = (rows: typeof pddAfter) =>
      rows.find((r) => r.project_id === node.project_id && r.day === arrival)?.downloads ?? 0;
    expect(onArrival(pddAfter)).toBe(onArrival(pddBefore) + 1);
    expect(
      total(
        summaryDays(late, 'file_downloads').reduce(
          (m, d) => ({ ...m, [d.day]: d.recordsOut }),
          {} as Record<string, number>,
        ),
      ),
    ).toBe(fdDays.reduce((n, d) => n + (fdAfter[d] ?? 0), 0));
  });

  it('fails a blocking check for real: the bad day is not written, the other days are, and the run fails with a report naming the check', async () => {
    // Two spellings of one association ("syn42" and "42") are two raw records, but one output key
    // (association_object_id 'syn42'): the blocking check unique_… finds the pair.
    const bad = sample.lastDay;
    const at = Date.parse(`${bad}T09:15:00Z`);
    const good = download(at + 1000, {
      userId: 9_999_002,
      fileHandleId: '77777778',
      associateType: 'FileEntity',
      associateId: 'syn1',
    });
    const spelled = (associateId: string) =>
      download(at, { userId: 9_999_003, fileHandleId: '77777779', associateType: 'FileEntity', associateId });
    const [wrong, twin] = [spelled('syn42'), spelled('42')];
    const key = rawFileKey(DOWNLOADS_PREFIX, at, 'bad-association', 'firehose', 'lakestep-file-downloads');
    await writeRawFile(lake, key, [good, wrong, twin], { gzip: true });
    const before = snapshotAll(lake);
    const fdBefore = await rowsByDay(processed(lake, 'file_downloads'));

    const failed = await run(lake);

    expect(failed.outcome.status).toBe('FAILED');
    expect(failed.outcome.error?.Error).toBe('DaysFailedError');
    expect(plannedDays(failed, 'file_downloads')).toEqual([addDays(bad, -1), bad, addDays(bad, 1)]);
    const day = summaryDays(failed, 'file_downloads').find((d) => d.day === bad)!;
    expect(day.status).toBe('failed');
    expect(day.error).toEqual({
      name: 'CheckFailedError',
      message: `'unique_timestamp_user_id_file_handle_id_association_object_type_association_object_id' failed: 1 row (day ${bad})`,
    });
    expect(
      summaryDays(failed, 'file_downloads')
        .filter((d) => d.day !== bad)
        .every((d) => d.status === 'succeeded'),
    ).toBe(true);
    // aggregate days reading the failed day are not computed from it
    for (const d of summaryDays(failed, 'project_downloads_daily')) {
      if (d.day >= bad && d.day <= addDays(bad, 27))
        expect([d.day, d.status, d.error?.name]).toEqual([d.day, 'failed', 'UpstreamFailedError']);
    }

    // the bad day's partition is as it was; the other day with rows was rewritten
    const after = snapshotAll(lake);
    const dayFiles = (files: Record<string, string>, d: Day) =>
      Object.entries(files).filter(([k]) =>
        k.includes(`year=${d.slice(0, 4)}/month=${d.slice(5, 7)}/day=${d.slice(8, 10)}/`),
      );
    expect(dayFiles(after.file_downloads, bad)).toEqual(dayFiles(before.file_downloads, bad));
    expect(dayFiles(after.file_downloads, bad).length).toBeGreaterThan(0);
    expect(changedDays(before.file_downloads, after.file_downloads)).toEqual([addDays(bad, -1)]);
    expect(await rowsByDay(processed(lake, 'file_downloads'))).toEqual(fdBefore);
    for (const t of ['access_records', 'node_snapshots', 'client_share_4w'])
      expect([t, after[t]]).toEqual([t, before[t]]);

    // the report names the check, the day and the offending row
    const report = failed.report!;
    expect(report.status).toBe('FAILED');
    expect(failed.latest?.execution).toBe(report.execution);
    const check = report.checks.find((c) => c.status === 'failed')!;
    expect(check).toMatchObject({
      name: 'unique_timestamp_user_id_file_handle_id_association_object_type_association_object_id',
      table: 'file_downloads',
      day: bad,
      failingRows: 1,
    });
    expect(check.sampleRows).toEqual([expect.objectContaining({ association_object_id: 'syn42', user_id: '9999003' })]);
    expect(report.failedDays).toEqual(
      expect.arrayContaining([expect.objectContaining({ table: 'file_downloads', day: bad })]),
    );

    // without the bad file the lake is consistent again: the bad fingerprint was never committed
    rmSync(join(lake, key));
    const next = await run(lake);
    expect(next.outcome.status).toBe('SUCCEEDED');
    expect(await rowsByDay(processed(lake, 'file_downloads'))).toEqual(fdBefore);
  });
});
