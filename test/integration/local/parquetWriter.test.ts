import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDayPartitions } from '../../../src/local/duckdb/parquetWriter';
import { partitionFolders, snapshotFiles, tmpLake } from '../../helpers/lake';

const lakes: string[] = [];
afterAll(() =>
  lakes.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);
const newLake = () => {
  const lake = tmpLake('writer');
  lakes.push(lake);
  return lake;
};

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

const prefix = 'processed/t/';
const dayDir = (lake: string, day: string) =>
  join(lake, prefix, `year=${day.slice(0, 4)}`, `month=${day.slice(5, 7)}`, `day=${day.slice(8, 10)}`);

/** `out`: rows per day as given, with a TIMESTAMPTZ column and a stray `day` column the writer must drop. */
async function table(perDay: Record<string, number>): Promise<void> {
  const selects = Object.entries(perDay).map(
    ([day, n]) =>
      `SELECT i::BIGINT AS id, DATE '${day}' AS record_date, TIMESTAMPTZ '${day} 12:00:00+00' AS ts, 'x' AS day FROM range(${n}) t(i)`,
  );
  await connection.run(`CREATE OR REPLACE TABLE out AS ${selects.join(' UNION ALL ')}`);
}

async function write(lake: string, days: string[]) {
  return writeDayPartitions(connection, {
    lakeDir: lake,
    prefix,
    table: 'out',
    dayColumn: 'record_date',
    days,
    workDir: join(lake, '_tmp', 'w'),
  });
}

async function read(lake: string, day: string): Promise<Record<string, unknown>[]> {
  const reader = await DuckDBInstance.create(':memory:');
  const con = await reader.connect();
  try {
    await con.run(`SET TimeZone = 'UTC'`);
    return (
      await con.runAndReadAll(
        `SELECT * FROM read_parquet('${dayDir(lake, day)}/*.parquet', hive_partitioning = false) ORDER BY id`,
      )
    ).getRowObjectsJson();
  } finally {
    con.closeSync();
    reader.closeSync();
  }
}

