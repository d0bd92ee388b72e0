/**
 * The `lakestep` command as a user runs it (main() with captured output): exit codes, the plan of
 * a dry run, JSON output and queries (a run on local Spark: test/spark/cliEngineSpark.test.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { tmpLake } from '../helpers/lake';
import { lakestep, useSampleLake } from '../helpers/cli';
import { withLocalRuntime } from '../../src/local/localRuntime';

/** Runs `fn` with these environment variables set (undefined: unset), restoring them after. */
async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(env);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

/** A new tmp lake holding one day (2024-03-01) of the sample's access records and nothing else. @returns its path */
async function accessRecordsDay(name: string): Promise<string> {
  const lakeDir = tmpLake(name);
  await generateSample({
    lakeDir,
    days: 1,
    start: '2024-03-01',
    recordsPerHour: 20,
    seed: 3,
    datasets: ['access_records'],
  });
  return lakeDir;
}

describe('lakestep CLI', () => {
  const lake = useSampleLake('cli');

  it('exits 1 naming the option on a date that is not a calendar date', async () => {
    const result = await lakestep('run', '--lake', lake, '--from', '2024-02-30', '--to', '2024-03-01');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('"2024-02-30" is not a calendar date (expected YYYY-MM-DD)');
  });

  it('prints its version, and after a mistyped option a one-line pointer instead of the whole usage', async () => {
    const version = await lakestep('--version');
    const typo = await lakestep('run', '--lake', lake, '--frm', '2024-03-01');

    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(
      "error: unknown option '--frm'\n(Did you mean --from?)\n(lakestep --help lists the commands",
    );
    expect(typo.stderr).not.toContain('Usage:');
  });

  it('warns when a sample is too small to pass the reject threshold, and only then', async () => {
    const tiny = await lakestep('sample', '--lake', join(lake, 'tiny'), '--days', '1', '--records-per-hour', '2');
    const enough = await lakestep('sample', '--lake', join(lake, 'enough'), '--days', '1', '--records-per-hour', '20');

    expect(tiny.code).toBe(0);
    expect(tiny.stderr).toMatch(
      /warning: \d+\.\d % of these access records are malformed or late, over the 5\.0 % reject threshold: lakestep run will fail their days/,
    );
    expect(enough.code).toBe(0);
    expect(enough.stderr).toContain('sample: ');
    expect(enough.stderr).not.toContain('warning');
  });

  it('names the raw keys in no known layout that it leaves alone', async () => {
    const odd = await accessRecordsDay('cli-odd');
    const stray = [
      'raw/access_records/2024/13/01/00/x.gz',
      'raw/access_records/README.txt',
      'raw/access_records/misc/a.gz',
      'raw/access_records/misc/b.gz',
    ];
    for (const key of stray) {
      mkdirSync(dirname(join(odd, key)), { recursive: true });
      writeFileSync(join(odd, key), '{}');
    }

    const result = await lakestep('run', '--lake', odd, '--dry-run');
    rmSync(odd, { recursive: true, force: true });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: 4 raw keys are in no known layout (<prefix>YYYY/MM/DD/HH/… or <prefix>year=YYYY/month=MM/day=DD/…) and were left alone: ' +
        'raw/access_records/2024/13/01/00/x.gz, raw/access_records/README.txt, raw/access_records/misc/a.gz, …\n',
    );
  });

  it('warns naming each raw prefix with nothing under it, on a dry run and on a run', async () => {
    // this lake holds access records only: the prefixes of node_snapshots and file_downloads are empty (as a typo makes them)
    const dry = await lakestep('run', '--lake', lake, '--dry-run');
    const only = await accessRecordsDay('cli-one-prefix');

    const run = await lakestep('run', '--lake', only);
    rmSync(only, { recursive: true, force: true });

    for (const result of [dry, run]) {
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        'warning: nothing under raw/node_snapshots/, the raw prefix of node_snapshots (raw.prefix in lakestep.config.yml): none of its days is computed\n',
      );
      expect(result.stderr).toContain('warning: nothing under raw/file_downloads/, the raw prefix of file_downloads');
      expect(result.stderr).not.toContain('raw prefix of access_records');
    }
  });

  it('exits 1 outside any project, naming the folders searched, and on a --project folder without a config', async () => {
    const outside = tmpLake('cli-outside');
    const here = process.cwd();

    process.chdir(outside);
    const none = await lakestep('status').finally(() => process.chdir(here));
    const wrong = await lakestep('status', '--project', outside);
    rmSync(outside, { recursive: true, force: true });

    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`error: project: no lakestep.config.yml in ${outside}, ${dirname(outside)}`);
    expect(none.stderr).toContain('start one with `lakestep init DIR`');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`error: --project: ${outside} holds no lakestep.config.yml`);
  });

  it('exits 1 on a lake folder that does not exist, and does not make one', async () => {
    const typo = join(lake, 'no-such-lake');

    const result = await lakestep('run', '--lake', typo, '--dry-run');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`there is no lake at ${typo}`);
    expect(existsSync(typo)).toBe(false);
  });

  it('exits 1 on a folder that holds no lake (no raw/, no ledger), and leaves nothing in it', async () => {
    const empty = tmpLake('cli-empty');

    const result = await lakestep('run', '--lake', empty, '--dry-run');
    const left = readdirSync(empty);
    rmSync(empty, { recursive: true, force: true });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${empty} holds no lake: no raw/ folder and no ledger (_state/)`);
    expect(left).toEqual([]);
  });

  it('exits 1 on a --stage command without an AWS region or credentials, saying how to set them', async () => {
    const none = join(lake, 'no-such-aws-file'); // no profile region or credentials either
    const noAws = {
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_CONFIG_FILE: none,
      AWS_SHARED_CREDENTIALS_FILE: none,
      AWS_EC2_METADATA_DISABLED: 'true',
    };

    const noRegion = await withEnv({ ...noAws, AWS_REGION: undefined }, () => lakestep('status', '--stage', 'dev'));
    const noCredentials = await withEnv({ ...noAws, AWS_REGION: 'eu-west-1' }, () =>
      lakestep('status', '--stage', 'dev'),
    );

    expect(noRegion.code).toBe(1);
    expect(noRegion.stderr).toContain(
      'error: AWS_REGION: no AWS region is set (expected AWS_REGION or AWS_DEFAULT_REGION',
    );
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toContain('error: AWS credentials: none found (expected AWS_PROFILE');
  });

  it('exits 1 on two run modes at once, and on an empty query', async () => {
    const modes = await lakestep('run', '--lake', lake, '--stale', '--rerun', 'run-x');
    const empty = await lakestep('query', '--lake', lake, '  ');

    expect(modes.code).toBe(1);
    expect(modes.stderr).toContain("error: option '--stale' cannot be used with option '--rerun <execution>'");
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('error: sql: the statement is empty');
  });

  it('exits 1 on a rerun of an execution the lake never ran, starting nothing', async () => {
    const result = await lakestep('run', '--lake', lake, '--rerun', 'run-20240101T000000Z-dead');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no execution "run-20240101T000000Z-dead" in this lake\'s ledger');
  });

  it('exits 1 when from is after to, before starting anything', async () => {
    const result = await lakestep('run', '--lake', lake, '--from', '2024-03-02', '--to', '2024-03-01');

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('from: 2024-03-02 is after to 2024-03-01');
  });

  it('prints each day and why on a dry run, across the year boundary', async () => {
    const result = await lakestep('run', '--lake', lake, '--dry-run');

    expect(result.code).toBe(0);
    // 4 access_records days, and the weekly client share of the 4 weeks from ISO week 2025_01 (Monday 2024-12-30)
    expect(result.stderr).toContain('dry run: 8 days would be recomputed');
    expect(result.stderr).toContain('access_records 2024-12-30: new raw data in arrival day 2024-12-31');
    expect(result.stderr).toContain('access_records 2025-01-02: new raw data in arrival day 2025-01-01');
    expect(result.stderr).toContain('client_share_4w 2024-12-30: access_records 2024-12-30…2025-01-02 are recomputed');
    expect(result.stderr).toContain('client_share_4w 2025-01-20: access_records 2024-12-30…2025-01-02 are recomputed');
  });

  it('runs, reports per-day progress and prints a JSON summary with --json', async () => {
    const result = await lakestep('run', '--lake', lake, '--json');

    const parsed = JSON.parse(result.stdout);
    expect(result.code).toBe(0);
    expect(parsed.status).toBe('SUCCEEDED');
    expect(parsed.totals.days - parsed.totals.daysFailed).toBe(8);
    // the run report's names (docs/json-output.md): `table`, `duplicates`
    expect(parsed.tables.find((t: { table: string }) => t.table === 'access_records').days).toHaveLength(4);
    expect(parsed.totals.duplicates).toEqual(expect.any(Number));
    expect(result.stderr).toMatch(/\[1\/8\] 2024-12-30 access_records ok \d+ rows/);
  });

  it('answers SQL over the catalog', async () => {
    const result = await lakestep('query', '--lake', lake, '--json', 'SELECT count(*) AS n FROM access_records');

    expect(Number(JSON.parse(result.stdout)[0].n)).toBeGreaterThan(0);
  });

  it('refuses a query that writes, a second statement and an extension install (exit 1), and still reads files', async () => {
    const target = join(lake, 'processed', 'access_records', 'injected.parquet');
    const copy = `COPY (SELECT * FROM access_records) TO '${target}'`;

    const results = [];
    for (const sql of [copy, `SELECT 1; ${copy}`, 'INSTALL httpfs'])
      results.push(await lakestep('query', '--lake', lake, sql));
    const files = await lakestep(
      'query',
      '--lake',
      lake,
      '--json',
      `SELECT count(*) AS n FROM read_parquet('processed/access_records/*/*/*/*.parquet')`,
    );

    expect(results.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(results[0].stderr).toContain('a COPY statement is not a query; expected one read-only statement');
    expect(results[1].stderr).toContain('2 statements given; expected one read-only statement');
    expect(existsSync(target)).toBe(false);
    expect(files.code).toBe(0);
    expect(Number(JSON.parse(files.stdout)[0].n)).toBeGreaterThan(0);
  });

  it('rebuilds a truncated or deleted catalog from the lake: query says so and answers, a run crawls again', async () => {
    const catalog = join(lake, '_catalog.duckdb');
    const count = 'SELECT count(*) AS n FROM access_records';
    const expected = (await lakestep('query', '--lake', lake, '--json', count)).stdout;

    writeFileSync(catalog, readFileSync(catalog).subarray(0, 1000));
    const afterTruncation = await lakestep('query', '--lake', lake, '--json', count);
    rmSync(catalog);
    const afterDeletion = await lakestep('query', '--lake', lake, '--json', count);
    writeFileSync(catalog, 'not a database');
    const run = await lakestep('run', '--lake', lake, '--from', '2024-12-31', '--to', '2024-12-31', '--force');

    expect(afterTruncation.stdout).toBe(expected);
    expect(afterTruncation.stderr).toContain('note: _catalog.duckdb was unreadable (');
    expect(afterDeletion.stdout).toBe(expected);
    expect(afterDeletion.stderr).toContain('note: _catalog.duckdb was missing; it was rebuilt from the lake');
    expect(run.code).toBe(0);
    expect((await lakestep('query', '--lake', lake, '--json', count)).stdout).toBe(expected);
  });

  it('reads the statement from -f FILE and prints CSV with --format csv', async () => {
    const file = join(lake, 'count.sql');
    writeFileSync(
      file,
      '-- requests a day\nSELECT record_date, count(*) AS n FROM access_records GROUP BY ALL ORDER BY ALL\n',
    );

    const result = await lakestep('query', '--lake', lake, '-f', file, '--format', 'csv');

    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual(['record_date,n', expect.stringMatching(/^2024-12-30,\d+$/)]);
  });

  it('shows the ledger with --json', async () => {
    const result = await lakestep('status', '--lake', lake, '--json');

    const [table] = JSON.parse(result.stdout);
    expect(table.table).toBe('access_records'); // `table`, as run --json and report --json name it
    expect(table.raw.map((r: { state: string }) => r.state)).toEqual(['processed', 'processed']);
    expect(table.outputs).toHaveLength(4);
  });

  it('shows the ledger as text, ending with the last run from its report', async () => {
    const result = await lakestep('status', '--lake', lake);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('access_records (stage version ');
    expect(result.stdout).toMatch(/\n {2}ok {11}2024-12-30…2025-01-02 \(4 days, [\d,]+ rows\)\n/);
    expect(result.stdout).toMatch(/\nlast run: run-\S+ SUCCEEDED \(\d{4}-\d{2}-\d{2}T[\d:.]+Z\)\n$/);
  });

  it('shows one table and its days within a range, each on a line with --days', async () => {
    const result = await lakestep(
      'status',
      '--lake',
      lake,
      '--dataset',
      'access_records',
      '--from',
      '2024-12-31',
      '--to',
      '2025-01-01',
      '--days',
    );

    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('client_share_4w');
    expect(result.stdout).toMatch(/\n {2}ok {11}2024-12-31…2025-01-01 \(2 days, [\d,]+ rows\)\n/);
    expect(result.stdout.match(/\n {4}\d{4}-\d{2}-\d{2} {2}ok /g)).toHaveLength(2);
  });

  it('says how many days an older stage SQL made, and how to recompute them, after a plain run and a dry run', async () => {
    await withLocalRuntime({ lakeDir: lake }, async ({ ports }) => {
      const [first] = await ports.ledger.outputDays('access_records');
      await ports.ledger.commit({ raw: [], outputs: [{ ...first, stageVersion: 'older' }], removedRaw: [] });
    });

    const dry = await lakestep('run', '--lake', lake, '--dry-run');
    const plain = await lakestep('run', '--lake', lake);
    const stale = await lakestep('run', '--lake', lake, '--stale');
    const after = await lakestep('run', '--lake', lake);

    const hint = '1 day stale (access_records 1: made by an older stage SQL) — `lakestep run --stale` recomputes them';
    expect(dry.stderr).toContain(hint);
    expect(plain.stderr).toContain(hint);
    expect(stale.code).toBe(0);
    expect(after.stderr).not.toContain('stale');
  });
});
