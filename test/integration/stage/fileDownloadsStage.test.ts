// The stage must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude pins
// it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { resolve } from 'node:path';
import { projectRoot } from '../../../src/config/config';
import { runStage } from '../../../src/local/duckdb/stage';
import { processedColumns, rawColumns, useStage } from '../../helpers/stageHarness';

const STAGE_PATH = resolve(projectRoot(), 'spark/sql/file_downloads.sql');

type Value = string | number | null;
type Row = Record<string, Value>;

const ms = (iso: string) => Date.parse(`${iso}Z`);
const DAY = '2024-02-29';

const stage = useStage(STAGE_PATH);
const { createTable } = stage;

/** One raw download of node 101 at `iso` (UTC); arrival on its event day, one file (the index is the position unless given). */
const download = (iso: string, fields: Row = {}): Row => ({
  timestamp: ms(iso),
  userId: 1,
  fileHandleId: 9001,
  associateType: 'FileEntity',
  associateId: 'syn101',
  stack: 'prod',
  instance: '000000524',
  _source_file: 'raw/file_downloads/2024/02/29/10/f-1.gz',
  _arrival_day: iso.slice(0, 10),
  ...fields,
});

/** A snapshot row: node in project since `enteredIso` (UTC), listed in the dump of `day`. */
const snapshot = (day: string, nodeId: number, projectId: number, enteredIso: string): Row => ({
  node_id: nodeId,
  project_id: projectId,
  node_type: 'file',
  entered_at: enteredIso.replace('T', ' '),
  record_date: day,
});

/**
 * The node history of the fixtures, as dumps of 28 Feb … 1 Mar 2024 (each the state at the end of its day):
 * - node 101 is in project 1 from 10 Jan and moves to project 2 at 29 Feb 12:00;
 * - node 202 enters project 3 at 29 Feb 15:00 (first listed in the dump of 29 Feb);
 * - node 303 is in no dump;
 * - node 404 is listed in projects 7 and 5 with the same entered_at (a contradictory dump).
 */
const SNAPSHOTS: Row[] = [
  snapshot('2024-02-28', 101, 1, '2024-01-10T00:00:00'),
  snapshot('2024-02-29', 101, 2, '2024-02-29T12:00:00'),
  snapshot('2024-03-01', 101, 2, '2024-02-29T12:00:00'),
  snapshot('2024-02-29', 202, 3, '2024-02-29T15:00:00'),
  snapshot('2024-03-01', 202, 3, '2024-02-29T15:00:00'),
  snapshot('2024-02-28', 404, 7, '2024-01-01T00:00:00'),
  snapshot('2024-02-28', 404, 5, '2024-01-01T00:00:00'),
  snapshot('2024-02-29', 404, 5, '2024-01-01T00:00:00'),
  snapshot('2024-02-29', 404, 7, '2024-01-01T00:00:00'),
];

/** Runs the real stage file on DuckDB; rows by timestamp then user, BIGINTs as numbers, the rest as text. */
async function runFileDownloads(
  raw: Row[],
  days = [DAY],
  snapshots = SNAPSHOTS,
  snapshotColumns: Record<string, string> = processedColumns('node_snapshots'),
): Promise<Row[]> {
  await createTable(
    'raw_file_downloads',
    rawColumns('file_downloads'),
    raw.map((r, i) => ({ _record_index: i, ...r })),
  );
  await createTable('node_snapshots', snapshotColumns, snapshots);
  await createTable(
    'run_days',
    { day: 'DATE' },
    days.map((day) => ({ day })),
  );
  await runStage(stage.connection, stage.stageSql);
  const reader = await stage.connection.runAndReadAll(
    'SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY timestamp, user_id',
  );
  const bigints = ['user_id', 'file_handle_id', 'downloaded_file_handle_id', 'project_id'];
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, bigints.includes(k) && v !== null ? Number(v) : v])),
  );
}

describe('file_downloads stage: output shape', () => {
  it('returns the contract columns, in order, with their types', async () => {
    await runFileDownloads([download('2024-02-29T08:00:00')]);

    const columns = (await stage.connection.runAndReadAll('DESCRIBE stage_output')).getRowObjectsJson();

    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'timestamp TIMESTAMP',
      'user_id BIGINT',
      'file_handle_id BIGINT',
      'downloaded_file_handle_id BIGINT',
      'project_id BIGINT',
      'association_object_type VARCHAR',
      'association_object_id VARCHAR',
      'stack VARCHAR',
      'instance VARCHAR',
      'record_date DATE',
    ]);
  });

  it('maps every field: syn-prefixed id, UTC timestamp and day, stack and instance as given', async () => {
    const rows = await runFileDownloads([
      download('2024-02-29T08:00:00.123', { userId: 3400123, fileHandleId: 12345678 }),
    ]);

    expect(rows).toEqual([
      {
        timestamp: '2024-02-29 08:00:00.123',
        user_id: 3400123,
        file_handle_id: 12345678,
        downloaded_file_handle_id: 12345678,
        project_id: 1,
        association_object_type: 'FileEntity',
        association_object_id: 'syn101',
        stack: 'prod',
        instance: '000000524',
        record_date: '2024-02-29',
      },
    ]);
  });
});

