import { DuckDBInstance } from '@duckdb/node-api';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { InputError } from '../../../src/core/errors';
import { queryCatalog } from '../../../src/local/catalogQuery';
import { DuckDbCatalogCrawler } from '../../../src/local/duckDbCatalogCrawler';
import { DuckDbExportQueries } from '../../../src/local/duckDbExportQueries';

const config = loadConfig();
const tmp: string[] = [];
const newLake = () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-catalog-'));
  tmp.push(dir);
  return dir;
};
afterAll(() =>
  tmp.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

/** Writes one Parquet file from a SELECT, the way a stage writes a day partition. */
async function writeParquet(lake: string, folder: string, select: string, file = 'part-0.parquet') {
  mkdirSync(join(lake, folder), { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run(`COPY (${select}) TO '${join(lake, folder, file)}' (FORMAT parquet)`);
  con.closeSync();
  db.closeSync();
}

const day = (y: number, m: number, d: number) =>
  `processed/access_records/year=${y}/month=${String(m).padStart(2, '0')}/day=${String(d).padStart(2, '0')}`;
const rows = (n: number, ts: string) =>
  `SELECT 'session-' || i AS session_id, TIMESTAMP '${ts}' + i * INTERVAL 1 SECOND AS timestamp, i::BIGINT AS user_id, DATE '${ts.slice(0, 10)}' AS record_date FROM range(${n}) t(i)`;

async function lakeWithTwoDays(): Promise<string> {
  const lake = newLake();
  await writeParquet(lake, day(2024, 3, 5), rows(3, '2024-03-05 10:00:00'));
  await writeParquet(lake, day(2024, 3, 6), rows(2, '2024-03-06 00:00:01'));
  await writeParquet(lake, day(2024, 3, 6), rows(1, '2024-03-06 23:59:59'), 'part-1.parquet');
  return lake;
}

describe('DuckDbCatalogCrawler', () => {
  it('publishes a processed table with year/month/day partition columns typed as Glue types them (strings)', async () => {
    const lake = await lakeWithTwoDays();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });

    await crawler.start(['access_records']);

    expect(await crawler.state()).toEqual({ state: 'READY', lastStatus: 'SUCCEEDED' });
    const res = await queryCatalog(
      lake,
      'SELECT year, month, day, count(*) AS n FROM access_records GROUP BY ALL ORDER BY ALL',
    );
    expect(res.columns).toEqual(['year', 'month', 'day', 'n']);
    expect(res.rows).toEqual([
      { year: '2024', month: '03', day: '05', n: 3 },
      { year: '2024', month: '03', day: '06', n: 3 },
    ]);
    const types = await queryCatalog(
      lake,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'access_records' AND column_name IN ('year', 'month', 'day') ORDER BY 1`,
    );
    expect(types.rows).toEqual([
      { column_name: 'day', data_type: 'VARCHAR' },
      { column_name: 'month', data_type: 'VARCHAR' },
      { column_name: 'year', data_type: 'VARCHAR' },
    ]);
    // what an Athena query of the table filters on runs here unchanged
    expect(
      (
        await queryCatalog(
          lake,
          `SELECT count(*) AS n FROM access_records WHERE year = '2024' AND month = '03' AND day = '06'`,
        )
      ).rows,
    ).toEqual([{ n: 3 }]);
  });

  it('publishes a table in the date layout with record_date as a string partition column', async () => {
    const lake = newLake();
    const dated = {
      ...config,
      datasets: {
        ...config.datasets,
        access_records: { ...config.datasets.access_records, partitionLayout: 'date' as const },
      },
    };
    const noDay = (n: number, ts: string) => `SELECT session_id, timestamp, user_id FROM (${rows(n, ts)})`;
    await writeParquet(lake, 'processed/access_records/record_date=2024-03-05', noDay(3, '2024-03-05 10:00:00'));
    await writeParquet(lake, 'processed/access_records/record_date=2024-03-06', noDay(2, '2024-03-06 00:00:01'));
    await writeParquet(lake, 'processed/access_records/year=2024/month=03/day=07', rows(1, '2024-03-07 00:00:01')); // not this layout: not the table's
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config: dated });

    await crawler.start(['access_records']);

    const res = await queryCatalog(
      lake,
      `SELECT record_date, count(*) AS n FROM access_records WHERE record_date >= '2024-03-05' GROUP BY ALL ORDER BY ALL`,
    );
    expect(res.rows).toEqual([
      { record_date: '2024-03-05', n: 3 },
      { record_date: '2024-03-06', n: 2 },
    ]);
    const types = await queryCatalog(
      lake,
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'access_records' AND column_name IN ('record_date', 'year') ORDER BY 1`,
    );
    expect(types.rows).toEqual([{ column_name: 'record_date', data_type: 'VARCHAR' }]);
    expect(crawler.lastPartitions().map((p) => [p.day, p.folder])).toEqual([
      ['2024-03-05', 'processed/access_records/record_date=2024-03-05'],
      ['2024-03-06', 'processed/access_records/record_date=2024-03-06'],
    ]);
  });

  it('records the crawled partitions with their files and bytes', async () => {
    const lake = await lakeWithTwoDays();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });

    await crawler.start([]);

    expect(crawler.lastPartitions().map((p) => [p.table, p.day, p.files])).toEqual([
      ['access_records', '2024-03-05', 1],
      ['access_records', '2024-03-06', 2],
    ]);
    const res = await queryCatalog(lake, 'SELECT table_name, day, folder, files FROM lakestep_partitions ORDER BY day');
    expect(res.rows).toEqual([
      {
        table_name: 'access_records',
        day: '2024-03-05',
        folder: 'processed/access_records/year=2024/month=03/day=05',
        files: 1,
      },
      {
        table_name: 'access_records',
        day: '2024-03-06',
        folder: 'processed/access_records/year=2024/month=03/day=06',
        files: 2,
      },
    ]);
  });

  it('gives a rejected table with no files an empty view of its documented columns', async () => {
    const lake = await lakeWithTwoDays();

    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);

    const res = await queryCatalog(lake, 'SELECT * FROM rejected_access_records');
    expect(res.rows).toEqual([]);
    expect(res.columns).toEqual([
      'arrival_day',
      'source_file',
      'record_index',
      'reason',
      'detail',
      'event_day',
      'raw_text',
      'year',
      'month',
      'day',
    ]);
  });

  it('publishes rejected rows once they exist, and picks up new partitions on the next crawl', async () => {
    const lake = await lakeWithTwoDays();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });
    await crawler.start(['access_records']);

    await writeParquet(
      lake,
      'rejected/access_records/year=2024/month=03/day=06',
      `SELECT DATE '2024-03-06' AS arrival_day, 'raw/x.gz' AS source_file, 7::BIGINT AS record_index, 'late' AS reason, 'arrival 2024-03-06, event 2024-03-03' AS detail, DATE '2024-03-03' AS event_day, '{}' AS raw_text`,
    );
    await writeParquet(lake, day(2024, 3, 7), rows(4, '2024-03-07 08:00:00'));
    await crawler.start(['access_records']);

    expect(
      (await queryCatalog(lake, 'SELECT reason, event_day, year, month, day FROM rejected_access_records')).rows,
    ).toEqual([{ reason: 'late', event_day: '2024-03-03', year: '2024', month: '03', day: '06' }]);
    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM access_records')).rows).toEqual([{ n: 10 }]);
    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM lakestep_crawls')).rows).toEqual([{ n: 2 }]);
  });

  it('takes the table list the StartCrawler handler passes: processed and rejected names', async () => {
    const lake = await lakeWithTwoDays();
    await writeParquet(
      lake,
      'rejected/access_records/year=2024/month=03/day=05',
      `SELECT DATE '2024-03-05' AS arrival_day, 'invalid_json' AS reason, 'x' AS raw_text`,
    );
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });

    await crawler.start(['access_records', 'rejected_access_records']);

    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM access_records')).rows).toEqual([{ n: 6 }]);
    expect((await queryCatalog(lake, 'SELECT reason, day FROM rejected_access_records')).rows).toEqual([
      { reason: 'invalid_json', day: '05' },
    ]);
    expect(
      (await queryCatalog(lake, `SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1`)).rows,
    ).toEqual([{ view_name: 'access_records' }, { view_name: 'rejected_access_records' }]);
  });

  it('makes no view for a processed table without files', async () => {
    const lake = newLake();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });

    await crawler.start(['access_records']);

    expect((await crawler.state()).lastStatus).toBe('SUCCEEDED');
    await expect(queryCatalog(lake, 'SELECT * FROM access_records')).rejects.toThrow(
      /no table access_records: a table appears after `lakestep run`/,
    );
    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM rejected_access_records')).rows).toEqual([{ n: 0 }]);
  });

  it('keeps working when the lake is queried from another directory or moved', async () => {
    const lake = await lakeWithTwoDays();
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);
    const moved = join(newLake(), 'copy');
    cpSync(lake, moved, { recursive: true });
    rmSync(lake, { recursive: true });
    const cwd = process.cwd();

    process.chdir(tmpdir());
    try {
      expect((await queryCatalog(moved, 'SELECT count(*) AS n FROM access_records')).rows).toEqual([{ n: 6 }]);
    } finally {
      process.chdir(cwd);
    }
  });

  it('converts timestamps and dates to ISO text and bigints to numbers', async () => {
    const lake = await lakeWithTwoDays();
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);

    const res = await queryCatalog(
      lake,
      `SELECT timestamp, record_date, user_id, 9007199254740993::BIGINT AS big FROM access_records WHERE session_id = 'session-2' AND day = 5`,
    );

    expect(res.rows).toEqual([
      { timestamp: '2024-03-05T10:00:02.000Z', record_date: '2024-03-05', user_id: 2, big: '9007199254740993' },
    ]);
  });

  it('reports a failed crawl in state() and leaves the previous catalog in place', async () => {
    const lake = await lakeWithTwoDays();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });
    await crawler.start(['access_records']);
    writeFileSync(join(lake, day(2024, 3, 6), 'part-0.parquet'), 'not parquet');

    await crawler.start(['access_records']);

    const state = await crawler.state();
    expect(state.state).toBe('READY');
    expect(state.lastStatus).toBe('FAILED');
    expect(state.lastError).toMatch(/local crawler .*_catalog\.duckdb/);
    expect(readdirSync(lake).sort()).toEqual(['_catalog.duckdb', 'processed']);
    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM lakestep_crawls')).rows).toEqual([{ n: 1 }]);
  });

  it('is not blocked by a query holding the catalog open', async () => {
    const lake = await lakeWithTwoDays();
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config });
    await crawler.start(['access_records']);
    const reader = await DuckDBInstance.create(join(lake, '_catalog.duckdb'), { access_mode: 'READ_ONLY' });

    await writeParquet(lake, day(2024, 3, 7), rows(1, '2024-03-07 08:00:00'));
    await crawler.start(['access_records']);
    reader.closeSync();

    expect((await crawler.state()).lastStatus).toBe('SUCCEEDED');
    expect((await queryCatalog(lake, 'SELECT count(*) AS n FROM access_records')).rows).toEqual([{ n: 7 }]);
  });
});

