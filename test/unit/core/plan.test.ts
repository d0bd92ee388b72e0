import { addDays, dayRange } from '../../../src/core/days';
import { InputError } from '../../../src/core/errors';
import { continuationInput } from '../../../src/core/input';
import { describeReason } from '../../../src/core/dirtyReasons';
import { planExecution } from '../../../src/core/executions';
import { type PlanArgs, planDirtyDays } from '../../../src/core/plan';
import { groupDays } from '../../../src/core/stepGroups';
import type { OutputDayState, Plan, RawPartitionState, RunInput } from '../../../src/core/types';

const NOW = Date.UTC(2024, 2, 10, 6, 0);
const CURRENT = 'c0ffeec0ffee';
const OLD = '01d01d01d01d';
const ACCESS = { name: 'access_records', lateDays: 1 };

const raw = (day: string, fingerprint = `fp-${day}`, dataset = 'access_records'): RawPartitionState => ({
  dataset,
  day,
  fingerprint,
  objectCount: 1,
  bytes: 100,
});
const raws = (from: string, to: string, dataset = 'access_records') =>
  dayRange(from, to).map((day) => raw(day, `fp-${day}`, dataset));
const output = (day: string, stageVersion: string, dataset = 'access_records'): OutputDayState => ({
  dataset,
  day,
  stageVersion,
  executionId: 'exec-1',
  committedAtMs: NOW - 86_400_000,
  recordsIn: 10,
  recordsOut: 9,
  duplicatesDropped: 1,
  rejected: 0,
});
const runInput = (over: Partial<RunInput> = {}): RunInput => ({
  mode: 'incremental',
  executionId: 'exec-2',
  startedAtMs: NOW,
  datasets: ['access_records'],
  force: false,
  dryRun: false,
  ...over,
});
const planArgs = (over: Partial<PlanArgs> = {}): PlanArgs => ({
  executionId: 'exec-2',
  nowMs: NOW,
  input: runInput(),
  datasets: [ACCESS],
  observed: {},
  ledgerRaw: {},
  ledgerOutputs: {},
  stageVersions: { access_records: CURRENT },
  maxDaysPerStep: 7,
  ...over,
});
const daysOf = (plan: Plan) => plan.days.map((d) => d.day);
const reasonsOf = (plan: Plan, day: string, dataset = 'access_records') =>
  plan.days.find((d) => d.dataset === dataset && d.day === day)?.reasons;

