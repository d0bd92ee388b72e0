// The aggregate must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude
// pins it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { resolve } from 'node:path';
import { projectRoot } from '../../../src/config/config';
import { addDays, dayRange } from '../../../src/core/days';
import { runStage } from '../../../src/local/duckdb/stage';
import { processedColumns, useStage } from '../../helpers/stageHarness';

const STAGE_PATH = resolve(projectRoot(), 'spark/sql/project_downloads_daily.sql');

type Value = string | number | null;
type Row = Record<string, Value>;

const daysFrom = (first: string, count: number) => dayRange(first, addDays(first, count - 1));

const stage = useStage(STAGE_PATH);
const { createTable } = stage;

/** One processed download on `day` (12:00 UTC plus `seq` seconds, so rows are distinct) of a project by a user. */
const dl = (day: string, projectId: number | null, userId: number | null, seq = 0): Row => ({
  timestamp: `${day} 12:00:${String(seq).padStart(2, '0')}`,
  user_id: userId,
  file_handle_id: 9000 + seq,
  project_id: projectId,
  association_object_type: 'FileEntity',
  association_object_id: 'syn101',
  stack: 'prod',
  instance: '524',
  record_date: day,
});

/** Runs the real aggregate on DuckDB; rows by day then project, BIGINTs as numbers. */
async function runDaily(downloads: Row[], runDays: string[]): Promise<Row[]> {
  await createTable('file_downloads', processedColumns('file_downloads'), downloads);
  await createTable(
    'run_days',
    { day: 'DATE' },
    runDays.map((day) => ({ day })),
  );
  await runStage(stage.connection, stage.stageSql);
  const reader = await stage.connection.runAndReadAll(
    'SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY record_date, project_id',
  );
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, k !== 'record_date' && v !== null ? Number(v) : v])),
  );
}

/** An expected row, columns in contract order. */
const row = (
  record_date: string,
  project_id: number,
  [downloads, distinct_users, downloads_7d, downloads_28d, distinct_users_28d]: number[],
): Row => ({
  project_id,
  downloads,
  distinct_users,
  downloads_7d,
  downloads_28d,
  distinct_users_28d,
  record_date,
});

describe('project_downloads_daily: output shape', () => {
  it('returns the contract columns, in order, with their types', async () => {
    await runDaily([dl('2024-03-01', 10, 1)], ['2024-03-01']);

    const columns = (await stage.connection.runAndReadAll('DESCRIBE stage_output')).getRowObjectsJson();

    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'project_id BIGINT',
      'downloads BIGINT',
      'distinct_users BIGINT',
      'downloads_7d BIGINT',
      'downloads_28d BIGINT',
      'distinct_users_28d BIGINT',
      'record_date DATE',
    ]);
  });
});

describe('project_downloads_daily: a project with downloads on a single day', () => {
  // 3 downloads on 1 March 2024 by users 1, 1 and 2; run days 29 Feb … 29 Mar (the engine gives their windows).
  const downloads = [dl('2024-03-01', 10, 1, 0), dl('2024-03-01', 10, 1, 1), dl('2024-03-01', 10, 2, 2)];
  const runDays = daysFrom('2024-02-29', 30);

  it('has a row on every day 1 … 28 March (continuous calendar) and none before or after', async () => {
    const rows = await runDaily(downloads, runDays);

    expect(rows.map((r) => r.record_date)).toEqual(daysFrom('2024-03-01', 28));
  });

  it('counts the day itself, then zeros for the day with the 7-day sum through 7 March and the 28-day figures through 28 March', async () => {
    const rows = await runDaily(downloads, runDays);

    expect(rows).toEqual([
      row('2024-03-01', 10, [3, 2, 3, 3, 2]),
      ...daysFrom('2024-03-02', 6).map((d) => row(d, 10, [0, 0, 3, 3, 2])), // 2 … 7 March: 7-day window still holds 1 March
      ...daysFrom('2024-03-08', 21).map((d) => row(d, 10, [0, 0, 0, 3, 2])), // 8 … 28 March: only the 28-day window does
    ]);
  });
});