describe('writeDayPartitions', () => {
  it('writes each given day under year=/month=/day=, keeps the day column, drops year/month/day columns, writes instants (UTC-adjusted µs)', async () => {
    const lake = newLake();
    await table({ '2024-02-29': 3, '2024-03-01': 2 });
    const result = await write(lake, ['2024-02-29', '2024-03-01']);
    expect(result).toEqual({ rowsByDay: { '2024-02-29': 3, '2024-03-01': 2 }, filesWritten: 2, filesRemoved: 0 });
    const rows = await read(lake, '2024-02-29');
    expect(rows.map((r) => Object.keys(r))).toEqual(Array(3).fill(['id', 'record_date', 'ts']));
    expect(rows[0]).toEqual({ id: '0', record_date: '2024-02-29', ts: '2024-02-29 12:00:00+00' });
    expect(readdirSync(join(lake, '_tmp'))).toEqual([]); // the scratch folder is gone
  });

  it('writes a naive TIMESTAMP as the UTC instant, Parquet TIMESTAMP(isAdjustedToUTC, MICROS) as Spark writes it, whatever the session zone', async () => {
    const lake = newLake();
    await connection.run(`SET TimeZone = 'America/New_York'`);
    await connection.run(
      `CREATE OR REPLACE TABLE out AS SELECT 1::BIGINT AS id, DATE '2024-03-01' AS record_date, TIMESTAMP '2024-03-01 23:30:00.123456' AS ts`,
    );

    await write(lake, ['2024-03-01']);
    await connection.run(`SET TimeZone = 'UTC'`);

    const [row] = await read(lake, '2024-03-01');
    expect(row.ts).toBe('2024-03-01 23:30:00.123456+00');
    const schema = (
      await connection.runAndReadAll(
        `SELECT logical_type FROM parquet_schema('${dayDir(lake, '2024-03-01')}/*.parquet') WHERE name = 'ts'`,
      )
    ).getRowObjectsJson();
    expect(String(schema[0].logical_type)).toMatch(
      /isAdjustedToUTC=1, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\)/,
    );
  });

  it('writes the date layout: record_date=YYYY-MM-DD folders, without record_date in the files', async () => {
    const lake = newLake();
    await table({ '2024-03-01': 2 });

    const result = await writeDayPartitions(connection, {
      lakeDir: lake,
      prefix,
      table: 'out',
      dayColumn: 'record_date',
      days: ['2024-03-01'],
      workDir: join(lake, '_tmp', 'w'),
      layout: 'date',
    });

    expect(result.rowsByDay).toEqual({ '2024-03-01': 2 });
    expect(partitionFolders(join(lake, prefix))).toEqual(['record_date=2024-03-01']);
    const columns = (
      await connection.runAndReadAll(
        `DESCRIBE SELECT * FROM read_parquet('${join(lake, prefix, 'record_date=2024-03-01')}/*.parquet', hive_partitioning = false)`,
      )
    ).getRowObjectsJson();
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'ts', 'day']); // `day` is no partition column of this layout
  });

  it('replaces only the days given: their old files go, other days and rows of other days are not touched', async () => {
    const lake = newLake();
    await table({ '2024-03-01': 2, '2024-03-02': 2 });
    await write(lake, ['2024-03-01', '2024-03-02']);
    const before = snapshotFiles(join(lake, prefix));
    await table({ '2024-03-01': 5, '2024-03-02': 9 });
    const result = await write(lake, ['2024-03-01']);
    expect(result).toEqual({ rowsByDay: { '2024-03-01': 5 }, filesWritten: 1, filesRemoved: 1 });
    expect(await read(lake, '2024-03-01')).toHaveLength(5);
    const after = snapshotFiles(join(lake, prefix));
    const untouched = Object.keys(before).filter((k) => k.includes('day=02'));
    expect(untouched).toHaveLength(1);
    for (const k of untouched) expect(after[k]).toBe(before[k]);
  });

  it('empties a day that has no rows now, removing its folders, and leaves a hidden or _ file alone', async () => {
    const lake = newLake();
    await table({ '2024-03-01': 2, '2024-03-02': 1 });
    await write(lake, ['2024-03-01', '2024-03-02']);
    writeFileSync(join(dayDir(lake, '2024-03-02'), '_SUCCESS'), '');
    await table({ '2024-03-02': 1 });
    const result = await write(lake, ['2024-03-01', '2024-03-02']);
    expect(result.rowsByDay).toEqual({ '2024-03-01': 0, '2024-03-02': 1 });
    expect(result.filesRemoved).toBe(2);
    expect(existsSync(join(lake, prefix, 'year=2024', 'month=03', 'day=01'))).toBe(false);
    expect(readdirSync(dayDir(lake, '2024-03-02')).sort()).toEqual(expect.arrayContaining(['_SUCCESS']));
  });

  it("publishes nothing when a later day's COPY fails: days already written to scratch are not moved in", async () => {
    const lake = newLake();
    await table({ '2024-03-01': 2, '2024-03-02': 2 });
    await write(lake, ['2024-03-01', '2024-03-02']);
    const before = snapshotFiles(join(lake, prefix));
    await table({ '2024-03-01': 4, '2024-03-02': 4 });
    // the second day's rows raise an error only when written (counting them does not read the column)
    await connection.run(
      `CREATE OR REPLACE VIEW failing AS SELECT * REPLACE (CASE WHEN record_date = DATE '2024-03-02' THEN error('disk full') ELSE id END AS id) FROM out`,
    );
    const attempt = writeDayPartitions(connection, {
      lakeDir: lake,
      prefix,
      table: 'failing',
      dayColumn: 'record_date',
      days: ['2024-03-01', '2024-03-02'],
      workDir: join(lake, '_tmp', 'w'),
    });
    await expect(attempt).rejects.toThrow('disk full');
    expect(snapshotFiles(join(lake, prefix))).toEqual(before);
    expect(existsSync(join(lake, '_tmp', 'w'))).toBe(false);
  });
});