describe('planDirtyDays', () => {
  describe('incremental', () => {
    it('plans every day the first raw days can affect, the day before the first raw day included', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };

      const plan = planDirtyDays(planArgs({ observed }));

      expect(daysOf(plan)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04']);
      // first day of dataset: 29 Feb holds records that arrived on 1 March, the first raw day
      expect(reasonsOf(plan, '2024-02-29')).toEqual([{ kind: 'new_raw', rawDay: '2024-03-01' }]);
      expect(reasonsOf(plan, '2024-03-02')).toEqual([
        { kind: 'new_raw', rawDay: '2024-03-01' },
        { kind: 'new_raw', rawDay: '2024-03-02' },
        { kind: 'new_raw', rawDay: '2024-03-03' },
      ]);
      expect(plan.rawPartitions).toEqual(observed.access_records);
      expect(plan.removedRawDays).toEqual([]);
      expect(plan.groups).toEqual([
        {
          groupId: 'access_records-2024-02-29',
          dataset: 'access_records',
          phase: 0,
          period: 'day',
          days: ['2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04'],
          rawDays: dayRange('2024-02-28', '2024-03-05'),
          reads: [],
        },
      ]);
    });

    it('plans nothing on a second run with nothing new', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-03') };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw }));

      expect(plan.days).toEqual([]);
      expect(plan.groups).toEqual([]);
      expect(plan.rawPartitions).toEqual([]);
      expect(plan.removedRawDays).toEqual([]);
    });

    it('recomputes exactly the three days a late file can affect (lateDays 1)', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-06') };
      const lateFile = raw('2024-03-04', 'fp-with-late-file');
      const observed = { access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-04' ? lateFile : s)) };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw }));

      expect(plan.days).toEqual(
        ['2024-03-03', '2024-03-04', '2024-03-05'].map((day) => ({
          dataset: 'access_records',
          day,
          reasons: [{ kind: 'late_file', rawDay: '2024-03-04' }],
        })),
      );
      expect(plan.rawPartitions).toEqual([lateFile]);
      expect(plan.groups.map((g) => [g.groupId, g.rawDays[0], g.rawDays[g.rawDays.length - 1]])).toEqual([
        ['access_records-2024-03-03', '2024-03-02', '2024-03-06'],
      ]);
    });

    it("recomputes only the late file's own day with lateDays 0", () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-06') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-04' ? raw(s.day, 'changed') : s)),
      };

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw, datasets: [{ name: 'access_records', lateDays: 0 }] }),
      );

      expect(daysOf(plan)).toEqual(['2024-03-04']);
      expect(plan.groups[0].rawDays).toEqual(['2024-03-04']);
    });

    it('recomputes five days around a late file with lateDays 2, across a year boundary', () => {
      const ledgerRaw = { access_records: raws('2023-12-20', '2024-01-10') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-01-01' ? raw(s.day, 'changed') : s)),
      };

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw, datasets: [{ name: 'access_records', lateDays: 2 }] }),
      );

      expect(daysOf(plan)).toEqual(['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-02', '2024-01-03']);
      expect(plan.groups.map((g) => g.groupId)).toEqual(['access_records-2023-12-30']);
      expect(plan.groups[0].rawDays).toEqual(dayRange('2023-12-28', '2024-01-05'));
    });

    it('plans a new arrival day and the day after it, whose window holds it', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-03') };
      const observed = { access_records: raws('2024-03-01', '2024-03-04') };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw }));

      expect(daysOf(plan)).toEqual(['2024-03-03', '2024-03-04', '2024-03-05']);
      expect(reasonsOf(plan, '2024-03-05')).toEqual([{ kind: 'new_raw', rawDay: '2024-03-04' }]);
      expect(plan.rawPartitions).toEqual([raw('2024-03-04')]);
    });

    it('accumulates reasons on a day touched by several changed raw days', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = {
        access_records: [
          ...ledgerRaw.access_records.map((s) => (s.day === '2024-03-02' ? raw(s.day, 'changed') : s)),
          raw('2024-03-06'),
        ].reverse(), // listing order must not matter
      };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw }));

      expect(daysOf(plan)).toEqual([
        '2024-03-01',
        '2024-03-02',
        '2024-03-03',
        '2024-03-05',
        '2024-03-06',
        '2024-03-07',
      ]);
      expect(plan.groups.map((g) => g.days.length)).toEqual([3, 3]);
      expect(reasonsOf(plan, '2024-03-03')).toEqual([{ kind: 'late_file', rawDay: '2024-03-02' }]);

      const both = planDirtyDays(
        planArgs({
          observed: { access_records: [...observed.access_records, raw('2024-03-04', 'changed')] },
          ledgerRaw,
        }),
      );
      expect(reasonsOf(both, '2024-03-05')).toEqual([
        { kind: 'new_raw', rawDay: '2024-03-06' },
        { kind: 'late_file', rawDay: '2024-03-04' },
      ]);
    });

    it('treats a dataset missing from observed and ledger as empty', () => {
      const args = planArgs({ observed: {}, ledgerRaw: {} });

      const plan = planDirtyDays(args);

      expect(plan.days).toEqual([]);
      expect(plan.stageVersions).toEqual({ access_records: CURRENT });
    });
  });

  describe('removed raw partitions', () => {
    const accepting = runInput({ acceptRawRemoval: true });

    it('without acceptRawRemoval keeps every day a removed raw day reaches, for any reason, and reports the raw day', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      // 03-03 is gone; 03-04 has a late file, whose days 03-03 … 03-05 include one 03-03 reaches
      const observed = {
        access_records: [...raws('2024-03-01', '2024-03-02'), raw('2024-03-04', 'fp-late'), raw('2024-03-05')],
      };
      const forced = runInput({ mode: 'backfill', from: '2024-03-01', to: '2024-03-06', force: true });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw }));
      const backfill = planDirtyDays(planArgs({ observed, ledgerRaw, input: forced }));

      expect(daysOf(plan)).toEqual(['2024-03-05']);
      expect(plan.missingRawDays).toEqual([{ dataset: 'access_records', day: '2024-03-03' }]);
      expect(plan.removedRawDays).toEqual([]);
      // the late file's partition reaches a kept day: it stays dirty, so accepting later recomputes that day too
      expect(plan.rawPartitions).toEqual([]);
      expect(daysOf(backfill)).toEqual(['2024-03-01', '2024-03-05', '2024-03-06']);
    });

    it('rewrites the days a removed raw day affected and lists it for removal', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = { access_records: ledgerRaw.access_records.filter((s) => s.day !== '2024-03-03') };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input: accepting }));

      expect(daysOf(plan)).toEqual(['2024-03-02', '2024-03-03', '2024-03-04']);
      expect(reasonsOf(plan, '2024-03-03')).toEqual([{ kind: 'removed_raw', rawDay: '2024-03-03' }]);
      expect(plan.removedRawDays).toEqual([{ dataset: 'access_records', day: '2024-03-03' }]);
      expect(plan.rawPartitions).toEqual([]);
    });

    it('rewrites the affected days to empty even when no raw data is left', () => {
      const ledgerRaw = { access_records: [raw('2024-03-05')] };
      const observed = { access_records: [] };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input: accepting }));

      expect(daysOf(plan)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
      expect(plan.removedRawDays).toEqual([{ dataset: 'access_records', day: '2024-03-05' }]);
      expect(plan.groups.map((g) => g.groupId)).toEqual(['access_records-2024-03-04']);
    });
  });

  describe('backfill', () => {
    it('with force recomputes every day of the range that has raw input in its window', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-03') };
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };
      // range overlaps start: 27 and 28 Feb have no raw day in their windows; 29 Feb has 1 March
      const input = runInput({ mode: 'backfill', from: '2024-02-27', to: '2024-03-10', force: true });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input }));

      expect(daysOf(plan)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04']);
      expect(plan.days.every((d) => d.reasons.length === 1 && d.reasons[0].kind === 'forced')).toBe(true);
      expect(plan.rawPartitions).toEqual([]);
    });

    it('with force on a range inside the data plans exactly the range', () => {
      const observed = { access_records: raws('2024-01-01', '2024-03-31') };
      const input = runInput({ mode: 'backfill', from: '2024-02-27', to: '2024-03-02', force: true });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw: observed, input }));

      expect(daysOf(plan)).toEqual(dayRange('2024-02-27', '2024-03-02'));
      expect(plan.groups).toEqual([
        {
          groupId: 'access_records-2024-02-27',
          dataset: 'access_records',
          phase: 0,
          period: 'day',
          days: dayRange('2024-02-27', '2024-03-02'),
          rawDays: dayRange('2024-02-26', '2024-03-03'),
          reads: [],
        },
      ]);
    });

    it('with force adds the raw-data reasons of a day to `forced`', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-03' ? raw(s.day, 'changed') : s)),
      };
      const input = runInput({ mode: 'backfill', from: '2024-03-01', to: '2024-03-05', force: true });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input }));

      expect(reasonsOf(plan, '2024-03-03')).toEqual([{ kind: 'late_file', rawDay: '2024-03-03' }, { kind: 'forced' }]);
      expect(reasonsOf(plan, '2024-03-01')).toEqual([{ kind: 'forced' }]);
      expect(plan.rawPartitions).toEqual([raw('2024-03-03', 'changed')]);
    });

    it('without force plans only the dirty days inside the range', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-10') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) =>
          s.day === '2024-03-02' || s.day === '2024-03-08' ? raw(s.day, 'changed') : s,
        ),
      };
      // range overlaps the affected days of 8 March at its start
      const input = runInput({ mode: 'backfill', from: '2024-03-08', to: '2024-03-20' });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input }));

      expect(daysOf(plan)).toEqual(['2024-03-08', '2024-03-09']);
      // 8 March also affects 7 March, outside the range: its fingerprint must wait for a run that covers it
      expect(plan.rawPartitions).toEqual([]);
    });

    it('without force commits a changed raw day whose affected days all lie inside the range', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-10') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-05' ? raw(s.day, 'changed') : s)),
      };
      const input = runInput({ mode: 'backfill', from: '2024-03-01', to: '2024-03-10' });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input }));

      expect(daysOf(plan)).toEqual(['2024-03-04', '2024-03-05', '2024-03-06']);
      expect(plan.rawPartitions).toEqual([raw('2024-03-05', 'changed')]);
    });
  });

  describe('force without a range', () => {
    it('recomputes every day that has raw input in its window', () => {
      const observed = { access_records: [raw('2024-03-01'), raw('2024-03-05')] };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw: observed, input: runInput({ force: true }) }));

      expect(daysOf(plan)).toEqual([
        '2024-02-29',
        '2024-03-01',
        '2024-03-02',
        '2024-03-04',
        '2024-03-05',
        '2024-03-06',
      ]);
      expect(plan.groups.map((g) => g.groupId)).toEqual(['access_records-2024-02-29', 'access_records-2024-03-04']);
    });
  });

  describe('stale', () => {
    it('recomputes the days an older stage version produced, naming both versions', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };
      const ledgerOutputs = {
        access_records: [output('2024-03-01', OLD), output('2024-03-02', CURRENT), output('2024-03-03', OLD)],
      };

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw: observed, ledgerOutputs, input: runInput({ mode: 'stale' }) }),
      );

      expect(plan.days).toEqual([
        {
          dataset: 'access_records',
          day: '2024-03-01',
          reasons: [{ kind: 'stale', producedBy: OLD, current: CURRENT }],
        },
        {
          dataset: 'access_records',
          day: '2024-03-03',
          reasons: [{ kind: 'stale', producedBy: OLD, current: CURRENT }],
        },
      ]);
      expect(plan.groups.map((g) => g.days)).toEqual([['2024-03-01'], ['2024-03-03']]);
    });

    it('recomputes only the stale days within from…to when a range is given', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };
      const ledgerOutputs = {
        access_records: [output('2024-03-01', OLD), output('2024-03-02', OLD), output('2024-03-03', OLD)],
      };

      const plan = planDirtyDays(
        planArgs({
          observed,
          ledgerRaw: observed,
          ledgerOutputs,
          input: runInput({ mode: 'stale', from: '2024-03-02', to: '2024-03-03' }),
        }),
      );

      expect(daysOf(plan)).toEqual(['2024-03-02', '2024-03-03']);
    });

    it('also picks up changed raw data, and a day can be both stale and late', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-03') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-03' ? raw(s.day, 'changed') : s)),
      };
      const ledgerOutputs = { access_records: [output('2024-03-02', OLD)] };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, ledgerOutputs, input: runInput({ mode: 'stale' }) }));

      expect(daysOf(plan)).toEqual(['2024-03-02', '2024-03-03', '2024-03-04']);
      expect(reasonsOf(plan, '2024-03-02')).toEqual([
        { kind: 'late_file', rawDay: '2024-03-03' },
        { kind: 'stale', producedBy: OLD, current: CURRENT },
      ]);
    });

    it('skips a stale day whose window holds no raw data any more', () => {
      const observed = { access_records: [raw('2024-03-10')] };
      const ledgerOutputs = { access_records: [output('2024-03-01', OLD)] };

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw: observed, ledgerOutputs, input: runInput({ mode: 'stale' }) }),
      );

      expect(plan.days).toEqual([]);
    });

    it('is not looked at outside mode stale', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-03') };
      const ledgerOutputs = { access_records: [output('2024-03-02', OLD)] };

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw: observed, ledgerOutputs }));

      expect(plan.days).toEqual([]);
    });
  });

  describe('rerun', () => {
    it('recomputes exactly the given days of the earlier execution, and nothing new', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = { access_records: [...ledgerRaw.access_records, raw('2024-03-20')] };
      const rerunDays = [
        { dataset: 'access_records', day: '2024-03-02' },
        { dataset: 'access_records', day: '2024-03-02' }, // duplicates collapse
        { dataset: 'access_records', day: '2024-03-03' },
        { dataset: 'other', day: '2024-03-03' }, // not a dataset of this run
      ];
      const input = runInput({ mode: 'rerun', rerunOf: 'exec-1' });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw, input, rerunDays }));

      expect(plan.days).toEqual(
        ['2024-03-02', '2024-03-03'].map((day) => ({
          dataset: 'access_records',
          day,
          reasons: [{ kind: 'rerun', executionId: 'exec-1' }],
        })),
      );
      // 20 March is new but not part of a rerun: its fingerprint stays uncommitted for the next run
      expect(plan.rawPartitions).toEqual([]);
    });

    it('shows the raw-data reasons of a rerun day too', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = {
        access_records: ledgerRaw.access_records.map((s) => (s.day === '2024-03-02' ? raw(s.day, 'changed') : s)),
      };
      const input = runInput({ mode: 'rerun', rerunOf: 'exec-1' });

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw, input, rerunDays: [{ dataset: 'access_records', day: '2024-03-02' }] }),
      );

      expect(plan.days).toEqual([
        {
          dataset: 'access_records',
          day: '2024-03-02',
          reasons: [
            { kind: 'late_file', rawDay: '2024-03-02' },
            { kind: 'rerun', executionId: 'exec-1' },
          ],
        },
      ]);
    });

    it('plans nothing without rerun days', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-05') };

      const plan = planDirtyDays(
        planArgs({ observed, ledgerRaw: {}, input: runInput({ mode: 'rerun', rerunOf: 'exec-1' }) }),
      );

      expect(plan.days).toEqual([]);
    });
  });

  describe('groups', () => {
    it('split a long run at maxDaysPerStep, each reading its own raw range', () => {
      const observed = { access_records: raws('2024-02-24', '2024-03-05') };
      const input = runInput({ mode: 'backfill', from: '2024-02-25', to: '2024-03-05', force: true }); // 10 days

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw: observed, input, maxDaysPerStep: 7 }));

      expect(plan.groups).toEqual([
        {
          groupId: 'access_records-2024-02-25',
          dataset: 'access_records',
          phase: 0,
          period: 'day',
          days: dayRange('2024-02-25', '2024-03-02'),
          rawDays: dayRange('2024-02-24', '2024-03-03'),
          reads: [],
        },
        {
          groupId: 'access_records-2024-03-03',
          dataset: 'access_records',
          phase: 0,
          period: 'day',
          days: dayRange('2024-03-03', '2024-03-05'),
          rawDays: dayRange('2024-03-02', '2024-03-06'),
          reads: [],
        },
      ]);
    });

    it('keep a run of exactly maxDaysPerStep days whole', () => {
      const observed = { access_records: raws('2024-03-01', '2024-03-10') };
      const input = runInput({ mode: 'backfill', from: '2024-03-01', to: '2024-03-07', force: true });

      const plan = planDirtyDays(planArgs({ observed, ledgerRaw: observed, input, maxDaysPerStep: 7 }));

      expect(plan.groups.map((g) => g.days.length)).toEqual([7]);
    });

    it('give every day its own group with maxDaysPerStep 1', () => {
      const observed = { access_records: [raw('2024-03-05')] };

      const plan = planDirtyDays(planArgs({ observed, maxDaysPerStep: 1 }));

      expect(plan.groups.map((g) => [g.groupId, g.days, g.rawDays])).toEqual([
        ['access_records-2024-03-04', ['2024-03-04'], ['2024-03-03', '2024-03-04', '2024-03-05']],
        ['access_records-2024-03-05', ['2024-03-05'], ['2024-03-04', '2024-03-05', '2024-03-06']],
        ['access_records-2024-03-06', ['2024-03-06'], ['2024-03-05', '2024-03-06', '2024-03-07']],
      ]);
    });

    it('cover every planned day exactly once, contiguous and ascending', () => {
      const observed = { access_records: [...raws('2023-12-01', '2024-01-20'), ...raws('2024-02-10', '2024-03-01')] };

      const plan = planDirtyDays(planArgs({ observed, maxDaysPerStep: 5 }));

      expect(plan.groups.flatMap((g) => g.days)).toEqual(daysOf(plan));
      expect(plan.groups.every((g) => g.days.length <= 5)).toBe(true);
      expect(new Set(plan.groups.map((g) => g.groupId)).size).toBe(plan.groups.length);
    });
  });

  describe('datasets', () => {
    it('plans each dataset with its own lateness, ordered by name, skipping those not asked for', () => {
      const datasets = [
        { name: 'zeta', lateDays: 0 },
        { name: 'access_records', lateDays: 2 },
        { name: 'not_asked', lateDays: 1 },
      ];
      const observed = {
        zeta: [raw('2024-03-05', 'z', 'zeta')],
        access_records: [raw('2024-03-05')],
        not_asked: [raw('2024-03-05', 'n', 'not_asked')],
      };
      const input = runInput({ datasets: ['access_records', 'zeta'] });

      const plan = planDirtyDays(
        planArgs({ datasets, observed, input, stageVersions: { access_records: CURRENT, zeta: 'zzzzzzzzzzzz' } }),
      );

      expect(plan.days.map((d) => `${d.dataset} ${d.day}`)).toEqual([
        'access_records 2024-03-03',
        'access_records 2024-03-04',
        'access_records 2024-03-05',
        'access_records 2024-03-06',
        'access_records 2024-03-07',
        'zeta 2024-03-05',
      ]);
      expect(plan.groups.map((g) => g.groupId)).toEqual(['access_records-2024-03-03', 'zeta-2024-03-05']);
      expect(plan.stageVersions).toEqual({ access_records: CURRENT, zeta: 'zzzzzzzzzzzz' });
    });
  });

  describe('the plan', () => {
    it('is deterministic, independent of listing order and JSON-safe', () => {
      const ledgerRaw = { access_records: raws('2024-03-01', '2024-03-05') };
      const observed = {
        access_records: [
          ...raws('2024-03-02', '2024-03-05').map((s) => (s.day === '2024-03-03' ? raw(s.day, 'x') : s)),
          raw('2024-03-09'),
        ],
      };
      const args = planArgs({ observed, ledgerRaw });

      const first = planDirtyDays(args);
      const second = planDirtyDays({
        ...args,
        observed: { access_records: [...observed.access_records].reverse() },
        ledgerRaw: { access_records: [...ledgerRaw.access_records].reverse() },
      });

      expect(second).toEqual(first);
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);
      expect(first.executionId).toBe('exec-2');
      expect(first.createdAtMs).toBe(NOW);
    });

    it('refuses maxDaysPerStep below 1', () => {
      const args = planArgs({ maxDaysPerStep: 0 });

      const act = () => planDirtyDays(args);

      expect(act).toThrow(InputError);
      expect(act).toThrow('maxDaysPerStep: 0 is not a whole number ≥ 1');
    });

    it('refuses a dataset without a stage version', () => {
      const args = planArgs({ stageVersions: {} });

      const act = () => planDirtyDays(args);

      expect(act).toThrow('stageVersions.access_records: missing');
    });
  });
});