describe('project_downloads_daily: windows across 29 February and exact distinct users', () => {
  // project 20: 28 Feb user 1; 29 Feb users 1 and 2; 1 Mar user 1 twice and a download without a user;
  // 6 Mar user 3. Project NULL (unattributed) downloads are never counted.
  const downloads = [
    dl('2024-02-28', 20, 1, 0),
    dl('2024-02-29', 20, 1, 0),
    dl('2024-02-29', 20, 2, 1),
    dl('2024-03-01', 20, 1, 0),
    dl('2024-03-01', 20, 1, 1),
    dl('2024-03-01', 20, null, 2),
    dl('2024-03-06', 20, 3, 0),
    dl('2024-03-01', null, 4, 3),
    dl('2024-03-20', null, 4, 0),
  ];

  test.each([
    // day            downloads, distinct_users, 7d, 28d, distinct 28d
    ['2024-02-28', [1, 1, 1, 1, 1]],
    ['2024-02-29', [2, 2, 3, 3, 2]],
    ['2024-03-01', [3, 1, 6, 6, 2]], // the user-less download counts as a download, not as a user
    ['2024-03-05', [0, 0, 6, 6, 2]], // 7 days = 28 Feb … 5 Mar: 29 Feb is one of them
    ['2024-03-06', [1, 1, 6, 7, 3]], // 7 days = 29 Feb … 6 Mar: 28 Feb is out
    ['2024-03-26', [0, 0, 0, 7, 3]], // 28 days = 28 Feb … 26 Mar
    ['2024-03-27', [0, 0, 0, 6, 3]], // 28 days = 29 Feb … 27 Mar: user 1 is still there (29 Feb)
    ['2024-03-28', [0, 0, 0, 4, 2]], // 28 days = 1 Mar … 28 Mar: users 1 and 3
    ['2024-03-29', [0, 0, 0, 1, 1]], // 28 days = 2 Mar … 29 Mar: user 3
    ['2024-04-02', [0, 0, 0, 1, 1]], // 28 days = 6 Mar … 2 Apr: the last day with a row
  ])('%s', async (day, expected) => {
    const rows = await runDaily(downloads, [day]);

    expect(rows).toEqual([row(day, 20, expected)]);
  });

  it('has no row once the window is empty, and none for unattributed downloads', async () => {
    expect(await runDaily(downloads, ['2024-02-27', '2024-04-03'])).toEqual([]);
  });

  it('counts a user on several days once over 28 days', async () => {
    const rows = await runDaily(
      [dl('2024-03-01', 30, 7), dl('2024-03-10', 30, 7), dl('2024-03-20', 30, 7), dl('2024-03-20', 30, 8)],
      ['2024-03-20'],
    );

    expect(rows).toEqual([row('2024-03-20', 30, [2, 2, 2, 4, 2])]);
  });
});

describe('project_downloads_daily: several projects and days', () => {
  it('gives each project its own calendar, across the year boundary', async () => {
    const rows = await runDaily(
      [dl('2024-12-31', 41, 1), dl('2025-01-02', 41, 2), dl('2025-01-02', 42, 1)],
      ['2024-12-31', '2025-01-01', '2025-01-02', '2025-01-06', '2025-01-07'],
    );

    expect(rows).toEqual([
      row('2024-12-31', 41, [1, 1, 1, 1, 1]),
      row('2025-01-01', 41, [0, 0, 1, 1, 1]),
      row('2025-01-02', 41, [1, 1, 2, 2, 2]),
      row('2025-01-02', 42, [1, 1, 1, 1, 1]),
      row('2025-01-06', 41, [0, 0, 2, 2, 2]), // 7 days = 31 Dec … 6 Jan
      row('2025-01-06', 42, [0, 0, 1, 1, 1]),
      row('2025-01-07', 41, [0, 0, 1, 2, 2]), // 7 days = 1 … 7 Jan: 31 Dec is out
      row('2025-01-07', 42, [0, 0, 1, 1, 1]),
    ]);
  });
});
