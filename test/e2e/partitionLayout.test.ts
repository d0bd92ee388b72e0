/**
 * `partitionLayout: date` end to end on DuckDB: access_records (a dataset, read by client_share_4w)
 * and project_downloads_daily (an aggregate) written as `record_date=YYYY-MM-DD/`, the other tables
 * as `year=/month=/day=/`, from the same sample as a lake of the default layout. The rows are the
 * same, the folders and the files follow the layout, a rerun changes nothing, a forced rerun
 * duplicates nothing, the catalog (rebuilt) and adopt find the days.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/config';
import type { Plan } from '../../src/core/types';
import { executeStateMachine } from '../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../src/local/localRuntime';
import { planKey } from '../../src/core/runKeys';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { partitionFolders, snapshotFiles, sql, tmpLake } from '../helpers/lake';

async function run(lake: string, input: Record<string, unknown> = {}) {
  return withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
    const outcome = await executeStateMachine(runtime, input);
    return { outcome, plan: await runtime.ports.store.getJson<Plan>(planKey(outcome.executionId)) };
  });
}

async function query(lake: string, statement: string): Promise<Record<string, unknown>[]> {
  const result = await lakestep('query', '--lake', lake, '--json', statement);
  expect(result.stderr).not.toMatch(/error/);
  return JSON.parse(result.stdout);
}

const DATED = ['access_records', 'project_downloads_daily'];
const sample = { days: 3, start: '2024-02-28', recordsPerHour: 25, seed: 11 };
/** Rows of a table as a stage sees them (no partition columns, record_date a DATE), in a stable order, for comparing lakes. */
const tableRows = (lake: string, table: string) =>
  query(
    lake,
    `SELECT COLUMNS(c -> c NOT IN ('year', 'month', 'day', 'record_date')), CAST(record_date AS DATE) AS record_date FROM ${table} ORDER BY ALL`,
  );

describe('partitionLayout: date', () => {
  const ymd = tmpLake('layout-ymd');
  const dated = tmpLake('layout-date');
  const config = loadConfig();

  beforeAll(async () => {
    await generateSample({ lakeDir: ymd, ...sample });
    await generateSample({ lakeDir: dated, ...sample });
    expect((await run(ymd)).outcome.status).toBe('SUCCEEDED');
    // The one config every part of the process loads (loadConfig caches it): this test file's own module registry.
    for (const table of DATED) (config.datasets[table] ?? config.aggregates[table]).partitionLayout = 'date';
    expect((await run(dated)).outcome.status).toBe('SUCCEEDED');
  });
  afterAll(() => {
    for (const table of DATED) (config.datasets[table] ?? config.aggregates[table]).partitionLayout = 'ymd';
    rmSync(ymd, { recursive: true, force: true });
    rmSync(dated, { recursive: true, force: true });
  });

  it('writes record_date= folders without the day column in the files, and year=/month=/day= for the other tables', async () => {
    const folders = partitionFolders(join(dated, 'processed', 'access_records'));
    const files = await sql<{ name: string }>(
      `SELECT name FROM parquet_schema('${join(dated, 'processed', 'access_records')}/*/*.parquet') GROUP BY ALL`,
    );

    expect(folders).toEqual([
      'record_date=2024-02-27',
      'record_date=2024-02-28',
      'record_date=2024-02-29',
      'record_date=2024-03-01',
    ]);
    expect(files.map((f) => f.name)).not.toContain('record_date');
    expect(
      partitionFolders(join(dated, 'processed', 'project_downloads_daily')).every((f) =>
        /^record_date=\d{4}-\d{2}-\d{2}$/.test(f),
      ),
    ).toBe(true);
    expect(partitionFolders(join(dated, 'processed', 'file_downloads'))).toEqual(
      partitionFolders(join(ymd, 'processed', 'file_downloads')),
    );
    // quarantine tables keep year=/month=/day= (by arrival day) whatever the table's layout
    expect(partitionFolders(join(dated, 'rejected', 'access_records'))).toEqual(
      partitionFolders(join(ymd, 'rejected', 'access_records')),
    );
  });

  it('gives the same rows as the default layout, downstream tables included', async () => {
    for (const table of ['access_records', 'client_share_4w', 'file_downloads', 'project_downloads_daily']) {
      const [inDate, inYmd] = [await tableRows(dated, table), await tableRows(ymd, table)];

      expect({ table, rows: inDate.length }).toEqual({ table, rows: inYmd.length });
      expect(inYmd.length).toBeGreaterThan(0);
      expect(inDate).toEqual(inYmd);
    }
  });

  it('publishes record_date as a string partition column, as Athena will see it', async () => {
    const types = await query(
      dated,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'access_records' AND column_name IN ('record_date', 'year')`,
    );
    const perDay = await query(
      dated,
      `SELECT record_date, count(*) AS n FROM access_records WHERE record_date BETWEEN '2024-02-28' AND '2024-02-29' GROUP BY ALL ORDER BY ALL`,
    );

    expect(types).toEqual([{ column_name: 'record_date', data_type: 'VARCHAR' }]);
    expect(perDay.map((r) => r.record_date)).toEqual(['2024-02-28', '2024-02-29']);
  });

  it('plans nothing on a rerun and touches no file; a forced rerun replaces the days without duplicating a row', async () => {
    const before = snapshotFiles(join(dated, 'processed'));
    const rows = await tableRows(dated, 'access_records');

    const again = await run(dated);
    const untouched = snapshotFiles(join(dated, 'processed'));
    const forced = await run(dated, { from: '2024-02-27', to: '2024-03-01', force: true });

    expect(again.plan?.days).toEqual([]);
    expect(untouched).toEqual(before);
    expect(forced.outcome.status).toBe('SUCCEEDED');
    expect(await tableRows(dated, 'access_records')).toEqual(rows);
    expect(partitionFolders(join(dated, 'processed', 'access_records'))).toEqual([
      'record_date=2024-02-27',
      'record_date=2024-02-28',
      'record_date=2024-02-29',
      'record_date=2024-03-01',
    ]);
  });

  it('rebuilds a deleted catalog from the record_date= folders', async () => {
    const expected = await query(
      dated,
      'SELECT record_date, count(*) AS n FROM access_records GROUP BY ALL ORDER BY ALL',
    );
    rmSync(join(dated, '_catalog.duckdb'), { force: true });

    const rebuilt = await query(
      dated,
      'SELECT record_date, count(*) AS n FROM access_records GROUP BY ALL ORDER BY ALL',
    );

    expect(rebuilt).toEqual(expected);
    expect(rebuilt).toHaveLength(4);
  });

  it('adopt finds the record_date= days of a lake whose ledger was lost, and the next run plans nothing', async () => {
    rmSync(join(dated, '_state'), { recursive: true, force: true });

    const adopted = await lakestep('adopt', '--lake', dated, '--json');
    const status = await lakestep('status', '--lake', dated, '--dataset', 'access_records', '--days', '--json');
    const next = await run(dated);

    expect(adopted.code).toBe(0);
    const tables = JSON.parse(adopted.stdout).tables as {
      table: string;
      outputDays: number;
      processedWithoutRaw: string[];
    }[];
    expect(tables.find((t) => t.table === 'access_records')).toMatchObject({ outputDays: 4, processedWithoutRaw: [] });
    expect(tables.find((t) => t.table === 'project_downloads_daily')?.outputDays).toBeGreaterThan(0);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('2024-02-27');
    expect(next.plan?.days).toEqual([]);
  });
});