describe('groupDays', () => {
  it('splits at gaps and at maxDaysPerStep', () => {
    const days = ['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-03'];

    const groups = groupDays('access_records', 0, days, 2);

    expect(groups.map((g) => g.days)).toEqual([['2023-12-30', '2023-12-31'], ['2024-01-01'], ['2024-01-03']]);
  });

  it('is empty for no days', () => {
    const days: string[] = [];

    const groups = groupDays('access_records', 1, days, 7);

    expect(groups).toEqual([]);
  });
});

describe('describeReason', () => {
  it.each([
    [{ kind: 'new_raw', rawDay: '2024-03-05' } as const, 'new raw data in arrival day 2024-03-05'],
    [{ kind: 'late_file', rawDay: '2024-03-05' } as const, 'a late file in arrival day 2024-03-05'],
    [{ kind: 'removed_raw', rawDay: '2024-03-05' } as const, 'raw arrival day 2024-03-05 was removed'],
    [{ kind: 'forced' } as const, 'forced'],
    [
      { kind: 'stale', producedBy: OLD, current: CURRENT } as const,
      `stale (made by stage version ${OLD}, current ${CURRENT})`,
    ],
    [{ kind: 'rerun', executionId: 'exec-1' } as const, 'rerun of execution exec-1'],
    // by its name: a local run's ARN is made up
    [
      {
        kind: 'rerun',
        executionId: 'arn:aws:states:us-east-1:000000000000:execution:lakestep-local-pipeline:run-1',
      } as const,
      'rerun of execution run-1',
    ],
  ])('says why for %j', (reason, expected) => {
    const text = describeReason(reason);

    expect(text).toBe(expected);
  });
});

