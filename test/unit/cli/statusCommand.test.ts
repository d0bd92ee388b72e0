import { describeLastRun, printStatus, selectStatus } from '../../../src/cli/statusCommand';
import type { RunReport } from '../../../src/report/runReport';
import type { DatasetStatus } from '../../../src/report/tableStatus';

const report = (fields: Partial<RunReport>) =>
  ({ execution: 'run-1', endedAt: '2024-03-07T10:02:13.400Z', failedDays: [], ...fields }) as RunReport;

describe('describeLastRun', () => {
  it('says how to learn why and how to retry after a failed run', () => {
    const failed = report({
      status: 'FAILED',
      failedDays: [{ table: 'access_records', day: '2024-03-05', error: { name: 'StepFailedError', message: 'x' } }],
    });

    expect(describeLastRun(failed)).toBe(
      'last run: run-1 FAILED (2024-03-07T10:02:13.400Z), 1 day failed; `lakestep report` says why, `lakestep run --rerun run-1` retries them',
    );
  });

  it('says a rerun alone does not help days over the reject threshold', () => {
    const failed = report({
      status: 'FAILED',
      failedDays: [
        {
          table: 'access_records',
          day: '2024-03-05',
          error: { name: 'RejectThresholdError', message: 'access_records 2024-03-05: 8 of 67 records rejected' },
        },
      ],
    });

    expect(describeLastRun(failed)).toContain(
      '`lakestep run --rerun run-1` retries them; days over the reject threshold fail again until their raw files are fixed or rejectThreshold is raised (their quarantined records are in _runs/run-1/rejected/)',
    );
  });

  it('names a run that failed on a check without failed days, and one that succeeded; nothing without a report', () => {
    expect(describeLastRun(report({ status: 'FAILED' }))).toBe(
      'last run: run-1 FAILED (2024-03-07T10:02:13.400Z), 0 days failed; `lakestep report` says why',
    );
    expect(describeLastRun(report({ status: 'SUCCEEDED', endedAt: undefined }))).toBe('last run: run-1 SUCCEEDED');
    expect(describeLastRun(undefined)).toBeUndefined();
  });
});

const output = (day: string, state: 'ok' | 'stale', records: number) => ({
  day,
  state,
  records,
  stageVersion: state === 'ok' ? 'v2' : 'v1',
  executionId: 'run-1',
  committedAt: '2024-03-07T10:00:00.000Z',
});
const raw = (day: string, state: 'processed' | 'new' | 'changed') => ({ day, state, objects: 1, bytes: 10 });
const status: DatasetStatus = {
  dataset: 'access_records',
  stageVersion: 'v2',
  raw: [
    raw('2024-03-01', 'processed'),
    raw('2024-03-02', 'processed'),
    raw('2024-03-04', 'changed'),
    raw('2024-03-06', 'new'),
    raw('2024-03-07', 'new'),
  ],
  outputs: [
    output('2024-03-01', 'ok', 1200),
    output('2024-03-02', 'ok', 1300),
    output('2024-03-03', 'stale', 7),
    output('2024-03-04', 'ok', 5),
    output('2024-03-05', 'ok', 9),
  ],
};

describe('selectStatus', () => {
  it('keeps the named tables and the days from…to, both inclusive', () => {
    const other = { ...status, dataset: 'file_downloads' };

    const [selected, ...rest] = selectStatus([status, other], {
      datasets: ['access_records'],
      from: '2024-03-02',
      to: '2024-03-04',
    });

    expect(rest).toEqual([]);
    expect(selected.outputs.map((o) => o.day)).toEqual(['2024-03-02', '2024-03-03', '2024-03-04']);
    expect(selected.raw.map((r) => r.day)).toEqual(['2024-03-02', '2024-03-04']);
  });

  it('names an unknown table and the known ones', () => {
    expect(() => selectStatus([status], { datasets: ['acess_records'] })).toThrow(
      'acess_records is not a table of lakestep.config.yml (expected one of access_records)',
    );
  });
});

describe('printStatus', () => {
  const print = (options?: Parameters<typeof printStatus>[2]) => {
    let text = '';
    printStatus([status], { write: (chunk: string) => (text += chunk) } as unknown as NodeJS.WritableStream, options);
    return text;
  };

  it('prints one line per state with day ranges and thousands separators', () => {
    expect(print({ failedDays: new Map([['access_records', ['2024-03-05']]]) })).toBe(
      [
        'access_records (stage version v2)',
        '  ok           2024-03-01…2024-03-02, 2024-03-04 (3 days, 2,505 rows)',
        '  stale        2024-03-03 (1 day, 7 rows)',
        '  failed       2024-03-05 (1 day)',
        '  raw new      2024-03-06…2024-03-07 (2 days)',
        '  raw changed  2024-03-04 (1 day)',
        '  missing raw  2024-03-03, 2024-03-05 (2 days)',
        '  stale days: `lakestep run --stale` recomputes them',
        '',
      ].join('\n'),
    );
  });

  it('lists each output day with --days', () => {
    expect(print({ days: true })).toContain('    2024-03-01  ok           1,200 rows  version v2  run-1\n');
    expect(print()).not.toContain('    2024-03-01  ok');
  });
});
