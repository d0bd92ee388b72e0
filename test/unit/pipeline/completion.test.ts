import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EmrExportQueries } from '../../../src/aws/emrExportQueries';
import type { ExportQueries } from '../../../src/core/ports';
import { FileRunEvents } from '../../../src/local/fileRunEvents';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { announceCompletion } from '../../../src/pipeline/completion';
import { exportResultKey } from '../../../src/core/runKeys';
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
  const portsOn = (dir: string, queries?: ExportQueries) => {
    const store = new FolderObjectStore(dir);
    const events = new FileRunEvents(store, () => Date.parse('2024-03-06T01:02:03Z'));
    return { store, events, exports: queries ?? new EmrExportQueries(store) };
  };
  const read = (dir: string, key: string) => JSON.parse(readFileSync(join(dir, key), 'utf8'));

  it('writes and sends nothing when nothing was committed', async () => {
    const dir = lake();

    const done = await announceCompletion(
      portsOn(dir),
      { executionId, status: 'FAILED', outputs: [] },
      { exports: declared },
    );

    expect(done).toBeUndefined();
    expect([existsSync(join(dir, '_events')), existsSync(join(dir, 'exports'))]).toEqual([false, false]);
  });

  it("on AWS names the packages the export phase's EMR step wrote, and fails with the first that failed", async () => {
    const dir = lake();
    const ports = portsOn(dir);
    await ports.store.putJson(exportResultKey(executionId), {
      exports: {
        downloads: { error: 'its sql failed on Spark: AnalysisException: nope' },
        weekly: { key: 'exports/weekly/run-7.json', rows: 3 },
      },
      seconds: 4.2,
    });
    const outputs = [
      { dataset: 'client_share_4w', day: '2024-03-04' },
      { dataset: 'project_downloads_daily', day: '2024-03-04' },
    ];

    const done = await announceCompletion(ports, { executionId, status: 'SUCCEEDED', outputs }, { exports: declared });

    expect(done?.exportError?.message).toBe('exports.downloads: its sql failed on Spark: AnalysisException: nope');
    expect(read(dir, '_events/run-7.json').detail.exports).toEqual({ weekly: 'exports/weekly/run-7.json' });
  });

  it('on AWS an export phase that wrote no result fails the due export, and the event is still sent', async () => {
    const dir = lake();

    const done = await announceCompletion(
      portsOn(dir),
      { executionId, status: 'SUCCEEDED', outputs: [{ dataset: 'client_share_4w', day: '2024-03-04' }] },
      { exports: declared },
    );

    expect(done?.exportError?.message).toMatch(
      /^exports\.weekly: the export phase left no outcome for it in _runs\/run-7\/exports\.result\.json \(no result was written\)/,
    );
    expect(read(dir, '_events/run-7.json').detail).toMatchObject({
      tables: { client_share_4w: ['2024-03-04'] },
      exports: {},
    });
    expect(existsSync(join(dir, 'exports'))).toBe(false);
  });
});
