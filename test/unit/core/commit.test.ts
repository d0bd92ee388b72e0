import { commitEntries, NO_DAY_STATUS_ERROR, NO_RESULT_ERROR } from '../../../src/core/commit';
import { dayRange } from '../../../src/core/days';
import { planDirtyDays } from '../../../src/core/plan';
import type { DayResult, Plan, RawPartitionState, RunInput, StepResult } from '../../../src/core/types';

const NOW = Date.UTC(2024, 2, 10, 6, 0);
const VERSION = 'c0ffeec0ffee';

const raw = (day: string, fingerprint = `fp-${day}`): RawPartitionState => ({
  dataset: 'access_records',
  day,
  fingerprint,
  objectCount: 1,
  bytes: 100,
});
const raws = (from: string, to: string) => dayRange(from, to).map((day) => raw(day));
const input: RunInput = {
  mode: 'incremental',
  executionId: 'exec-2',
  startedAtMs: NOW,
  datasets: ['access_records'],
  force: false,
  dryRun: false,
};

function planFor(
  observed: RawPartitionState[],
  ledgerRaw: RawPartitionState[] = [],
  maxDaysPerStep = 7,
  runInput = input,
): Plan {
  return planDirtyDays({
    executionId: 'exec-2',
    nowMs: NOW,
    input: runInput,
    datasets: [{ name: 'access_records', lateDays: 1 }],
    observed: { access_records: observed },
    ledgerRaw: { access_records: ledgerRaw },
    ledgerOutputs: {},
    stageVersions: { access_records: VERSION },
    maxDaysPerStep,
  });
}

const dayResult = (day: string, status: DayResult['status'] = 'succeeded', error?: DayResult['error']): DayResult => ({
  day,
  status,
  recordsIn: 100,
  recordsOut: 90,
  duplicatesDropped: 10,
  rejected: 2,
  late: 1,
  ...(error ? { error } : {}),
});

/** A result for every group of the plan: days in `failed` fail, the others succeed. */
const resultsFor = (plan: Plan, failed: string[] = []): StepResult[] =>
  plan.groups.map((group) => ({
    groupId: group.groupId,
    dataset: group.dataset,
    stageVersion: VERSION,
    days: group.days.map((day) =>
      failed.includes(day)
        ? dayResult(day, 'failed', { name: 'RejectThresholdError', message: 'too many rejects' })
        : dayResult(day),
    ),
    rejectedByReason: {},
    seconds: 3,
  }));

const commit = (plan: Plan, results: StepResult[]) =>
  commitEntries({ plan, results, executionId: 'exec-2', nowMs: NOW, lateDaysOf: () => 1 });