// The Synapse tables' read graph, for the describes below: node_snapshots (raw, lateness 0) → file_downloads
// (raw, reads node_snapshots D−1…D+1) → project_downloads_daily (28-day window); access_records → client_share_4w (weekly)
const SNAPSHOTS = { name: 'node_snapshots', lateDays: 0 };
const DOWNLOADS = {
  name: 'file_downloads',
  lateDays: 1,
  reads: [{ table: 'node_snapshots', fromDays: -1, toDays: 1 }],
};
const DAILY = {
  name: 'project_downloads_daily',
  period: 'day' as const,
  reads: [{ table: 'file_downloads', fromDays: -27, toDays: 0 }],
};
const WEEKLY = {
  name: 'client_share_4w',
  period: 'week' as const,
  reads: [{ table: 'access_records', fromDays: -21, toDays: 6 }],
};
const versions = {
  access_records: CURRENT,
  node_snapshots: CURRENT,
  file_downloads: CURRENT,
  project_downloads_daily: CURRENT,
  client_share_4w: CURRENT,
};

describe('planDirtyDays with tables that read processed tables', () => {
  // node_snapshots (raw, lateness 0) → file_downloads (raw, reads node_snapshots D−1…D+1) → project_downloads_daily (28-day window)
  const all = ['access_records', 'node_snapshots', 'file_downloads', 'project_downloads_daily', 'client_share_4w'];
  const graphArgs = (over: Partial<PlanArgs> = {}) =>
    planArgs({
      datasets: [ACCESS, SNAPSHOTS, DOWNLOADS],
      aggregates: [DAILY, WEEKLY],
      stageVersions: versions,
      input: runInput({ datasets: all }),
      ...over,
    });

  it('recomputes a 28-day aggregate for every day whose window holds a recomputed day, never after today', () => {
    // a project with downloads on a single day: 2024-03-01 arrives alone
    const observed = { file_downloads: [raw('2024-03-01', 'fp', 'file_downloads')] };

    const plan = planDirtyDays(graphArgs({ observed }));

    const daily = plan.days.filter((d) => d.dataset === 'project_downloads_daily').map((d) => d.day);
    expect(daily).toEqual(dayRange('2024-02-29', '2024-03-10')); // today is 2024-03-10
    expect(reasonsOf(plan, '2024-03-05', 'project_downloads_daily')).toEqual([
      { kind: 'upstream', table: 'file_downloads', from: '2024-02-29', to: '2024-03-02' },
    ]);
  });

  it('orders the tables in phases, each group reading the union of its days’ windows', () => {
    const observed = {
      node_snapshots: [raw('2024-03-05', 'fp', 'node_snapshots')],
      file_downloads: raws('2024-03-04', '2024-03-06', 'file_downloads'),
    };

    const plan = planDirtyDays(graphArgs({ observed }));

    expect([...new Map(plan.groups.map((g) => [g.dataset, g.phase]))]).toEqual([
      ['node_snapshots', 0],
      ['file_downloads', 1],
      ['project_downloads_daily', 2],
    ]);
    expect(plan.groups.map((g) => g.phase)).toEqual([...plan.groups.map((g) => g.phase)].sort());
    const downloads = plan.groups.find((g) => g.dataset === 'file_downloads');
    expect(downloads?.days).toEqual(dayRange('2024-03-03', '2024-03-07'));
    expect(downloads?.reads).toEqual([{ table: 'node_snapshots', from: '2024-03-02', to: '2024-03-08' }]);
    // a snapshot day changes the downloads of the day before, the day and the day after
    expect(reasonsOf(plan, '2024-03-06', 'file_downloads')).toContainEqual({
      kind: 'upstream',
      table: 'node_snapshots',
      from: '2024-03-05',
      to: '2024-03-05',
    });
    expect(reasonsOf(plan, '2024-03-04', 'file_downloads')).toContainEqual({
      kind: 'upstream',
      table: 'node_snapshots',
      from: '2024-03-05',
      to: '2024-03-05',
    });
    expect(reasonsOf(plan, '2024-03-07', 'file_downloads')).toEqual([{ kind: 'new_raw', rawDay: '2024-03-06' }]); // reads snapshots 03-06 … 03-08 only
  });

  it('plans a weekly aggregate at the Mondays of the 4 weeks a recomputed day falls in, across a year boundary', () => {
    const observed = { access_records: [raw('2023-12-31')] }; // days 2023-12-30 … 2024-01-01

    const plan = planDirtyDays(graphArgs({ observed, nowMs: Date.UTC(2024, 1, 1) }));

    const weekly = plan.groups.filter((g) => g.dataset === 'client_share_4w');
    expect(weekly.map((g) => g.days)).toEqual([['2023-12-25', '2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22']]);
    expect(weekly[0].period).toBe('week');
    expect(weekly[0].reads).toEqual([{ table: 'access_records', from: '2023-12-04', to: '2024-01-28' }]);
  });

  it('plans nothing downstream when nothing upstream changed', () => {
    const observed = { file_downloads: [raw('2024-03-01', 'fp', 'file_downloads')] };

    const plan = planDirtyDays(graphArgs({ observed, ledgerRaw: observed }));

    expect(plan.days).toEqual([]);
    expect(plan.groups).toEqual([]);
  });

  it('forces an aggregate range on its own, and a weekly one at the Mondays in range', () => {
    const input = runInput({
      mode: 'backfill',
      from: '2024-03-01',
      to: '2024-03-10',
      force: true,
      datasets: ['project_downloads_daily', 'client_share_4w'],
    });

    const plan = planDirtyDays(graphArgs({ input }));

    expect(plan.days.filter((d) => d.dataset === 'project_downloads_daily').map((d) => d.day)).toEqual(
      dayRange('2024-03-01', '2024-03-10'),
    );
    expect(plan.days.filter((d) => d.dataset === 'client_share_4w').map((d) => d.day)).toEqual(['2024-03-04']);
  });
});

