import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmrExportQueries } from '../../../src/aws/emrExportQueries';
import type { ExportQueries } from '../../../src/core/ports';
import { FileRunEvents } from '../../../src/local/fileRunEvents';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { announceCompletion } from '../../../src/pipeline/completion';
// The exports and the event on a real lake, written by the real local engine: test/e2e/completion.test.ts.
import { tmpLake } from '../../helpers/lake';

const executionId = 'arn:aws:states:us-east-1:000000000000:execution:lakestep-local-pipeline:run-7';
const declared = {
  downloads: {
    name: 'downloads',
    sql: 'SELECT 1 AS n FROM project_downloads_daily',
    reads: ['project_downloads_daily'],
  },
  weekly: { name: 'weekly', sql: 'SELECT 2 AS n FROM client_share_4w', reads: ['client_share_4w'] },
};

describe('announceCompletion', () => {
  const lakes: string[] = [];
  const lake = () => (lakes.push(tmpLake('completion')), lakes[lakes.length - 1]);
  afterAll(() =>
    lakes.forEach((l) => {
      rmSync(l, { recursive: true, force: true });
    }),
  );
  const portsOn = (dir: string, queries: ExportQueries) => {
    const store = new FolderObjectStore(dir);
    return { store, events: new FileRunEvents(store, () => Date.parse('2024-03-06T01:02:03Z')), exports: queries };
  };
  const read = (dir: string, key: string) => JSON.parse(readFileSync(join(dir, key), 'utf8'));

  it('writes and sends nothing when nothing was committed', async () => {
    const dir = lake();

    const done = await announceCompletion(
      portsOn(dir, new EmrExportQueries()),
      { executionId, status: 'FAILED', outputs: [] },
      { exports: declared },
    );

    expect(done).toBeUndefined();
    expect([existsSync(join(dir, '_events')), existsSync(join(dir, 'exports'))]).toEqual([false, false]);
  });

  it('on AWS (no export engine yet) sends the event without the package, and no error', async () => {
    const dir = lake();

    const done = await announceCompletion(
      portsOn(dir, new EmrExportQueries()),
      { executionId, status: 'SUCCEEDED', outputs: [{ dataset: 'client_share_4w', day: '2024-03-04' }] },
      { exports: declared },
    );

    expect(done?.exportError).toBeUndefined();
    expect(read(dir, '_events/run-7.json').detail).toMatchObject({
      tables: { client_share_4w: ['2024-03-04'] },
      exports: {},
    });
    expect(existsSync(join(dir, 'exports'))).toBe(false);
  });
});