describe('commitEntries', () => {
  it('commits every day and every raw partition when all days succeeded', () => {
    const plan = planFor(raws('2024-03-01', '2024-03-03'));

    const entries = commit(plan, resultsFor(plan));

    expect(entries.failedDays).toEqual([]);
    expect(entries.succeededDays.map((d) => d.day)).toEqual(dayRange('2024-02-29', '2024-03-04'));
    expect(entries.raw).toEqual(raws('2024-03-01', '2024-03-03'));
    expect(entries.removedRaw).toEqual([]);
    expect(entries.outputs[0]).toEqual({
      dataset: 'access_records',
      day: '2024-02-29',
      stageVersion: VERSION,
      executionId: 'exec-2',
      committedAtMs: NOW,
      recordsIn: 100,
      recordsOut: 90,
      duplicatesDropped: 10,
      rejected: 2,
    });
  });

  it('holds back exactly the raw partitions that affect a failed day', () => {
    const plan = planFor(raws('2024-03-01', '2024-03-06'));

    const entries = commit(plan, resultsFor(plan, ['2024-03-02']));

    expect(entries.failedDays).toEqual([
      { dataset: 'access_records', day: '2024-03-02', error: 'RejectThresholdError: too many rejects' },
    ]);
    expect(entries.outputs.map((o) => o.day)).toEqual([
      '2024-02-29',
      '2024-03-01',
      ...dayRange('2024-03-03', '2024-03-07'),
    ]);
    // 2 March reads raw days 1…3 March: those stay dirty; 4…6 March affect only succeeded days
    expect(entries.raw.map((r) => r.day)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
  });

  it("leaves the next run exactly the failed day's dependencies to redo (idempotent)", () => {
    const observed = raws('2024-03-01', '2024-03-06');
    const plan = planFor(observed);
    const entries = commit(plan, resultsFor(plan, ['2024-03-02']));

    const next = planFor(observed, entries.raw);

    // the raw days held back (1…3 March) make their affected days dirty again, the failed one among them
    expect(next.days.map((d) => d.day)).toEqual(dayRange('2024-02-29', '2024-03-04'));
    expect(next.days.map((d) => d.day)).toContain('2024-03-02');

    const afterRetry = planFor(observed, [...entries.raw, ...commit(next, resultsFor(next)).raw]);
    expect(afterRetry.days).toEqual([]);
  });

  it('fails every day of a group that wrote no result, and holds back its raw partitions', () => {
    const plan = planFor([raw('2024-03-01'), raw('2024-03-10')]);
    const results = resultsFor(plan).filter((r) => r.groupId !== 'access_records-2024-03-09');

    const entries = commit(plan, results);

    expect(entries.failedDays).toEqual(
      ['2024-03-09', '2024-03-10', '2024-03-11'].map((day) => ({
        dataset: 'access_records',
        day,
        error: NO_RESULT_ERROR,
      })),
    );
    expect(entries.raw.map((r) => r.day)).toEqual(['2024-03-01']);
    expect(entries.succeededDays.map((d) => d.day)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02']);
  });

  it("fails a day its group's result does not mention", () => {
    const plan = planFor([raw('2024-03-05')]);
    const results = resultsFor(plan).map((r) => ({ ...r, days: r.days.filter((d) => d.day !== '2024-03-06') }));

    const entries = commit(plan, results);

    expect(entries.failedDays).toEqual([{ dataset: 'access_records', day: '2024-03-06', error: NO_DAY_STATUS_ERROR }]);
    expect(entries.raw).toEqual([]);
  });

  it('says so when a day failed without an error', () => {
    const plan = planFor([raw('2024-03-05')]);
    const results = resultsFor(plan).map((r) => ({
      ...r,
      days: r.days.map((d) => (d.day === '2024-03-05' ? dayResult(d.day, 'failed') : d)),
    }));

    const entries = commit(plan, results);

    expect(entries.failedDays).toEqual([
      { dataset: 'access_records', day: '2024-03-05', error: 'step reported the day failed without an error' },
    ]);
  });

  it('ignores results of groups not in the plan and days outside their group', () => {
    const plan = planFor([raw('2024-03-05')]);
    const stray: StepResult = {
      groupId: 'access_records-2020-01-01',
      dataset: 'access_records',
      stageVersion: VERSION,
      days: [dayResult('2020-01-01')],
      rejectedByReason: {},
      seconds: 1,
    };
    const results = resultsFor(plan).map((r) => ({ ...r, days: [...r.days, dayResult('2024-03-20')] }));

    const entries = commit(plan, [stray, ...results]);

    expect(entries.outputs.map((o) => o.day)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
  });

  it('counts the first of two results for one group', () => {
    const plan = planFor([raw('2024-03-05')]);
    const [good] = resultsFor(plan);
    const [bad] = resultsFor(plan, ['2024-03-05']);

    const entries = commit(plan, [bad, good]);

    expect(entries.failedDays.map((d) => d.day)).toEqual(['2024-03-05']);
  });

  it('records the stage version the step reports it ran', () => {
    const plan = planFor([raw('2024-03-05')]);
    const results = resultsFor(plan).map((r) => ({ ...r, stageVersion: 'abcabcabcabc' }));

    const entries = commit(plan, results);

    expect(new Set(entries.outputs.map((o) => o.stageVersion))).toEqual(new Set(['abcabcabcabc']));
  });

  it('removes a vanished raw partition only when all its affected days succeeded (removal accepted)', () => {
    const ledgerRaw = raws('2024-03-01', '2024-03-05');
    const observed = ledgerRaw.filter((r) => r.day !== '2024-03-03');
    const plan = planFor(observed, ledgerRaw, 7, { ...input, acceptRawRemoval: true });

    const failed = commit(plan, resultsFor(plan, ['2024-03-04']));
    const succeeded = commit(plan, resultsFor(plan));

    expect(failed.removedRaw).toEqual([]);
    expect(succeeded.removedRaw).toEqual([{ dataset: 'access_records', day: '2024-03-03' }]);
  });

  it('never commits a raw partition whose affected days were not all planned', () => {
    // a plan whose days stop short of 6 March, e.g. a backfill range that ends on 5 March
    const plan = planFor([raw('2024-03-05')]);
    const cut: Plan = {
      ...plan,
      days: plan.days.filter((d) => d.day !== '2024-03-06'),
      groups: [{ ...plan.groups[0], days: ['2024-03-04', '2024-03-05'] }],
      rawPartitions: [raw('2024-03-05')],
    };

    const entries = commit(cut, resultsFor(cut));

    expect(entries.succeededDays.map((d) => d.day)).toEqual(['2024-03-04', '2024-03-05']);
    expect(entries.raw).toEqual([]);
  });

  it("uses each dataset's own lateness to find the days a raw partition affects", () => {
    const plan = planFor([raw('2024-03-05')]);
    const entries0 = commitEntries({
      plan,
      results: resultsFor(plan, ['2024-03-04']),
      executionId: 'exec-2',
      nowMs: NOW,
      lateDaysOf: () => 0,
    });

    const entries1 = commit(plan, resultsFor(plan, ['2024-03-04']));

    // with lateDays 0 raw 5 March affects only 5 March (succeeded); with 1 it also affects the failed 4 March
    expect(entries0.raw.map((r) => r.day)).toEqual(['2024-03-05']);
    expect(entries1.raw).toEqual([]);
  });

  it('commits nothing for an empty plan', () => {
    const plan = planFor([], []);

    const entries = commit(plan, []);

    expect(entries).toEqual({ raw: [], outputs: [], removedRaw: [], failedDays: [], succeededDays: [] });
  });
});
