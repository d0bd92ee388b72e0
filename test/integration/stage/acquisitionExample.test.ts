// The stages must not depend on the machine's zone: DuckDB's session zone follows TZ unless the prelude
// pins it, so the whole file runs with a zone far from UTC (set before any DuckDB instance exists).
process.env.TZ = 'Pacific/Kiritimati';

import { resolve } from 'node:path';
import { loadConfig, PACKAGE_ROOT, tableConfig } from '../../../src/config/config';
import { checkQueries } from '../../../src/core/checks';
import { runStage } from '../../../src/local/duckdb/stage';
import { processedColumns, rawColumns, useStage } from '../../helpers/stageHarness';

/** The acquisition example's project: its stage SQL and config, not the project the tests run in. */
const PROJECT = resolve(PACKAGE_ROOT, 'examples/acquisition');
const config = loadConfig(resolve(PROJECT, 'lakestep.config.yml'));

type Value = string | number | boolean | null;
type Row = Record<string, Value>;

/** Rows of stage_output, ordered, as text, with `numeric` columns as numbers (doubles rounded to 12 places). */
async function readOutput(
  connection: ReturnType<typeof useStage>['connection'],
  orderBy: string,
  numeric: string[],
): Promise<Row[]> {
  const reader = await connection.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM stage_output ORDER BY ${orderBy}`);
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [k, numeric.includes(k) && v !== null ? Number(Number(v).toFixed(12)) : v]),
    ),
  );
}

/** The names of the table's declared checks that return rows over stage_output, with their severity. */
async function failingChecks(connection: ReturnType<typeof useStage>['connection'], table: string): Promise<string[]> {
  const failing: string[] = [];
  for (const check of checkQueries(tableConfig(config, table).checks)) {
    const rows = (await connection.runAndReadAll(check.sql)).getRowObjectsJson();
    if (rows.length > 0) failing.push(`${check.name} ${check.severity}`);
  }
  return failing;
}

describe('acquisition (the example dataset stage)', () => {
  const stage = useStage(resolve(PROJECT, 'spark/sql/acquisition.sql'));

  /** One extract row of `day` (the file is the day's extract, the index the row's position). */
  const extractRow = (day: string, index: number, fields: Row = {}): Row => ({
    date: day,
    year_week: '2020_53',
    country: 'US',
    os_name: 'all',
    token: 'org0001',
    name: 'Organic',
    has_subtrackers: false,
    value: 10,
    _source_file: `raw/acquisition/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/cube.parquet`,
    _record_index: index,
    _arrival_day: day,
    ...fields,
  });

  async function runAcquisition(raw: Row[], days: string[]): Promise<Row[]> {
    await stage.createTable('raw_acquisition', rawColumns('acquisition', config), raw);
    await stage.createTable(
      'run_days',
      { day: 'DATE' },
      days.map((day) => ({ day })),
    );
    await runStage(stage.connection, stage.stageSql);
    return readOutput(stage.connection, 'record_date, country, token', ['value']);
  }

  it('keeps the first copy of a key written twice, casts the date and keeps only the run days', async () => {
    const rows = await runAcquisition(
      [
        extractRow('2021-01-03', 0, { value: 7 }),
        extractRow('2021-01-03', 1, {
          value: 8,
          _source_file: 'raw/acquisition/year=2021/month=01/day=03/cube_again.parquet',
        }), // the extract again, later in key order
        extractRow('2021-01-03', 2, { token: 'gad7k2p', name: 'Google Ads', has_subtrackers: true, value: 3 }),
        extractRow('2021-01-04', 0, { year_week: '2021_01' }), // not a run day
      ],
      ['2021-01-03'],
    );

    expect(rows).toEqual([
      {
        date: '2021-01-03',
        year_week: '2020_53',
        country: 'US',
        os_name: 'all',
        token: 'gad7k2p',
        name: 'Google Ads',
        has_subtrackers: 'true',
        value: 3,
        record_date: '2021-01-03',
      },
      {
        date: '2021-01-03',
        year_week: '2020_53',
        country: 'US',
        os_name: 'all',
        token: 'org0001',
        name: 'Organic',
        has_subtrackers: 'false',
        value: 7,
        record_date: '2021-01-03',
      },
    ]);
    expect(await failingChecks(stage.connection, 'acquisition')).toEqual([]);
  });

  it('fails the day on a negative value and on a year_week that is not yyyy_ww (blocking checks)', async () => {
    const rows = await runAcquisition(
      [
        extractRow('2021-01-03', 0, { value: -4 }),
        extractRow('2021-01-03', 1, { token: 'gad7k2p', name: 'Google Ads', year_week: '2020-53' }),
      ],
      ['2021-01-03'],
    );

    expect(rows.map((r) => [r.token, r.value])).toEqual([
      ['gad7k2p', 10],
      ['org0001', null],
    ]);
    expect(await failingChecks(stage.connection, 'acquisition')).toEqual([
      'not_null_value blocking',
      'pattern_year_week blocking',
    ]);
  });
});

describe('organic_share_p4w (the example weekly aggregate)', () => {
  const stage = useStage(resolve(PROJECT, 'spark/sql/organic_share_p4w.sql'));

  /** A country's day in the cube: its 'all'-OS Organic row and two paid rows splitting `nonOrganic` (a third, a rest). */
  const day = (date: string, country: string, organic: number, nonOrganic: number): Row[] => {
    const row = (token: string, name: string, value: number): Row => ({
      date,
      year_week: 'x',
      country,
      os_name: 'all',
      token,
      name,
      has_subtrackers: false,
      value,
      record_date: date,
    });
    const third = Math.floor(nonOrganic / 3);
    return [
      row('org0001', 'Organic', organic),
      row('gad7k2p', 'Google Ads', third),
      row('tkt8x1z', 'TikTok', nonOrganic - third),
    ];
  };

  // Weeks 2020_50 (Monday 7 Dec) … 2021_02 (Monday 11 Jan); 2020 has 53 ISO weeks: 2020_53 is 28 Dec … Sunday 3 Jan.
  const acquisition = [
    ...day('2020-12-07', 'US', 10, 30), // 2020_50
    ...day('2020-12-15', 'US', 20, 20), // 2020_51
    ...day('2020-12-27', 'US', 30, 10), // 2020_52, its Sunday
    ...day('2021-01-03', 'US', 40, 0), // 2020_53, its Sunday
    ...day('2021-01-04', 'US', 0, 40), // 2021_01, its Monday
    ...day('2021-01-11', 'US', 10, 10), // 2021_02
    ...day('2020-12-09', 'DE', 5, 15), // 2020_50; then nothing in 2020_51 and 2020_52 (a gap of two weeks)
    ...day('2020-12-29', 'DE', 30, 10), // 2020_53: the 4-week share jumps from 0.25 to 35/60
    ...day('2021-01-05', 'BR', 8, 2), // 2021_01: BR appears late
    ...day('2021-01-12', 'JP', 0, 0), // 2021_02: JP reports only zeros
    // not counted: another OS, the all-countries rollup
    {
      date: '2020-12-07',
      year_week: '2020_50',
      country: 'US',
      os_name: 'ios',
      token: 'org0001',
      name: 'Organic',
      has_subtrackers: false,
      value: 1000,
      record_date: '2020-12-07',
    },
    {
      date: '2020-12-07',
      year_week: '2020_50',
      country: 'ALL',
      os_name: 'all',
      token: 'org0001',
      name: 'Organic',
      has_subtrackers: false,
      value: 5000,
      record_date: '2020-12-07',
    },
  ];

  /** An expected row: the share and its change rounded as readOutput rounds them. */
  const expected = (
    monday: string,
    yearWeek: string,
    country: string,
    organic: number,
    nonOrganic: number,
    share: number | null,
    change: number | null,
  ): Row => ({
    year_week: yearWeek,
    year: Number(yearWeek.slice(0, 4)),
    week: Number(yearWeek.slice(5)),
    country,
    organic,
    non_organic: nonOrganic,
    share_organic_p4w: share === null ? null : Number(share.toFixed(12)),
    share_change_p4w: change === null ? null : Number(change.toFixed(12)),
    share_move: change === null ? null : Math.abs(change) > 0.3 ? 'jump' : 'steady',
    record_date: monday,
  });

  async function runShare(mondays: string[]): Promise<Row[]> {
    await stage.createTable('acquisition', processedColumns('acquisition', config), acquisition);
    await stage.createTable(
      'run_days',
      { day: 'DATE' },
      mondays.map((d) => ({ day: d })),
    );
    await runStage(stage.connection, stage.stageSql);
    return readOutput(stage.connection, 'record_date, country', [
      'year',
      'week',
      'organic',
      'non_organic',
      'share_organic_p4w',
      'share_change_p4w',
    ]);
  }

  it('returns the contract columns, in order, with their types', async () => {
    await runShare(['2020-12-07']);

    const columns = (await stage.connection.runAndReadAll('DESCRIBE stage_output')).getRowObjectsJson();

    expect(columns.map((c) => `${c.column_name} ${c.column_type}`)).toEqual([
      'year_week VARCHAR',
      'year BIGINT',
      'week BIGINT',
      'country VARCHAR',
      'organic BIGINT',
      'non_organic BIGINT',
      'share_organic_p4w DOUBLE',
      'share_change_p4w DOUBLE',
      'share_move VARCHAR',
      'record_date DATE',
    ]);
  });

  it('gives each week with data a row per country of its 4 weeks: zeros in a gap, week 53, a late country', async () => {
    const rows = await runShare([
      '2020-11-30',
      '2020-12-07',
      '2020-12-14',
      '2020-12-21',
      '2020-12-28',
      '2021-01-04',
      '2021-01-11',
      '2021-01-18',
    ]);

    expect(rows).toEqual([
      // 2020-11-30 (2020_49): no data in the week, no rows
      // 2020_50: first week with data; the week before had none, so no change
      expected('2020-12-07', '2020_50', 'DE', 5, 15, 5 / 20, null),
      expected('2020-12-07', '2020_50', 'US', 10, 30, 10 / 40, null),
      // 2020_51, 2020_52: DE recorded nothing (zeros), its 4 weeks still hold 2020_50
      expected('2020-12-14', '2020_51', 'DE', 0, 0, 5 / 20, 0),
      expected('2020-12-14', '2020_51', 'US', 20, 20, 30 / 80, 30 / 80 - 10 / 40),
      expected('2020-12-21', '2020_52', 'DE', 0, 0, 5 / 20, 0),
      expected('2020-12-21', '2020_52', 'US', 30, 10, 60 / 120, 60 / 120 - 30 / 80),
      // 2020_53 (28 Dec … Sunday 3 Jan): DE's share jumps by 1/3 (> 0.3); US's 4 weeks are 2020_50 … 2020_53
      expected('2020-12-28', '2020_53', 'DE', 30, 10, 35 / 60, 35 / 60 - 5 / 20),
      expected('2020-12-28', '2020_53', 'US', 40, 0, 100 / 160, 100 / 160 - 60 / 120),
      // 2021_01: BR's first week (no change: no share the week before); 4 weeks 2020_51 … 2021_01
      expected('2021-01-04', '2021_01', 'BR', 8, 2, 8 / 10, null),
      expected('2021-01-04', '2021_01', 'DE', 0, 0, 30 / 40, 30 / 40 - 35 / 60),
      expected('2021-01-04', '2021_01', 'US', 0, 40, 90 / 160, 90 / 160 - 100 / 160),
      // 2021_02: JP's 4 weeks sum to 0: no share
      expected('2021-01-11', '2021_02', 'BR', 0, 0, 8 / 10, 0),
      expected('2021-01-11', '2021_02', 'DE', 0, 0, 30 / 40, 0),
      expected('2021-01-11', '2021_02', 'JP', 0, 0, null, null),
      expected('2021-01-11', '2021_02', 'US', 10, 10, 80 / 140, 80 / 140 - 90 / 160),
      // 2021-01-18 (2021_03): no data in the week, no rows (the calendar ends at the last week with data)
    ]);
  });

  it('warns (never blocks) on the week a share moved by more than 0.3', async () => {
    await runShare(['2020-12-28', '2021-01-04']);

    expect(await failingChecks(stage.connection, 'organic_share_p4w')).toEqual(['accepted_values_share_move warning']);
  });
});
