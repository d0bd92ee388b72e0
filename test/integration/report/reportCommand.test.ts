/**
 * `lakestep report` through main() with captured output, over reports written into a real lake
 * folder by writeRunReport.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { systemOpener } from '../../../src/cli/reportCommand';
import type { RunSummary } from '../../../src/core/summary';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { buildRunReport } from '../../../src/report/runReport';
import { latestReport, LATEST_KEY, writeRunReport } from '../../../src/report/reportStore';
import { tmpLake } from '../../helpers/lake';
import { lakestep } from '../../helpers/cli';

function summary(executionId: string, recordsOut: number): RunSummary {
  return {
    executionId,
    warnings: [],
    days: [
      {
        dataset: 'access_records',
        day: '2024-03-05',
        status: 'succeeded',
        recordsIn: recordsOut + 10,
        recordsOut,
        duplicatesDropped: 10,
        rejected: 4,
        late: 1,
        reasons: [{ kind: 'new_raw', rawDay: '2024-03-05' }],
      },
      {
        dataset: 'file_downloads',
        day: '2024-03-05',
        status: 'succeeded',
        recordsIn: 50,
        recordsOut: 48,
        duplicatesDropped: 2,
        rejected: 0,
        late: 0,
        reasons: [],
        metrics: { unattributed: 5 },
      } as RunSummary['days'][number],
    ],
    totals: {
      daysTransformed: 2,
      daysFailed: 0,
      recordsIn: recordsOut + 64,
      recordsOut: recordsOut + 48,
      duplicatesDropped: 12,
      rejected: 4,
      late: 1,
    },
    failedDays: [],
    rejectedByReason: { invalid_json: 3, late: 1 },
    stepSeconds: 3,
  };
}

describe('lakestep report', () => {
  const lake = tmpLake('report');
  const store = new FolderObjectStore(lake);
  const opener = process.env.LAKESTEP_OPENER;

  beforeAll(async () => {
    process.env.LAKESTEP_OPENER = 'none'; // never launch a browser from a test
    await writeRunReport(
      store,
      buildRunReport(summary('exec-old', 900), {
        startedAtMs: Date.UTC(2024, 2, 6, 1),
        endedAtMs: Date.UTC(2024, 2, 6, 1, 1),
      }),
    );
    await writeRunReport(
      store,
      buildRunReport(summary('arn:aws:states:us-east-1:1:execution:lakestep-dev:exec-new', 1234), {
        startedAtMs: Date.UTC(2024, 2, 7, 1),
        endedAtMs: Date.UTC(2024, 2, 7, 1, 2),
        checks: [
          {
            name: 'accepted_client',
            table: 'access_records',
            day: '2024-03-05',
            status: 'warning',
            failingRows: 2,
            sampleRows: [{ client: '<script>x</script>' }],
          },
        ],
        warnings: ['row count drift on access_records 2024-03-05'],
      }),
    );
  });
  afterAll(() => {
    if (opener === undefined) delete process.env.LAKESTEP_OPENER;
    else process.env.LAKESTEP_OPENER = opener;
    rmSync(lake, { recursive: true, force: true });
  });

  it('writes the JSON, the page and the pointer to the newest under _reports/', async () => {
    const latest = await latestReport(store);

    expect(existsSync(join(lake, '_reports/exec-new.json'))).toBe(true);
    expect(readFileSync(join(lake, '_reports/exec-new.html'), 'utf8')).toContain('<canvas id="daily-chart"');
    expect(latest).toMatchObject({ jsonKey: '_reports/exec-new.json', htmlKey: '_reports/exec-new.html' });
    expect(latest!.report.totals.recordsOut).toBe(1234 + 48);
  });

  it('prints a text summary of the newest report', async () => {
    const result = await lakestep('report', '--lake', lake);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'run exec-new SUCCEEDED 2024-03-07T01:00:00.000Z → 2024-03-07T01:02:00.000Z (120 s)',
    );
    expect(result.stdout).toContain('1,282 out');
    expect(result.stdout).toContain('5 unattributed');
    expect(result.stdout).toMatch(/2024-03-05 {2}ok +1,244 in +1,234 out {2}10 dup, 4 rejected/);
    expect(result.stdout).toContain("warning 'accepted_client' access_records 2024-03-05: 2 rows");
    expect(result.stdout).toContain('row count drift on access_records 2024-03-05');
  });

  it('prints a named report as JSON with --json', async () => {
    const result = await lakestep('report', 'exec-old', '--lake', lake, '--json');

    const report = JSON.parse(result.stdout);
    expect(result.code).toBe(0);
    expect(report.execution).toBe('exec-old');
    expect(report.tables.map((t: { table: string }) => t.table)).toEqual(['access_records', 'file_downloads']);
  });

  it('prints the page path with --open when there is no system opener', async () => {
    const result = await lakestep('report', '--lake', lake, '--open');

    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').pop()).toBe(join(lake, '_reports/exec-new.html'));
  });

  it('keeps stdout one JSON document with --json --open (the page path goes to stderr)', async () => {
    const result = await lakestep('report', '--lake', lake, '--json', '--open');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).execution).toBe('exec-new');
    expect(result.stderr).toContain(join(lake, '_reports/exec-new.html'));
  });

  it('falls back to the latest endedAt when the pointer is gone', async () => {
    rmSync(join(lake, ...LATEST_KEY.split('/')));

    const result = await lakestep('report', '--lake', lake, '--json');

    expect(JSON.parse(result.stdout).execution).toBe('exec-new');
  });

  it('exits 1 naming the reports it has when the execution is unknown', async () => {
    const result = await lakestep('report', 'exec-nope', '--lake', lake);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no run report "exec-nope"');
    expect(result.stderr).toContain('exec-new');
  });

  it('exits 1 on a lake without reports', async () => {
    const empty = tmpLake('report-empty');

    const result = await lakestep('report', '--lake', empty);

    rmSync(empty, { recursive: true, force: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no run report in');
  });
});

describe('systemOpener', () => {
  it('uses $LAKESTEP_OPENER, the platform opener, or none', () => {
    expect(systemOpener({ LAKESTEP_OPENER: 'firefox' }, 'linux')).toEqual({ command: 'firefox', args: [] });
    expect(systemOpener({ LAKESTEP_OPENER: 'none' }, 'darwin')).toBeUndefined();
    expect(systemOpener({}, 'darwin')).toEqual({ command: 'open', args: [] });
    expect(systemOpener({ PATH: '' }, 'linux')).toBeUndefined(); // a server without xdg-open
  });
});