describe('planDirtyDays selection: the tables asked for and those that read them', () => {
  // access_records → client_share_4w (weekly);
  // node_snapshots → file_downloads (reads D−1…D+1) → project_downloads_daily (28 days)
  // every raw-fed dataset has raw days 03-01 … 03-07, all committed: nothing is dirty by itself
  const lake = {
    access_records: raws('2024-03-01', '2024-03-07'),
    node_snapshots: raws('2024-03-01', '2024-03-07', 'node_snapshots'),
    file_downloads: raws('2024-03-01', '2024-03-07', 'file_downloads'),
  };
  const selectionArgs = (input: Partial<RunInput>, over: Partial<PlanArgs> = {}) =>
    planArgs({
      datasets: [ACCESS, SNAPSHOTS, DOWNLOADS],
      aggregates: [DAILY, WEEKLY],
      stageVersions: versions,
      observed: lake,
      ledgerRaw: lake,
      input: runInput(input),
      ...over,
    });
  /** `table first…last` per planned table, in plan order */
  const spans = (plan: Plan) =>
    [...new Set(plan.days.map((d) => d.dataset))].map((table) => {
      const days = plan.days.filter((d) => d.dataset === table).map((d) => d.day);
      return `${table} ${days[0]}…${days[days.length - 1]} (${days.length})`;
    });
  const onlyUpstream = (plan: Plan, table: string) =>
    plan.days.filter((d) => d.dataset === table).every((d) => d.reasons.every((r) => r.kind === 'upstream'));

  // Each selection kind, with the readers (default) and without them (--no-downstream).
  const forced = { mode: 'backfill' as const, from: '2024-03-03', to: '2024-03-05', force: true };
  const lateSnapshot = {
    observed: {
      ...lake,
      node_snapshots: lake.node_snapshots.map((s) =>
        s.day === '2024-03-04' ? raw(s.day, 'late', 'node_snapshots') : s,
      ),
    },
  };
  const cases: [string, Partial<RunInput>, Partial<PlanArgs>][] = [
    ['--force --from/--to', forced, {}],
    [
      '--from/--to (a late file inside the range)',
      { mode: 'backfill', from: '2024-03-01', to: '2024-03-07' },
      lateSnapshot,
    ],
    ['a plain run (a late file)', {}, lateSnapshot],
    [
      '--stale',
      { mode: 'stale' },
      { ledgerOutputs: { node_snapshots: [output('2024-03-04', OLD, 'node_snapshots')] } },
    ],
    [
      '--rerun',
      { mode: 'rerun', rerunOf: 'exec-1' },
      { rerunDays: [{ dataset: 'node_snapshots', day: '2024-03-04' }] },
    ],
  ];

  it.each(cases)(
    '%s --dataset node_snapshots recomputes the downloads and daily aggregate days reading it',
    (_, input, over) => {
      const plan = planDirtyDays(selectionArgs({ ...input, datasets: ['node_snapshots'] }, over));

      const snapshotDays = plan.days.filter((d) => d.dataset === 'node_snapshots').map((d) => d.day);
      const first = snapshotDays[0];
      const last = snapshotDays[snapshotDays.length - 1];
      // a snapshot day changes the downloads of the day before, the day and the day after …
      expect(plan.days.filter((d) => d.dataset === 'file_downloads').map((d) => d.day)).toEqual(
        dayRange(addDays(first, -1), addDays(last, 1)),
      );
      // … and every 28-day window holding one of those, up to today (2024-03-10)
      expect(plan.days.filter((d) => d.dataset === 'project_downloads_daily').map((d) => d.day)).toEqual(
        dayRange(addDays(first, -1), '2024-03-10'),
      );
      expect(onlyUpstream(plan, 'file_downloads') && onlyUpstream(plan, 'project_downloads_daily')).toBe(true);
      expect([...new Map(plan.groups.map((g) => [g.dataset, g.phase]))]).toEqual([
        ['node_snapshots', 0],
        ['file_downloads', 1],
        ['project_downloads_daily', 2],
      ]);
      // nothing of the other branch: access_records and client_share_4w read no snapshot
      expect(plan.days.some((d) => d.dataset === 'access_records' || d.dataset === 'client_share_4w')).toBe(false);
    },
  );

  it.each(cases)('%s --dataset node_snapshots --no-downstream recomputes node_snapshots alone', (_, input, over) => {
    const withReaders = planDirtyDays(selectionArgs({ ...input, datasets: ['node_snapshots'] }, over));

    const plan = planDirtyDays(selectionArgs({ ...input, datasets: ['node_snapshots'], downstream: false }, over));

    expect(plan.days).toEqual(withReaders.days.filter((d) => d.dataset === 'node_snapshots'));
    expect(plan.days.length).toBeGreaterThan(0);
    expect(plan.groups.map((g) => g.dataset)).toEqual(['node_snapshots']);
    expect(plan.rawPartitions).toEqual(withReaders.rawPartitions);
  });

  it('recomputes the aggregate of a raw-fed table asked for, and leaves it out with --no-downstream', () => {
    const input = { ...forced, datasets: ['access_records'] };

    expect(spans(planDirtyDays(selectionArgs(input)))).toEqual([
      'access_records 2024-03-03…2024-03-05 (3)',
      'client_share_4w 2024-02-26…2024-03-04 (2)', // the Mondays whose 4 weeks hold 03-03 … 03-05, none after today
    ]);
    expect(spans(planDirtyDays(selectionArgs({ ...input, downstream: false })))).toEqual([
      'access_records 2024-03-03…2024-03-05 (3)',
    ]);
  });

  it('follows reads downstream only: file_downloads brings its aggregate, not the snapshots it reads', () => {
    const plan = planDirtyDays(selectionArgs({ ...forced, datasets: ['file_downloads'] }));

    expect(spans(plan)).toEqual([
      'file_downloads 2024-03-03…2024-03-05 (3)',
      'project_downloads_daily 2024-03-03…2024-03-10 (8)',
    ]);
  });

  it('gives a reader no day of its own: its own dirty raw days and stale days wait for a run that selects it', () => {
    // file_downloads has a new raw day 03-08 and a stale day 03-01; neither reads a recomputed snapshot
    const observed = { ...lake, file_downloads: [...lake.file_downloads, raw('2024-03-08', 'new', 'file_downloads')] };
    const ledgerOutputs = {
      node_snapshots: [output('2024-03-04', OLD, 'node_snapshots')],
      file_downloads: [output('2024-03-01', OLD, 'file_downloads')],
    };

    const input = { mode: 'stale' as const, datasets: ['node_snapshots'] };

    const plan = planDirtyDays(selectionArgs(input, { observed, ledgerOutputs }));

    expect(plan.days.filter((d) => d.dataset === 'file_downloads').map((d) => d.day)).toEqual(
      dayRange('2024-03-03', '2024-03-05'),
    );
    // the new raw day of a table planned only as a reader is not committed: the next plain run plans its days
    expect(plan.rawPartitions).toEqual([]);
  });

  it('skips a reader day with no raw input of its own in its window', () => {
    // a new snapshot on 03-09 reaches downloads 03-08 … 03-10; downloads' raw days end at 03-07,
    // which only the window of 03-08 (raw 03-07 … 03-09) holds
    const observed = { ...lake, node_snapshots: [...lake.node_snapshots, raw('2024-03-09', 'new', 'node_snapshots')] };

    const plan = planDirtyDays(selectionArgs({ datasets: ['node_snapshots'] }, { observed }));

    expect(plan.days.filter((d) => d.dataset === 'file_downloads').map((d) => d.day)).toEqual(['2024-03-08']);
  });

  it('never plans a reader day whose raw window holds a missing raw day, and reports that raw day', () => {
    const observed = { ...lake, file_downloads: lake.file_downloads.filter((s) => s.day !== '2024-03-04') };

    const plan = planDirtyDays(selectionArgs({ ...forced, datasets: ['node_snapshots'] }, { observed }));

    // downloads 03-03 … 03-05 read raw 03-04: kept as published; 03-02 and 03-06 still follow the snapshots
    expect(plan.days.filter((d) => d.dataset === 'file_downloads').map((d) => d.day)).toEqual([
      '2024-03-02',
      '2024-03-06',
    ]);
    expect(plan.missingRawDays).toEqual([{ dataset: 'file_downloads', day: '2024-03-04' }]);
  });

  it('changes nothing when every table is asked for, with or without --no-downstream', () => {
    const all = ['access_records', 'node_snapshots', 'file_downloads', 'project_downloads_daily', 'client_share_4w'];

    const plan = planDirtyDays(selectionArgs({ ...forced, datasets: all }));

    expect(planDirtyDays(selectionArgs({ ...forced, datasets: all, downstream: false }))).toEqual(plan);
  });
});

