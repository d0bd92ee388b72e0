/**
 * The acquisition example's `lakestep sample` generator (named by its config's `sample.generator`):
 * one Parquet extract of the marketing cube per day under raw/acquisition/year=YYYY/month=MM/day=DD/,
 * written by DuckDB, deterministic for a seed. US and DE report every day; FR stops for the middle
 * fifth of the days (a gap of weeks in a long sample); BR appears after the first third; in a sample of
 * 4 weeks or more, a paid campaign in DE over the last 7 days moves its organic share by more than 0.3
 * (organic_share_p4w's warning).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { addDays } from '../../../src/core/days';
import type { Day } from '../../../src/core/types';
import { Rng } from '../../../src/sample/rng';
import type { ProjectSampleGenerator } from '../../../src/sample/projectSample';
import { cubeRows, type CubeRow } from './extract';

/** The countries reporting on day index `i` of `days`. */
export function countriesOn(i: number, days: number): string[] {
  const countries = ['US', 'DE'];
  const gap = i >= Math.floor((2 * days) / 5) && i < Math.floor((3 * days) / 5);
  if (!gap || days < 5) countries.push('FR');
  if (i >= Math.floor(days / 3)) countries.push('BR');
  return countries;
}

/** The key of day's extract, relative to the lake. */
export const extractKey = (day: Day) =>
  `raw/acquisition/year=${day.slice(0, 4)}/month=${day.slice(5, 7)}/day=${day.slice(8, 10)}/acquisition-cube-${day}.parquet`;

/** The paid campaign of a sample's last 7 days: DE's paid channels ×20. */
const CAMPAIGN = { country: 'DE', factor: 20 };

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Column types of an extract, as the marketing tool writes them. */
const PARQUET_COLUMNS =
  "{date: 'DATE', year_week: 'VARCHAR', country: 'VARCHAR', os_name: 'VARCHAR', token: 'VARCHAR', name: 'VARCHAR', has_subtrackers: 'BOOLEAN', value: 'BIGINT'}";

/**
 * Writes `rows` as one Parquet file at `path` (folders made), typed as an extract is.
 * @param scratch a folder for the JSON lines DuckDB reads
 */
export async function writeExtract(
  path: string,
  rows: CubeRow[],
  scratch: string,
  run: (sql: string) => Promise<unknown>,
): Promise<void> {
  const json = join(scratch, 'rows.json');
  await writeFile(json, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await mkdir(dirname(path), { recursive: true });
  await run(
    `COPY (SELECT * FROM read_json(${sqlString(json)}, format = 'newline_delimited', columns = ${PARQUET_COLUMNS})) TO ${sqlString(path)} (FORMAT parquet)`,
  );
}

export const sample: ProjectSampleGenerator = async (opts) => {
  const rng = new Rng(opts.seed);
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await instance.connect();
  const scratch = await mkdtemp(join(tmpdir(), 'lakestep-acquisition-'));
  let rows = 0;
  try {
    for (let i = 0; i < opts.days; i += 1) {
      const day = addDays(opts.start, i);
      // records-per-hour scales the cube's volume (400, the CLI's default, is ×1)
      const campaign = opts.days >= 28 && i >= opts.days - 7 ? CAMPAIGN : undefined;
      const dayRows = cubeRows(day, countriesOn(i, opts.days), rng, opts.recordsPerHour / 400, campaign);
      await writeExtract(join(opts.lakeDir, extractKey(day)), dayRows, scratch, (sql) => con.run(sql));
      rows += dayRows.length;
    }
  } finally {
    con.closeSync();
    instance.closeSync();
    await rm(scratch, { recursive: true, force: true });
  }
  const last = addDays(opts.start, opts.days - 1);
  const lines = [
    `sample: ${rows.toLocaleString('en-US')} cube rows in ${opts.days} daily Parquet extracts (${opts.start}…${last}) under ${join(opts.lakeDir, 'raw/acquisition')}`,
  ];
  if (opts.days >= 28)
    lines.push(
      `sample: a paid campaign in ${CAMPAIGN.country} from ${addDays(last, -6)}: organic_share_p4w will warn of its share's jump`,
    );
  return { lines };
};

/** What `lakestep start` suggests after a run of this example. */
export const queries = [
  'SELECT year_week, country, organic, non_organic, round(share_organic_p4w, 3) AS share FROM organic_share_p4w ORDER BY year_week, country',
  "SELECT year_week, country, round(share_change_p4w, 3) AS change FROM organic_share_p4w WHERE share_move = 'jump'",
  'SELECT reason, count(*) FROM rejected_acquisition GROUP BY ALL',
];
