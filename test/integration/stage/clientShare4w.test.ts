// The aggregate must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude
// pins it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { resolve } from 'node:path';
import { projectRoot } from '../../../src/config/config';
import { runStage } from '../../../src/local/duckdb/stage';
import { processedColumns, useStage } from '../../helpers/stageHarness';

const STAGE_PATH = resolve(projectRoot(), 'spark/sql/client_share_4w.sql');

type Value = string | number | null;
type Row = Record<string, Value>;

/** The fixed client list, in the order the expectations list them. */
const CLIENTS = ['WEB', 'JAVA', 'PYTHON', 'R', 'SYNAPSER', 'COMMAND_LINE', 'ELB_HEALTHCHECKER', 'STACK', 'UNKNOWN'];

const stage = useStage(STAGE_PATH);
const { createTable } = stage;

/** `count` processed access records of `client` on `day` (UTC noon; distinct sessions). */
let serial = 0;
const requests = (day: string, client: string, count = 1): Row[] =>
  Array.from({ length: count }, () => ({
    session_id: `s-${serial++}`,
    timestamp: `${day} 12:00:00`,
    method: 'GET',
    request_url: '/repo/v1/entity/syn1',
    client,
    normalized_method_signature: 'GET /entity/#',
    record_date: day,
  }));

/** Runs the real aggregate on DuckDB; rows by week then client list order, BIGINTs and DOUBLEs as numbers. */
async function runShare(records: Row[], mondays: string[]): Promise<Row[]> {
  await createTable('access_records', processedColumns('access_records'), records);
  await createTable(
    'run_days',
    { day: 'DATE' },
    mondays.map((day) => ({ day })),
  );
  await runStage(stage.connection, stage.stageSql);
  const reader = await stage.connection.runAndReadAll(
    'SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY record_date',
  );
  const numeric = ['requests', 'requests_4w', 'programmatic_requests_4w', 'programmatic_share_4w'];
  return (reader.getRowObjectsJson() as Record<string, string | null>[])
    .map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, numeric.includes(k) && v !== null ? Number(v) : v])),
    )
    .sort(
      (a, b) =>
        String(a.record_date).localeCompare(String(b.record_date)) ||
        CLIENTS.indexOf(String(a.client)) - CLIENTS.indexOf(String(b.client)),
    );
}

/** The 9 expected rows of one week: `perClient` requests (0 for the others) and the week's 4-week figures. */
function week(
  monday: string,
  label: string,
  perClient: Record<string, number>,
  requests4w: number,
  programmatic4w: number,
): Row[] {
  return CLIENTS.map((client) => ({
    week: label,
    client,
    requests: perClient[client] ?? 0,
    requests_4w: requests4w,
    programmatic_requests_4w: programmatic4w,
    programmatic_share_4w: requests4w === 0 ? null : programmatic4w / requests4w,
    record_date: monday,
  }));
}

describe('client_share_4w: output shape', () => {
  it('returns the contract columns, in order, with their types', async () => {
    await runShare(requests('2024-12-30', 'WEB'), ['2024-12-30']);

    const columns = (await stage.connection.runAndReadAll('DESCRIBE stage_output')).getRowObjectsJson();

    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'week VARCHAR',
      'client VARCHAR',
      'requests BIGINT',
      'requests_4w BIGINT',
      'programmatic_requests_4w BIGINT',
      'programmatic_share_4w DOUBLE',
      'record_date DATE',
    ]);
  });
});

describe('client_share_4w: week labels (ISO week-year and week)', () => {
  test.each([
    ['2024-01-01', '2024_01'],
    ['2024-02-26', '2024_09'],
    ['2024-12-23', '2024_52'],
    ['2024-12-30', '2025_01'], // ISO 2025 starts on Monday 30 Dec 2024
    ['2020-12-28', '2020_53'], // 2020 has 53 ISO weeks
    ['2021-01-04', '2021_01'],
    ['2025-12-29', '2026_01'],
    ['2027-01-04', '2027_01'], // 1-3 Jan 2027 are in 2026_53
  ])('Monday %s is %s', async (monday, label) => {
    const rows = await runShare([], [monday]);

    expect([...new Set(rows.map((r) => r.week))]).toEqual([label]);
  });
});