describe('file_downloads stage: the reference rules (Synapse-ETL-Jobs file_download_records)', () => {
  it.each([
    ['syn101', 'syn101', 1],
    [' syn101 ', 'syn101', 1], // strip()
    ['\u00a0syn101\t', 'syn101', 1], // Python's whitespace, not only ASCII
    ['101', 'syn101', 1], // the prefix is optional
    ['syn0101', 'syn101', 1], // int() drops leading zeros
    ['syn101.3', 'syn101', 1], // a version suffix
    ['SYN101', null, null], // case matters
    ['syn', null, null],
    ['syn101x', null, null],
    ['syn 101', null, null],
    ['syn-101', null, null],
  ])('reads associateId %j as %s', async (associateId, written, project) => {
    const [row] = await runFileDownloads([download('2024-02-29T08:00:00', { associateId })]);

    expect([row.association_object_id, row.project_id]).toEqual([written, project]);
  });

  it("falls back to file_handle_id for downloaded_file_handle_id, and to the record's projectId for a node in no dump", async () => {
    const rows = await runFileDownloads([
      download('2024-02-29T08:00:00', { userId: 1, fileHandleId: 7, downloadedFileHandleId: 8 }),
      download('2024-02-29T09:00:00', { userId: 2, fileHandleId: 7 }),
      download('2024-02-29T10:00:00', { userId: 3, associateId: 'syn303', projectId: 42 }),
      download('2024-02-29T11:00:00', { userId: 4, projectId: 42 }), // the snapshot's project wins
    ]);

    expect(rows.map((r) => [r.user_id, r.downloaded_file_handle_id, r.project_id])).toEqual([
      [1, 8, 1],
      [2, 7, 1],
      [3, 9001, 42],
      [4, 9001, 1],
    ]);
  });
});

