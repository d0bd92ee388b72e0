/** A lake whose path needs quoting in SQL (`/home/o'brien/lake`): every dataset runs, every day ok. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { tmpLake } from '../helpers/lake';

describe('a lake path with an apostrophe, quotes, a backslash, % and non-ASCII', () => {
  const home = tmpLake('hostile');
  const lake = join(home, `o'brien "x" \\ 100% données`, 'lake');
  beforeAll(async () => {
    mkdirSync(lake, { recursive: true });
    await generateSample({ lakeDir: lake, days: 2, start: '2024-12-31', recordsPerHour: 20, seed: 3 });
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs every dataset and answers a query', async () => {
    const run = await lakestep('run', '--lake', lake, '--json');
    const query = await lakestep('query', '--lake', lake, '--json', 'SELECT count(*) AS n FROM node_snapshots');

    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).totals.daysFailed).toBe(0);
    expect(Number(JSON.parse(query.stdout)[0].n)).toBeGreaterThan(0);
  });
});
