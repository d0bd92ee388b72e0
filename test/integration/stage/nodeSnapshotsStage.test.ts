// The stage must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude pins
// it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { resolve } from 'node:path';
import { projectRoot } from '../../../src/config/config';
import { runStage } from '../../../src/local/duckdb/stage';
import { rawColumns, useStage } from '../../helpers/stageHarness';

const STAGE_PATH = resolve(projectRoot(), 'spark/sql/node_snapshots.sql');

type Value = string | number | null;
type Row = Record<string, Value>;

/** 2023-11-14T22:13:20Z: when the fixtures' nodes entered their projects. */
const ENTERED_MS = 1_700_000_000_000;

const stage = useStage(STAGE_PATH);
const { createTable } = stage;

/** One dump line; the file defaults to the day's dump and the index to the line's position. */
const dumpRow = (day: string, index: number, fields: Row): Row => ({
  ID: 101,
  PROJECT_ID: 1,
  NODE_TYPE: 'file',
  TIMESTAMP: ENTERED_MS,
  _source_file: `raw/node_snapshots/snapshot_date=${day}/nodes.csv.gz`,
  _record_index: index,
  _arrival_day: day,
  ...fields,
});

/** Runs the real stage file on DuckDB; rows ordered by day and key, BIGINTs as numbers, the rest as text. */
async function runNodeSnapshots(raw: Row[], days: string[]): Promise<Row[]> {
  await createTable('raw_node_snapshots', rawColumns('node_snapshots'), raw);
  await createTable(
    'run_days',
    { day: 'DATE' },
    days.map((day) => ({ day })),
  );
  await runStage(stage.connection, stage.stageSql);
  const reader = await stage.connection.runAndReadAll(
    'SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY record_date, node_id, project_id, entered_at',
  );
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((row) => ({
    ...row,
    node_id: row.node_id === null ? null : Number(row.node_id),
    project_id: row.project_id === null ? null : Number(row.project_id),
  }));
}

describe('node_snapshots stage: output shape', () => {
  it('returns the contract columns, in order, with their types', async () => {
    await runNodeSnapshots([dumpRow('2024-03-01', 0, {})], ['2024-03-01']);

    const columns = (await stage.connection.runAndReadAll('DESCRIBE stage_output')).getRowObjectsJson();

    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'node_id BIGINT',
      'project_id BIGINT',
      'node_type VARCHAR',
      'entered_at TIMESTAMP',
      'record_date DATE',
    ]);
  });

  it('renames the dump columns, reads TIMESTAMP as epoch ms (UTC) and takes the day from the dump', async () => {
    const rows = await runNodeSnapshots(
      [dumpRow('2024-03-01', 0, { ID: 101, PROJECT_ID: 7, NODE_TYPE: 'table', TIMESTAMP: 1_709_251_199_999 })],
      ['2024-03-01'],
    );

    expect(rows).toEqual([
      {
        node_id: 101,
        project_id: 7,
        node_type: 'table',
        entered_at: '2024-02-29 23:59:59.999',
        record_date: '2024-03-01',
      },
    ]);
  });
});

describe('node_snapshots stage: dedup within a dump', () => {
  it('keeps one row per (node, project, entered_at) of a day: the smallest source file, then record index', async () => {
    const day = '2024-03-01';
    const rows = await runNodeSnapshots(
      [
        dumpRow(day, 4, { NODE_TYPE: 'b-file', _source_file: 'raw/node_snapshots/snapshot_date=2024-03-01/b.csv.gz' }),
        dumpRow(day, 3, {
          NODE_TYPE: 'a-file-3',
          _source_file: 'raw/node_snapshots/snapshot_date=2024-03-01/a.csv.gz',
        }),
        dumpRow(day, 1, {
          NODE_TYPE: 'a-file-1',
          _source_file: 'raw/node_snapshots/snapshot_date=2024-03-01/a.csv.gz',
        }),
      ],
      [day],
    );

    expect(rows.map((r) => r.node_type)).toEqual(['a-file-1']);
  });

  it('keeps rows that differ in node, project or entered_at', async () => {
    const day = '2024-03-01';
    const rows = await runNodeSnapshots(
      [
        dumpRow(day, 0, {}),
        dumpRow(day, 1, { ID: 102 }),
        dumpRow(day, 2, { PROJECT_ID: 2 }),
        dumpRow(day, 3, { TIMESTAMP: ENTERED_MS + 1 }),
      ],
      [day],
    );

    expect(rows.map((r) => [r.node_id, r.project_id, r.entered_at])).toEqual([
      [101, 1, '2023-11-14 22:13:20'],
      [101, 1, '2023-11-14 22:13:20.001'],
      [101, 2, '2023-11-14 22:13:20'],
      [102, 1, '2023-11-14 22:13:20'],
    ]);
  });

  it('treats NULLs in the key as equal to each other and distinct from values', async () => {
    const day = '2024-03-01';
    const rows = await runNodeSnapshots(
      [
        dumpRow(day, 0, { PROJECT_ID: null, NODE_TYPE: 'n1' }),
        dumpRow(day, 1, { PROJECT_ID: null, NODE_TYPE: 'n2' }),
        dumpRow(day, 2, { PROJECT_ID: 1, NODE_TYPE: 'p1' }),
      ],
      [day],
    );

    expect(rows.map((r) => r.node_type).sort()).toEqual(['n1', 'p1']);
  });
});

describe('node_snapshots stage: days', () => {
  it('keeps an unchanged node once on every run day its dump lists it, and nothing of other days', async () => {
    // The step's raw window (lateDays 1 around 29 Feb … 1 Mar) also holds the dumps of 28 Feb and 2 Mar.
    const raw = ['2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02'].flatMap((day) => [
      dumpRow(day, 0, {}),
      dumpRow(day, 1, {}), // the dump lists the node twice
    ]);

    const rows = await runNodeSnapshots(raw, ['2024-02-29', '2024-03-01']);

    expect(rows.map((r) => [r.node_id, r.record_date])).toEqual([
      [101, '2024-02-29'],
      [101, '2024-03-01'],
    ]);
  });

  it('returns nothing when run_days is empty', async () => {
    expect(await runNodeSnapshots([dumpRow('2024-03-01', 0, {})], [])).toEqual([]);
  });
});
