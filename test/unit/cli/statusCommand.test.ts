import { describeLastRun } from '../../../src/cli/statusCommand';
import type { RunReport } from '../../../src/report/runReport';

const report = (fields: Partial<RunReport>) => ({ execution: 'run-1', endedAt: '2024-03-07T10:02:13.400Z', failedDays: [], ...fields }) as RunReport;

describe('describeLastRun', () => {
  it('says how to learn why and how to retry after a failed run', () => {
    const failed = report({ status: 'FAILED', failedDays: [{ table: 'access_records', day: '2024-03-05', error: 'x' }] });

    expect(describeLastRun(failed)).toBe(
      'last run: run-1 FAILED (2024-03-07T10:02:13.400Z), 1 day failed; `lakestep report` says why, `lakestep run --rerun run-1` retries them',
    );
  });

  it('says a rerun alone does not help days over the reject threshold', () => {
    const failed = report({ status: 'FAILED', failedDays: [{ table: 'access_records', day: '2024-03-05', error: 'RejectThresholdError: access_records 2024-03-05: 8 of 67 records rejected' }] });

    expect(describeLastRun(failed)).toContain(
      '`lakestep run --rerun run-1` retries them; days over the reject threshold fail again until their raw files are fixed or rejectThreshold is raised (their quarantined records are in _runs/run-1/rejected/)',
    );
  });

  it('names a run that failed on a check without failed days, and one that succeeded; nothing without a report', () => {
    expect(describeLastRun(report({ status: 'FAILED' }))).toBe('last run: run-1 FAILED (2024-03-07T10:02:13.400Z), 0 days failed; `lakestep report` says why');
    expect(describeLastRun(report({ status: 'SUCCEEDED', endedAt: undefined }))).toBe('last run: run-1 SUCCEEDED');
    expect(describeLastRun(undefined)).toBeUndefined();
  });
});