describe('file_downloads stage: point-in-time project', () => {
  // One download per user id, so each row says which case it is.
  const downloads = [
    download('2024-02-29T08:00:00', { userId: 1 }), // 101 before its move
    download('2024-02-29T11:59:59.999', { userId: 2 }), // 101 a ms before the move
    download('2024-02-29T12:00:00', { userId: 3 }), // 101 at the move: entered_at not after it
    download('2024-02-29T23:59:59.999', { userId: 4 }), // 101 after the move
    download('2024-02-29T13:00:00', { userId: 9, associateType: 'TableEntity' }), // a table is a node too
    download('2024-02-29T10:00:00', { userId: 5, associateId: 202 }), // before 202's first snapshot row
    download('2024-02-29T15:00:00', { userId: 6, associateId: 202 }), // at 202's entry
    download('2024-02-29T16:00:00', { userId: 7, associateId: 303 }), // a node in no dump
    download('2024-02-29T17:00:00', { userId: 8, associateId: 404 }), // tie on entered_at
    download('2024-02-29T18:00:00', { userId: 10, associateId: null }), // no node id at all
  ];
  const expected = [
    [1, 1],
    [2, 1],
    [3, 2],
    [4, 2],
    [9, 2],
    [5, null],
    [6, 3],
    [7, null],
    [8, 5],
    [10, null],
  ];

  it('attributes each download to the project of the latest snapshot row not after it, NULL (kept) when none', async () => {
    const rows = await runFileDownloads(downloads);

    expect(rows.map((r) => [r.user_id, r.project_id]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      [...expected].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    expect(rows.find((r) => r.user_id === 10)?.association_object_id).toBeNull();
  });

  it('gives the same projects when node_snapshots holds TIMESTAMP WITH TIME ZONE (a Spark-written Parquet read by DuckDB)', async () => {
    const rows = await runFileDownloads(
      downloads,
      [DAY],
      SNAPSHOTS.map((s) => ({ ...s, entered_at: `${s.entered_at}+00` })),
      { ...processedColumns('node_snapshots'), entered_at: 'TIMESTAMPTZ' },
    );

    expect(rows.map((r) => [r.user_id, r.project_id]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      [...expected].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
  });

  it('reads only the dumps of the day before, of and after the download, whatever days share the step', async () => {
    // Node 606 shows up first in the dump of 2 March, entered 29 Feb 09:00 (the dumps of 29 Feb and 1 Mar missed it).
    const snapshots = [...SNAPSHOTS, snapshot('2024-03-02', 606, 6, '2024-02-29T09:00:00')];
    const raw = [
      download('2024-02-29T10:00:00', { userId: 1, associateId: 606 }), // 2 Mar is outside 28 Feb … 1 Mar
      download('2024-03-01T10:00:00', { userId: 2, associateId: 606 }), // 2 Mar is inside 29 Feb … 2 Mar
    ];

    const oneDayStep = await runFileDownloads(raw, ['2024-02-29'], snapshots);
    const twoDayStep = await runFileDownloads(raw, ['2024-02-29', '2024-03-01'], snapshots);

    expect(oneDayStep.map((r) => [r.user_id, r.project_id])).toEqual([[1, null]]);
    expect(twoDayStep.map((r) => [r.user_id, r.project_id])).toEqual([
      [1, null],
      [2, 6],
    ]);
  });

  it('leaves every download unattributed when node_snapshots has no rows', async () => {
    const rows = await runFileDownloads(downloads, [DAY], []);

    expect(rows).toHaveLength(downloads.length);
    expect(rows.every((r) => r.project_id === null)).toBe(true);
  });
});

describe('file_downloads stage: filter and dedup', () => {
  it('keeps only FileEntity and TableEntity (exact spelling)', async () => {
    const rows = await runFileDownloads([
      download('2024-02-29T08:00:00', { associateType: 'FileEntity', userId: 1 }),
      download('2024-02-29T08:00:00', { associateType: 'TableEntity', userId: 2 }),
      download('2024-02-29T08:00:00', { associateType: 'WikiAttachment', userId: 3 }),
      download('2024-02-29T08:00:00', { associateType: 'UserProfileAttachment', userId: 4 }),
      download('2024-02-29T08:00:00', { associateType: 'fileentity', userId: 5 }),
      download('2024-02-29T08:00:00', { associateType: null, userId: 6 }),
    ]);

    expect(rows.map((r) => [r.user_id, r.association_object_type])).toEqual([
      [1, 'FileEntity'],
      [2, 'TableEntity'],
    ]);
  });

  it('keeps one copy of a download, the smallest (arrival day, source file, record index)', async () => {
    const at = '2024-02-29T08:00:00';
    const rows = await runFileDownloads([
      download(at, { stack: 'next-day', _arrival_day: '2024-03-01', _source_file: 'raw/a.gz', _record_index: 0 }),
      download(at, { stack: 'file-b', _source_file: 'raw/b.gz', _record_index: 0 }),
      download(at, { stack: 'file-a-7', _source_file: 'raw/a.gz', _record_index: 7 }),
      download(at, { stack: 'file-a-5', _source_file: 'raw/a.gz', _record_index: 5 }),
    ]);

    expect(rows.map((r) => r.stack)).toEqual(['file-a-5']);
  });

  it('keeps downloads that differ in any key field, and one per key when the user is NULL', async () => {
    const at = '2024-02-29T08:00:00';
    const rows = await runFileDownloads([
      download(at),
      download('2024-02-29T08:00:00.001'),
      download(at, { userId: 2 }),
      download(at, { fileHandleId: 9002 }),
      download(at, { associateType: 'TableEntity' }),
      download(at, { associateId: 202 }),
      download(at, { userId: null, stack: 'null-1' }),
      download(at, { userId: null, stack: 'null-2' }),
    ]);

    expect(rows).toHaveLength(7);
    expect(rows.filter((r) => r.user_id === null).map((r) => r.stack)).toEqual(['null-1']);
  });
});

describe('file_downloads stage: days', () => {
  it('returns only downloads whose UTC day is a run day', async () => {
    const rows = await runFileDownloads([
      download('2024-02-28T23:59:59.999', { userId: 1 }),
      download('2024-02-29T00:00:00', { userId: 2 }),
      download('2024-02-29T23:59:59.999', { userId: 3 }),
      download('2024-03-01T00:00:00', { userId: 4, _arrival_day: '2024-02-29' }), // arrived early: its own day decides
    ]);

    expect(rows.map((r) => [r.user_id, r.record_date])).toEqual([
      [2, '2024-02-29'],
      [3, '2024-02-29'],
    ]);
  });
});
