/**
 * `lakestep run --dataset X` as a user runs it on the Synapse example: X and the tables that read it
 * (node_snapshots → file_downloads → project_downloads_daily), or X alone with --no-downstream.
 */
import { rmSync } from 'node:fs';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { tmpLake } from '../helpers/lake';

/** `table day` of each day a dry run would recompute (its `  table day: why` lines). */
const plannedDays = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => /^ {2}\w+ \d{4}-\d{2}-\d{2}: /.test(line))
    .map((line) => line.trim().split(':')[0]);
const tablesOf = (days: string[]) => [...new Set(days.map((d) => d.split(' ')[0]))];

describe('lakestep run --dataset (selection)', () => {
  const lake = tmpLake('selection');
  const range = ['--from', '2024-12-31', '--to', '2025-01-01', '--force'];
  beforeAll(async () => {
    await generateSample({ lakeDir: lake, days: 2, start: '2024-12-31', recordsPerHour: 20, seed: 5 });
    const first = await lakestep('run', '--lake', lake);
    if (first.code !== 0) throw new Error(first.stderr);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('recomputes node_snapshots and the days of the tables that read it, and nothing else', async () => {
    const result = await lakestep('run', '--lake', lake, ...range, '--dataset', 'node_snapshots', '--dry-run');

    const days = plannedDays(result.stderr);
    expect(result.code).toBe(0);
    expect(tablesOf(days)).toEqual(['file_downloads', 'node_snapshots', 'project_downloads_daily']);
    expect(days.filter((d) => d.startsWith('node_snapshots'))).toEqual([
      'node_snapshots 2024-12-31',
      'node_snapshots 2025-01-01',
    ]);
    // downloads read the snapshots of the day before, the day and the day after
    expect(result.stderr).toContain('file_downloads 2024-12-30: node_snapshots 2024-12-31 is recomputed');
    expect(result.stderr).toContain('file_downloads 2025-01-01: node_snapshots 2024-12-31…2025-01-01 are recomputed');
  });

  it('recomputes node_snapshots alone with --no-downstream, and refuses --no-downstream without --dataset', async () => {
    const alone = await lakestep(
      'run',
      '--lake',
      lake,
      ...range,
      '--dataset',
      'node_snapshots',
      '--no-downstream',
      '--dry-run',
    );
    const everything = await lakestep('run', '--lake', lake, ...range, '--no-downstream', '--dry-run');

    expect(alone.code).toBe(0);
    expect(plannedDays(alone.stderr)).toEqual(['node_snapshots 2024-12-31', 'node_snapshots 2025-01-01']);
    expect(everything.code).toBe(1);
    expect(everything.stderr).toContain('downstream: false (--no-downstream) needs datasets (--dataset)');
  });

  it('runs the readers too, and leaves the lake with nothing to do', async () => {
    const run = await lakestep('run', '--lake', lake, ...range, '--dataset', 'node_snapshots', '--json');
    const after = await lakestep('run', '--lake', lake, '--dry-run');

    const report = JSON.parse(run.stdout);
    expect(run.code).toBe(0);
    expect(report.tables.map((t: { table: string }) => t.table).sort()).toEqual([
      'file_downloads',
      'node_snapshots',
      'project_downloads_daily',
    ]);
    expect(after.stderr).toContain('dry run: nothing to recompute');
  });
});
