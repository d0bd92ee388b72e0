/**
 * Raw retention: deleting a raw arrival day the lake has processed (a lifecycle rule, an `rm`) never
 * silently shrinks the published days it reaches; `--accept-raw-removal` recomputes them.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { rowsByDay, tmpLake } from '../helpers/lake';

describe('a raw arrival day deleted after it was processed', () => {
  const lake = tmpLake('raw-removal');
  const table = join(lake, 'processed', 'access_records');
  beforeAll(async () => {
    await generateSample({
      lakeDir: lake,
      days: 3,
      start: '2024-12-30',
      recordsPerHour: 20,
      seed: 3,
      datasets: ['access_records'],
    });
    expect((await lakestep('run', '--lake', lake)).code).toBe(0);
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('keeps the days it reaches and warns on every run; --accept-raw-removal recomputes them from what is left', async () => {
    const published = await rowsByDay(table);
    rmSync(join(lake, 'raw', 'access_records', '2024', '12', '31'), { recursive: true });

    const kept = await lakestep('run', '--lake', lake);
    const keptRows = await rowsByDay(table);
    const again = await lakestep('run', '--lake', lake);
    const accepted = await lakestep('run', '--lake', lake, '--accept-raw-removal');
    const recomputed = await rowsByDay(table);
    const after = await lakestep('run', '--lake', lake);

    expect(kept.code).toBe(0);
    expect(kept.stderr).toContain(
      'warning: raw data of 1 arrival day was removed since it was processed (access_records 2024-12-31)',
    );
    expect(kept.stderr).toContain('`lakestep run --accept-raw-removal` recomputes them');
    expect(keptRows).toEqual(published);
    expect(again.stderr).toContain('warning: raw data of 1 arrival day was removed');
    expect(accepted.code).toBe(0);
    // the day whose arrival day is gone keeps only its late and early records
    expect(recomputed['2024-12-31']).toBeLessThan(published['2024-12-31'] / 2);
    expect(after.stderr).not.toContain('was removed');
    expect(after.stderr).toContain('nothing to do');
  });
});