describe('planDirtyDays with archived days (lakestep adopt --since)', () => {
  it('never plans a day before the boundary, and commits the raw partition at the boundary (its day before is archived)', () => {
    // raw 03-01 … 03-03 all new; archived before 03-02: days 02-29 and 03-01 stay as they are
    const observed = { access_records: raws('2024-03-02', '2024-03-03') };

    const plan = planDirtyDays(planArgs({ observed, archivedBefore: { access_records: '2024-03-02' } }));

    expect(daysOf(plan)).toEqual(['2024-03-02', '2024-03-03', '2024-03-04']);
    expect(plan.rawPartitions.map((r) => r.day)).toEqual(['2024-03-02', '2024-03-03']);
  });

  it('drops archived days from a forced range and from the aggregates downstream', () => {
    const WEEKLY = {
      name: 'client_share_4w',
      period: 'week' as const,
      reads: [{ table: 'access_records', fromDays: -21, toDays: 6 }],
    };
    const input = runInput({
      mode: 'backfill',
      from: '2024-02-20',
      to: '2024-03-05',
      force: true,
      datasets: ['access_records', 'client_share_4w'],
    });
    const observed = { access_records: raws('2024-02-19', '2024-03-06') };

    const plan = planDirtyDays(
      planArgs({
        input,
        observed,
        aggregates: [WEEKLY],
        stageVersions: { access_records: CURRENT, client_share_4w: CURRENT },
        archivedBefore: { access_records: '2024-03-01', client_share_4w: '2024-03-01' },
      }),
    );

    expect(plan.days.filter((d) => d.dataset === 'access_records').map((d) => d.day)).toEqual(
      dayRange('2024-03-01', '2024-03-05'),
    );
    expect(plan.days.filter((d) => d.dataset === 'client_share_4w').map((d) => d.day)).toEqual(['2024-03-04']);
  });
});

