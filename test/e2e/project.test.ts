/**
 * A project of one's own, through the real `lakestep` command (bin/lakestep.js spawned, as a user runs
 * it): init, sample, run, query with no path flags; then datasets added by hand to that config.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/config';
import { PACKAGE_ROOT } from '../../src/config/project';
import { generateDeclaredSample } from '../../src/sample/declaredSample';
import { writeRawFile } from '../../src/sample/rawFile';

const BIN = resolve(PACKAGE_ROOT, 'bin', 'lakestep.js');
const run = promisify(execFile);

/** Runs the real CLI in `cwd`; never throws: the exit code is part of the result. */
async function lakestep(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.LAKESTEP_LAKE;
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function queryJson(cwd: string, sql: string): Promise<Record<string, unknown>[]> {
  const result = await lakestep(cwd, 'query', '--format', 'json', sql);
  if (result.code !== 0) throw new Error(`lakestep query exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>[];
}

/** A second dataset as a user adds it: nested JSON, ISO-8601 times with offsets, numbers sent as strings. */
const ORDERS_CONFIG = `
  orders:
    raw:
      prefix: raw/orders/
      format: json
    stage: spark/sql/orders.sql
    table: orders
    rejectThreshold: 0.5      # one bad record of four, on purpose
    eventTime: placedAt
    required: [orderId, placedAt]
    dedupKey: [orderId]
    columns:
      orderId:    { type: string, path: order.id }
      placedAt:   { type: timestamp, path: order.placedAt }
      cents:      { type: bigint, path: order.total.cents }
      amount:     { type: double, path: order.total.amount }
      customerId: { type: bigint, path: customer.id }
    output:
      order_id: string
      placed_at: timestamp
      cents: bigint
      amount: double
      customer_id: bigint
      record_date: date
    checks:
      notNull: [order_id, placed_at, record_date]
      unique: [[order_id]]
`;

const ORDERS_SQL = `-- orders: one row per order, deduplicated on order_id.
-- grain: order_id · partition: day of placed_at (UTC) · replaces whole days
-- reads: raw orders arrival days [day-lateDays, day+lateDays] · bad rows → rejected/orders
WITH recs AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.orderId ORDER BY r._arrival_day, r._source_file, r._record_index) AS copy_rank
  FROM raw_orders r
  WHERE CAST(r.placedAt AS DATE) IN (SELECT day FROM run_days)
)
SELECT orderId AS order_id, placedAt AS placed_at, cents, amount, customerId AS customer_id, CAST(placedAt AS DATE) AS record_date
FROM recs WHERE copy_rank = 1
`;

/** A daily CSV dump and a Parquet extract, both sampled from their declarations. */
const SAMPLED_CONFIG = `
  accounts:
    raw:
      prefix: raw/accounts/
      format: csv
    stage: spark/sql/accounts.sql
    table: accounts
    lateDays: 0
    required: [accountId]
    dedupKey: [accountId]
    columns:
      accountId: bigint
      plan:      { type: string, path: plan_name }
      active:    boolean
    output:
      account_id: bigint
      plan: string
      active: boolean
      record_date: date
  visits:
    raw:
      prefix: raw/visits/
      format: parquet
    stage: spark/sql/visits.sql
    table: visits
    eventTime: seenAt
    required: [visitId, seenAt]
    dedupKey: [visitId]
    columns:
      visitId: { type: string, path: visit.id }
      seenAt:  { type: timestamp, path: visit.at }
      pages:   { type: bigint, path: visit.pages }
    output:
      visit_id: string
      pages: bigint
      record_date: date
`;

const ACCOUNTS_SQL = `-- accounts: one row per account listed in a day's dump.
-- grain: account_id per dump day · partition: the dump's arrival day · replaces whole days
-- reads: raw accounts arrival day · bad rows → rejected/accounts
WITH recs AS (
  SELECT r.*, row_number() OVER (PARTITION BY r._arrival_day, r.accountId ORDER BY r._source_file, r._record_index) AS copy_rank
  FROM raw_accounts r WHERE r._arrival_day IN (SELECT day FROM run_days)
)
SELECT accountId AS account_id, plan, active, _arrival_day AS record_date FROM recs WHERE copy_rank = 1
`;

const VISITS_SQL = `-- visits: one row per visit, deduplicated on visit_id.
-- grain: visit_id · partition: day of seenAt (UTC) · replaces whole days
-- reads: raw visits arrival days [day-lateDays, day+lateDays] · bad rows → rejected/visits
WITH recs AS (
  SELECT r.*, row_number() OVER (PARTITION BY r.visitId ORDER BY r._arrival_day, r._source_file, r._record_index) AS copy_rank
  FROM raw_visits r WHERE CAST(r.seenAt AS DATE) IN (SELECT day FROM run_days)
)
SELECT visitId AS visit_id, pages, CAST(seenAt AS DATE) AS record_date FROM recs WHERE copy_rank = 1
`;

describe('a project of your own, through the lakestep command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-project-e2e-'));
  const demo = join(dir, 'demo');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sampleArgs = ['--days', '2', '--start', '2024-03-01', '--records-per-hour', '30', '--seed', '7'];

  it('init, sample, run and query work from the new folder with no path flags', async () => {
    const init = await lakestep(dir, 'init', 'demo');
    const sample = await lakestep(demo, 'sample', ...sampleArgs);
    const result = await lakestep(demo, 'run');
    const [{ n }] = await queryJson(demo, 'SELECT count(*) AS n FROM events');
    const rejects = await queryJson(
      demo,
      'SELECT reason, count(*) AS n FROM rejected_events GROUP BY ALL ORDER BY ALL',
    );
    // the same seed gives the same records: what the sample must have produced
    const [expected] = await generateDeclaredSample({
      lakeDir: join(dir, 'twin'),
      config: loadConfig(join(demo, 'lakestep.config.yml')),
      days: 2,
      start: '2024-03-01',
      recordsPerHour: 30,
      seed: 7,
    });

    expect(init.code).toBe(0);
    expect(sample.code).toBe(0);
    expect(sample.stderr).toContain('sample: ');
    expect(result.code).toBe(0);
    expect(Number(n)).toBe(expected.validRecords);
    expect(expected.duplicates).toBeGreaterThan(0);
    expect(expected.lateWithinAllowance).toBeGreaterThan(0);
    expect(rejects.map((r) => [r.reason, Number(r.n)])).toEqual([
      ['bad_type', 2],
      ['invalid_json', 2],
      ['late', 2],
      ['missing_field', 2],
    ]);
  }, 240_000);

  it('runs a second dataset added by hand: nested JSON, ISO-8601 times with offsets, numbers as strings', async () => {
    appendFileSync(join(demo, 'lakestep.config.yml'), ORDERS_CONFIG);
    writeFileSync(join(demo, 'spark/sql/orders.sql'), ORDERS_SQL);
    await writeRawFile(join(demo, 'lake'), 'raw/orders/2024/03/01/10/orders-1.gz', [
      '{"order":{"id":"o-1","placedAt":"2024-03-01T09:59:59.250Z","total":{"cents":"1250","amount":"12.50"}},"customer":{"id":"42"}}',
      '{"order":{"id":"o-2","placedAt":"2024-03-01T23:30:00-02:00","total":{"cents":990,"amount":9.9}},"customer":{"id":7}}',
      '{"order":{"id":"o-1","placedAt":"2024-03-01T09:59:59.250Z","total":{"cents":"1250","amount":"12.50"}},"customer":{"id":"42"}}',
      '{"order":{"id":"o-3","placedAt":"2024-03-01T10:00:00Z","total":{"cents":"12.5"}},"customer":{"id":"42"}}',
    ]);

    const result = await lakestep(demo, 'run');
    // timestamps are written UTC-adjusted (as Spark writes them) and read back WITH TIME ZONE, in UTC
    const rows = await queryJson(
      demo,
      'SELECT order_id, CAST(placed_at AS VARCHAR) AS placed_at, cents, amount, customer_id, CAST(record_date AS VARCHAR) AS day FROM orders ORDER BY order_id',
    );
    const rejected = await queryJson(demo, 'SELECT reason, detail FROM rejected_orders');

    expect(result.code).toBe(0);
    expect(rows).toEqual([
      {
        order_id: 'o-1',
        placed_at: '2024-03-01 09:59:59.25+00',
        cents: 1250,
        amount: 12.5,
        customer_id: 42,
        day: '2024-03-01',
      },
      {
        order_id: 'o-2',
        placed_at: '2024-03-02 01:30:00+00',
        cents: 990,
        amount: 9.9,
        customer_id: 7,
        day: '2024-03-02',
      },
    ]);
    expect(rejected).toEqual([{ reason: 'bad_type', detail: 'cents: expected bigint' }]);
  }, 240_000);

  it('samples a CSV dump and a Parquet extract from their declarations, and runs them', async () => {
    appendFileSync(join(demo, 'lakestep.config.yml'), SAMPLED_CONFIG);
    mkdirSync(join(demo, 'spark/sql'), { recursive: true });
    writeFileSync(join(demo, 'spark/sql/accounts.sql'), ACCOUNTS_SQL);
    writeFileSync(join(demo, 'spark/sql/visits.sql'), VISITS_SQL);
    const config = loadConfig(join(demo, 'lakestep.config.yml'));
    const expected = await generateDeclaredSample({
      lakeDir: join(dir, 'twin2'),
      config,
      days: 2,
      start: '2024-03-01',
      recordsPerHour: 30,
      seed: 7,
      datasets: ['accounts', 'visits'],
    });

    const sample = await lakestep(demo, 'sample', ...sampleArgs);
    const result = await lakestep(demo, 'run');
    const counts = await queryJson(
      demo,
      "SELECT 'accounts' AS t, count(*) AS n FROM accounts UNION ALL SELECT 'visits', count(*) FROM visits ORDER BY t",
    );
    const rejected = await queryJson(
      demo,
      'SELECT reason, count(*) AS n FROM rejected_accounts GROUP BY ALL ORDER BY ALL',
    );

    expect(sample.code).toBe(0);
    expect(result.code).toBe(0);
    expect(counts.map((c) => Number(c.n))).toEqual(expected.map((e) => e.validRecords));
    expect(rejected.map((r) => [r.reason, Number(r.n)])).toEqual([
      ['bad_type', 2],
      ['invalid_csv', 2],
      ['missing_field', 2],
    ]);
  }, 240_000);
});
