/**
 * `_staging/<execution>/`: each step removes its own group folder under it; the folder they shared is removed
 * after the execution (locally; the driver does it on S3), and never when something is still in it.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { removeEmptyStaging } from '../../../src/local/crashLeftovers';
import { executeStateMachine } from '../../../src/local/executeStateMachine';
import { withLocalRuntime } from '../../../src/local/localRuntime';
import { tmpLake } from '../../helpers/lake';

describe('removeEmptyStaging', () => {
  let lake: string;
  beforeEach(() => (lake = tmpLake('staging')));
  afterEach(() => rmSync(lake, { recursive: true, force: true }));

  it("removes the execution's empty folder, and _staging/ once empty", async () => {
    mkdirSync(join(lake, '_staging', 'run-1'), { recursive: true });

    await removeEmptyStaging(lake, 'run-1');

    expect(existsSync(join(lake, '_staging'))).toBe(false);
  });

  it('keeps a folder with something in it, and the folders of other executions', async () => {
    mkdirSync(join(lake, '_staging', 'run-1', 'g1'), { recursive: true });
    writeFileSync(join(lake, '_staging', 'run-1', 'g1', 'part-0.parquet'), 'x');
    mkdirSync(join(lake, '_staging', 'run-2'), { recursive: true });

    await removeEmptyStaging(lake, 'run-1');
    await removeEmptyStaging(lake, 'run-3'); // none: fine

    expect(existsSync(join(lake, '_staging', 'run-1', 'g1', 'part-0.parquet'))).toBe(true);
    expect(existsSync(join(lake, '_staging', 'run-2'))).toBe(true);
  });

  it('runs after each local execution', async () => {
    mkdirSync(join(lake, '_staging', 'run-empty'), { recursive: true });

    await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
      const outcome = await executeStateMachine(runtime, { dryRun: true }, { name: 'run-empty' });

      expect(outcome.status).toBe('SUCCEEDED');
    });

    expect(existsSync(join(lake, '_staging'))).toBe(false);
  }, 60_000);
});