describe('queryCatalog', () => {
  it('tells to run the pipeline first when the lake has no catalog', async () => {
    const lake = newLake();

    const err = await queryCatalog(lake, 'SELECT 1').catch((e) => e);

    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/has no catalog yet .*run `lakestep run` first/);
    expect(existsSync(join(lake, '_catalog.duckdb'))).toBe(false);
  });

  it('opens the catalog read-only', async () => {
    const lake = await lakeWithTwoDays();
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);

    await expect(queryCatalog(lake, 'CREATE TABLE x (a INT)')).rejects.toThrow(/read-only/i);
  });

  it("runs an export's SQL as one SELECT, dates as ISO text, and refuses even an EXPLAIN, naming the export", async () => {
    const lake = await lakeWithTwoDays();
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);
    const exports = new DuckDbExportQueries(lake, config);
    const daily = (sql: string) => exports.rows({ name: 'daily', sql, reads: ['access_records'] });

    const rows = await daily(
      'SELECT record_date, count(*) AS n, max(timestamp) AS last FROM access_records GROUP BY 1 ORDER BY 1',
    );

    expect(rows).toEqual([
      { record_date: '2024-03-05', n: 3, last: '2024-03-05T10:00:02.000Z' },
      { record_date: '2024-03-06', n: 3, last: '2024-03-06T23:59:59.000Z' },
    ]);
    await expect(daily('EXPLAIN SELECT 1')).rejects.toThrow(
      /^exports\.daily: its sql failed on the local catalog: sql: a EXPLAIN statement is not a query; expected one read-only statement \(SELECT, WITH … SELECT\)/,
    );
    await expect(daily('SELECT nope FROM access_records')).rejects.toThrow(
      /^exports\.daily: its sql failed on the local catalog: .*nope/,
    );
    expect((await queryCatalog(lake, 'EXPLAIN SELECT 1')).rows.length).toBeGreaterThan(0); // `lakestep query` still takes it
  });

  it('reads a table the export reads as empty, with its declared columns, while it has no partition yet', async () => {
    const lake = await lakeWithTwoDays();
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start(['access_records']);

    const rows = await new DuckDbExportQueries(lake, config).rows({
      name: 'weekly',
      sql: 'SELECT count(*) AS n, max(programmatic_share_4w) AS share FROM client_share_4w',
      reads: ['client_share_4w'],
    });

    expect(rows).toEqual([{ n: 0, share: null }]);
    await expect(queryCatalog(lake, 'SELECT count(*) FROM client_share_4w')).rejects.toThrow(
      /no table client_share_4w/,
    ); // for that query only
  });
});