describe('planExecution (a run cut to fit one execution)', () => {
  // a year of raw days, nothing in the ledger: 366 planned days (2023-12-31 … 2024-12-30), 53 groups of ≤ 7
  const YEAR_NOW = Date.UTC(2025, 0, 10);
  const year = () => planArgs({ nowMs: YEAR_NOW, observed: { access_records: raws('2024-01-01', '2024-12-29') } });
  const lastDay = (plan: Plan) => plan.days[plan.days.length - 1].day;

  it('leaves a plan that fits as it is, with nothing deferred', () => {
    const args = year();

    const plan = planExecution(args, 100);

    expect(plan).toEqual(planDirtyDays(args));
    expect(plan.deferred).toBeUndefined();
  });

  it('takes the earliest days that fit in maxSteps groups and defers the rest', () => {
    const full = planDirtyDays(year());

    const plan = planExecution(year(), 3);

    expect(plan.groups).toHaveLength(3);
    expect(daysOf(plan)).toEqual(daysOf(full).slice(0, 21)); // 3 groups × 7 days
    expect(plan.deferred).toEqual({ until: lastDay(plan), days: full.days.length - 21 });
    // raw partitions reaching past the cut are not committed: the next execution plans their days again
    expect(plan.rawPartitions.map((r) => r.day)).toEqual(dayRange('2024-01-01', '2024-01-19'));
  });

  it('makes progress even when one group is all it may run: at least 2 × lateness days past the first, so a raw partition commits', () => {
    const plan = planExecution({ ...year(), maxDaysPerStep: 1 }, 1);

    expect(daysOf(plan)).toEqual(['2023-12-31', '2024-01-01', '2024-01-02']);
    expect(plan.rawPartitions.map((r) => r.day)).toEqual(['2024-01-01']);
    expect(plan.deferred?.until).toBe('2024-01-02');
  });

  it('converges: planning again after committing what was planned moves on, redoing at most the days at the cut', () => {
    let ledgerRaw: RawPartitionState[] = [];
    const done = new Set<string>();
    let executions = 0;
    for (;;) {
      const plan = planExecution({ ...year(), ledgerRaw: { access_records: ledgerRaw } }, 10);
      executions++;
      plan.days.forEach((d) => {
        done.add(d.day);
      });
      ledgerRaw = [...ledgerRaw, ...plan.rawPartitions];
      if (!plan.deferred) break;
      expect(executions).toBeLessThan(10);
    }
    expect(executions).toBe(6); // 53 groups at 10 a time, with the boundary days done twice
    expect([...done].sort()).toEqual(daysOf(planDirtyDays(year())));
  });

  it('bounds a forced range and the aggregates’ own days, while aggregates still follow the upstream days planned', () => {
    const WEEKLY = {
      name: 'client_share_4w',
      period: 'week' as const,
      reads: [{ table: 'access_records', fromDays: -21, toDays: 6 }],
    };
    const input = runInput({
      mode: 'backfill',
      from: '2024-01-01',
      to: '2024-06-30',
      force: true,
      datasets: ['access_records', 'client_share_4w'],
    });
    const args = {
      ...year(),
      aggregates: [WEEKLY],
      stageVersions: { access_records: CURRENT, client_share_4w: CURRENT },
      input,
    };

    const plan = planExecution(args, 4);

    const access = plan.days.filter((d) => d.dataset === 'access_records').map((d) => d.day);
    const weekly = plan.days.filter((d) => d.dataset === 'client_share_4w').map((d) => d.day);
    expect(plan.groups.length).toBeLessThanOrEqual(4);
    expect(access[access.length - 1]).toBe(plan.deferred?.until);
    // the weeks whose 4-week window holds a recomputed day are all planned, even past the cut
    expect(weekly[weekly.length - 1] > (plan.deferred?.until ?? '')).toBe(true);
    expect(
      weekly.every((day) =>
        plan.days
          .find((d) => d.dataset === 'client_share_4w' && d.day === day)
          ?.reasons.some((r) => r.kind === 'upstream' || r.kind === 'forced'),
      ),
    ).toBe(true);
  });

  it('makes progress when an aggregate’s Monday comes before the first raw-fed day', () => {
    const WEEKLY = {
      name: 'client_share_4w',
      period: 'week' as const,
      reads: [{ table: 'access_records', fromDays: -21, toDays: 6 }],
    };
    const args = {
      ...year(),
      maxDaysPerStep: 2,
      aggregates: [WEEKLY],
      stageVersions: { access_records: CURRENT, client_share_4w: CURRENT },
      input: runInput({ datasets: ['access_records', 'client_share_4w'] }),
    };

    const plan = planExecution(args, 1);

    expect(plan.days[0]).toMatchObject({ dataset: 'access_records', day: '2023-12-31' });
    expect(plan.days.some((d) => d.dataset === 'client_share_4w' && d.day < '2023-12-31')).toBe(true); // Monday 2023-12-04
    expect(plan.rawPartitions.map((r) => r.day)).toEqual(['2024-01-01']);
  });

  it('ends an unforced backfill chain with every day of the range done and the raw partitions at its cuts committed', () => {
    // a range inside the raw data: raw 2024-03-01 also reaches 02-29, outside the range, so it stays dirty
    const range = runInput({ mode: 'backfill', from: '2024-03-01', to: '2024-06-30' });
    let input = range;
    let ledgerRaw: RawPartitionState[] = [];
    const planned = new Set<string>();
    for (let executions = 1; ; executions++) {
      const plan = planExecution({ ...year(), input, ledgerRaw: { access_records: ledgerRaw } }, 3);
      daysOf(plan).forEach((d) => {
        planned.add(d);
      });
      ledgerRaw = [...ledgerRaw, ...plan.rawPartitions];
      if (!plan.deferred) break;
      input = { ...input, ...continuationInput(input, plan.deferred.until, 2) } as RunInput;
      expect(executions).toBeLessThan(12);
    }
    expect([...planned].sort()).toEqual(dayRange('2024-03-01', '2024-06-30'));
    // the same range again: only the days of the range's own edge raw partitions (as without a cut)
    const again = planExecution({ ...year(), input: range, ledgerRaw: { access_records: ledgerRaw } }, 3);
    expect(daysOf(again)).toEqual(['2024-03-01', '2024-03-02', '2024-06-29', '2024-06-30']);
  });

  it('never cuts before a day planned for its own sake: a forced chain with an aggregate’s earlier Monday ends', () => {
    const WEEKLY = {
      name: 'client_share_4w',
      period: 'week' as const,
      reads: [{ table: 'access_records', fromDays: -21, toDays: 6 }],
    };
    let input = runInput({
      mode: 'backfill',
      from: '2024-03-06',
      to: '2024-04-30',
      force: true,
      datasets: ['access_records'],
    });
    const observed = { access_records: raws('2024-02-20', '2024-05-10') };
    const args = {
      ...year(),
      observed,
      maxDaysPerStep: 2,
      aggregates: [WEEKLY],
      stageVersions: { access_records: CURRENT, client_share_4w: CURRENT },
    };
    const forced: string[] = [];
    for (let executions = 1; ; executions++) {
      const plan = planExecution({ ...args, input }, 2);
      forced.push(...plan.days.filter((d) => d.dataset === 'access_records').map((d) => d.day));
      if (!plan.deferred) break;
      expect(plan.deferred.until >= input.from!).toBe(true);
      input = { ...input, ...continuationInput(input, plan.deferred.until, 2) } as RunInput;
      expect(executions).toBeLessThan(60); // a day or more each: the weekly groups that follow take most of 2 steps
    }
    expect(forced).toEqual(dayRange('2024-03-06', '2024-04-30'));
  });

  it('never cuts a rerun', () => {
    const days = dayRange('2024-01-01', '2024-03-01').filter((_, i) => i % 2 === 0);
    const args = {
      ...year(),
      input: runInput({ mode: 'rerun', rerunOf: 'exec-1' }),
      rerunDays: days.map((day) => ({ dataset: 'access_records', day })),
    };

    const plan = planExecution(args, 2);

    expect(daysOf(plan)).toEqual(days);
    expect(plan.deferred).toBeUndefined();
  });

  it('refuses maxSteps below 1', () => {
    expect(() => planExecution(year(), 0)).toThrow(InputError);
  });
});
