/**
 * Raw files a run does not read — a hidden name (`_x.json`, `.x.json`, as Spark's readers skip them)
 * or a symbolic link (never followed) — are named in a warning, as keys in an unknown layout are,
 * instead of being skipped without a word.
 */
import { copyFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { generateSample } from '../../examples/synapse/sample/generate';
import { lakestep } from '../helpers/cli';
import { tmpLake } from '../helpers/lake';

describe('raw files a run does not read', () => {
  const lake = tmpLake('skipped-raw');
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it('are counted and named in a warning on the run and its dry run', async () => {
    await generateSample({
      lakeDir: lake,
      days: 1,
      start: '2024-03-01',
      recordsPerHour: 20,
      seed: 5,
      datasets: ['access_records'],
    });
    const hour = join(lake, 'raw', 'access_records', '2024', '03', '01', '00');
    const [file] = readdirSync(hour);
    copyFileSync(join(hour, file), join(hour, '_x.json'));
    copyFileSync(join(hour, file), join(hour, '.x.json'));
    symlinkSync(join(hour, file), join(lake, 'raw', 'access_records', '2024', '03', '01', '01', 'linked.gz'));

    const dry = await lakestep('run', '--lake', lake, '--dry-run');
    const run = await lakestep('run', '--lake', lake);

    const warning =
      "warning: 3 raw files not read (a name starting with _ or . marks a file or folder as not data, as Spark's readers do; symbolic links are not followed): " +
      'raw/access_records/2024/03/01/00/.x.json (hidden name), raw/access_records/2024/03/01/00/_x.json (hidden name), raw/access_records/2024/03/01/01/linked.gz (symlink)\n';
    expect(dry.stderr).toContain(warning);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(warning);
  }, 300_000);
});
