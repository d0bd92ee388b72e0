/**
 * The acquisition example through the real `lakestep` command (bin/lakestep.js spawned from inside
 * examples/acquisition, as its README says), on a temporary lake: sample, run, query.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/config/project';

const BIN = resolve(PACKAGE_ROOT, 'bin', 'lakestep.js');
const PROJECT = resolve(PACKAGE_ROOT, 'examples/acquisition');
const execFileAsync = promisify(execFile);

/** Runs the real CLI inside the example with `--lake lake`; never throws: the exit code is part of the result. */
async function lakestep(lake: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.LAKESTEP_LAKE;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args, '--lake', lake], {
      cwd: PROJECT,
      env,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('examples/acquisition', () => {
  let lake: string;
  beforeAll(() => {
    lake = mkdtempSync(join(tmpdir(), 'lakestep-acquisition-'));
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('samples Parquet extracts, runs both tables (warning of the share jump) and answers a query on the weekly share', async () => {
    // 2020-12-14 … 2021-01-10: four ISO weeks across the year boundary, 2020_53 included
    const sampled = await lakestep(lake, 'sample', '--start', '2020-12-14', '--days', '28');
    const ran = await lakestep(lake, 'run');
    const counted = await lakestep(lake, 'query', '--format', 'json', 'SELECT count(*) AS n FROM organic_share_p4w');
    const weeks = await lakestep(
      lake,
      'query',
      '--format',
      'json',
      'SELECT DISTINCT year_week FROM organic_share_p4w ORDER BY year_week',
    );

    expect(sampled).toMatchObject({ code: 0 });
    expect(sampled.stdout + sampled.stderr).toContain('28 daily Parquet extracts');
    expect(ran).toMatchObject({ code: 0 });
    // the sample's paid campaign in DE over its last 7 days (week 2021_01): a warning, not a failure
    expect(ran.stdout + ran.stderr).toContain(
      "warning: organic_share_p4w 2021-01-04: 'accepted_values_share_move' found 1 row",
    );
    expect(counted).toMatchObject({ code: 0 });
    expect(Number((JSON.parse(counted.stdout) as { n: number }[])[0].n)).toBeGreaterThan(0);
    expect((JSON.parse(weeks.stdout) as { year_week: string }[]).map((w) => w.year_week)).toEqual([
      '2020_51',
      '2020_52',
      '2020_53',
      '2021_01',
    ]);
  }, 240_000);
});