describe('client_share_4w: weeks across the 2024/2025 year boundary', () => {
  // Weeks 2024_50 (9 Dec) … 2025_02 (6 Jan): 2024_51 (16 Dec) has no data; Sundays end their week.
  const records = [
    ...requests('2024-12-08', 'PYTHON', 5), // Sunday before 2024_50: the day before 2025_01's 4 weeks
    ...requests('2024-12-09', 'PYTHON', 2), // 2024_50, first day of the 4 weeks of 2025_01
    ...requests('2024-12-09', 'WEB'),
    ...requests('2024-12-15', 'JAVA'), // 2024_50, Sunday
    ...requests('2024-12-29', 'UNKNOWN'), // 2024_52, Sunday
    ...requests('2024-12-30', 'R'), // 2025_01 …
    ...requests('2024-12-31', 'SYNAPSER'),
    ...requests('2025-01-01', 'COMMAND_LINE'),
    ...requests('2025-01-04', 'ELB_HEALTHCHECKER', 2),
    ...requests('2025-01-05', 'STACK'), // … 2025_01, Sunday
    ...requests('2025-01-06', 'WEB', 3), // 2025_02
  ];

  it('counts each week, and the week with the 3 before it, with every client listed', async () => {
    const rows = await runShare(records, ['2024-12-16', '2024-12-30', '2025-01-06']);

    expect(rows).toEqual([
      // 2024_51: no requests in its own week; 4 weeks = 25 Nov … 22 Dec: PYTHON 5 + 2, WEB 1, JAVA 1
      ...week('2024-12-16', '2024_51', {}, 9, 8),
      // 2025_01: 4 weeks = 9 Dec … 5 Jan: 11 requests, programmatic PYTHON 2 + JAVA + R + SYNAPSER + COMMAND_LINE = 6
      ...week('2024-12-30', '2025_01', { R: 1, SYNAPSER: 1, COMMAND_LINE: 1, ELB_HEALTHCHECKER: 2, STACK: 1 }, 11, 6),
      // 2025_02: 4 weeks = 16 Dec … 12 Jan: UNKNOWN, R, SYNAPSER, COMMAND_LINE, ELB ×2, STACK, WEB ×3 = 10, programmatic 3
      ...week('2025-01-06', '2025_02', { WEB: 3 }, 10, 3),
    ]);
    expect(rows.find((r) => r.week === '2025_01')?.programmatic_share_4w).toBe(6 / 11);
  });

  it('fills a week with no data in its 4 weeks with zeros and a 0.0 share', async () => {
    const rows = await runShare(records, ['2025-02-10']);

    expect(rows).toEqual(week('2025-02-10', '2025_07', {}, 0, 0));
  });
});

describe('client_share_4w: ISO week 53 and 29 February', () => {
  it('counts 2020_53 (28 Dec 2020 … 3 Jan 2021) and its 4 weeks, then 2021_01', async () => {
    const rows = await runShare(
      [
        ...requests('2020-12-07', 'WEB'), // first day of 2020_53's 4 weeks
        ...requests('2021-01-03', 'PYTHON'), // Sunday of 2020_53
        ...requests('2021-01-04', 'JAVA'), // Monday of 2021_01
      ],
      ['2020-12-28', '2021-01-04'],
    );

    expect(rows).toEqual([
      ...week('2020-12-28', '2020_53', { PYTHON: 1 }, 2, 1),
      ...week('2021-01-04', '2021_01', { JAVA: 1 }, 2, 2),
    ]);
  });

  it('spans 29 February 2024 in the 4 weeks of 2024_10 (12 Feb … 10 Mar)', async () => {
    const rows = await runShare(
      [
        ...requests('2024-02-11', 'WEB'), // the day before the 4 weeks
        ...requests('2024-02-12', 'WEB'),
        ...requests('2024-02-29', 'PYTHON'),
        ...requests('2024-03-10', 'R'),
        ...requests('2024-03-11', 'JAVA'), // the day after
      ],
      ['2024-03-04'],
    );

    expect(rows).toEqual(week('2024-03-04', '2024_10', { R: 1 }, 3, 2));
  });
});
