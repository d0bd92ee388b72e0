import { dayRange } from '../../../src/core/days';
import { InputError } from '../../../src/core/errors';
import { planDirtyDays } from '../../../src/core/plan';
import { arrivalDayOfKey } from '../../../src/core/rawKeys';
import { assumeUnlisted, rawDayPrefixes, rawDaysToList, type RawListingArgs } from '../../../src/core/rawListing';
import type { RawPartitionState, RunInput } from '../../../src/core/types';

const PREFIX = 'raw/access_records/';
const state = (day: string, fingerprint = `fp-${day}`): RawPartitionState => ({
  dataset: 'access_records',
  day,
  fingerprint,
  objectCount: 1,
  bytes: 10,
});
const incremental: RawListingArgs['input'] = { mode: 'incremental' };
const listing = (over: Partial<RawListingArgs>) =>
  rawDaysToList({
    input: incremental,
    lateDays: 1,
    ledgerDays: ['2024-03-01', '2024-03-04'],
    today: '2024-03-05',
    ...over,
  });
const daysOf = (over: Partial<RawListingArgs>) => {
  const result = listing(over);
  if (result.scope !== 'days') throw new Error(`expected a bounded listing, got ${JSON.stringify(result)}`);
  return result.days;
};

describe('rawDaysToList', () => {
  describe('lists everything', () => {
    it.each([
      ['--full', { input: { mode: 'incremental', full: true } }, 'full'],
      [
        '--full on a backfill',
        { input: { mode: 'backfill', from: '2024-03-01', to: '2024-03-02', full: true } },
        'full',
      ],
      [
        '--accept-raw-removal (a removed day may be anywhere)',
        { input: { mode: 'incremental', acceptRawRemoval: true } },
        'accept_raw_removal',
      ],
      ['a first run (the ledger has no day of the dataset)', { ledgerDays: [] }, 'first_run'],
      [
        'a backfill on an empty ledger',
        { input: { mode: 'backfill', from: '2024-03-01', to: '2024-03-02' }, ledgerDays: [] },
        'first_run',
      ],
    ] as [string, Partial<RawListingArgs>, string][])('on %s', (_name, over, reason) => {
      const result = listing(over);

      expect(result).toEqual({ scope: 'all', reason });
    });
  });

  describe('a scheduled (incremental) run', () => {
    it('lists from the high-water mark back over the lateness window up to today', () => {
      expect(daysOf({ lateDays: 2 })).toEqual(['2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05']);
    });

    it('goes back one day even with lateDays 0 (the previous day’s last hour can still receive a file after midnight)', () => {
      expect(daysOf({ lateDays: 0 })).toEqual(['2024-03-03', '2024-03-04', '2024-03-05']);
    });

    it('takes the latest ledger day whatever the order it comes in', () => {
      expect(daysOf({ ledgerDays: ['2024-03-04', '2023-01-01', '2024-02-10'] })).toEqual([
        '2024-03-03',
        '2024-03-04',
        '2024-03-05',
      ]);
    });

    it.each([
      ['a month boundary', '2024-03-01', '2024-03-01', ['2024-02-29', '2024-03-01']], // leap day
      ['a year boundary', '2024-01-01', '2024-01-02', ['2023-12-31', '2024-01-01', '2024-01-02']],
      ['a non-leap February', '2023-03-01', '2023-03-01', ['2023-02-28', '2023-03-01']],
    ])('crosses %s', (_name, highWater, today, expected) => {
      expect(daysOf({ ledgerDays: [highWater], today })).toEqual(expected);
    });

    it('catches up every day since a pause', () => {
      const days = daysOf({ ledgerDays: ['2024-01-30'], today: '2024-03-02' });

      expect(days[0]).toBe('2024-01-29');
      expect(days[days.length - 1]).toBe('2024-03-02');
      expect(days).toHaveLength(34);
    });

    it('stops at the high-water mark when the ledger is ahead of the clock', () => {
      expect(daysOf({ ledgerDays: ['2024-03-07'], today: '2024-03-05' })).toEqual(['2024-03-06', '2024-03-07']);
    });

    it('lists no day before the archive boundary (lakestep adopt --since)', () => {
      expect(daysOf({ lateDays: 3, archivedBefore: '2024-03-03' })).toEqual(['2024-03-03', '2024-03-04', '2024-03-05']);
    });

    it('lists nothing when the whole window is archived', () => {
      expect(daysOf({ archivedBefore: '2024-04-01' })).toEqual([]);
    });
  });

  describe('a backfill', () => {
    it('lists the raw days its range reads, from−lateDays … to+lateDays, and not the scheduled window', () => {
      expect(daysOf({ input: { mode: 'backfill', from: '2023-12-31', to: '2024-01-01' }, lateDays: 1 })).toEqual([
        '2023-12-30',
        '2023-12-31',
        '2024-01-01',
        '2024-01-02',
      ]);
    });

    it('a forced one reads the same days (force only changes what is planned)', () => {
      expect(daysOf({ input: { mode: 'backfill', from: '2024-02-28', to: '2024-02-28' }, lateDays: 2 })).toEqual(
        dayRange('2024-02-26', '2024-03-01'),
      );
    });

    it('starting before the archive boundary lists only the live part', () => {
      expect(
        daysOf({ input: { mode: 'backfill', from: '2024-01-01', to: '2024-01-31' }, archivedBefore: '2024-01-30' }),
      ).toEqual(['2024-01-30', '2024-01-31', '2024-02-01']);
    });
  });

  describe('revisited days (stale days, a rerun’s failed days)', () => {
    it('a stale run lists the window and each stale day’s raw window, merged and ascending', () => {
      const days = daysOf({ input: { mode: 'stale' }, revisitDays: ['2024-01-10', '2024-01-11', '2023-12-31'] });

      expect(days).toEqual([
        '2023-12-30',
        '2023-12-31',
        '2024-01-01',
        '2024-01-09',
        '2024-01-10',
        '2024-01-11',
        '2024-01-12',
        '2024-03-03',
        '2024-03-04',
        '2024-03-05',
      ]);
    });

    it('a rerun lists only its days’ raw windows', () => {
      expect(daysOf({ input: { mode: 'rerun' }, revisitDays: ['2024-02-01'] })).toEqual([
        '2024-01-31',
        '2024-02-01',
        '2024-02-02',
      ]);
    });
  });

  it('refuses a negative lateDays, naming the field', () => {
    expect(() => listing({ lateDays: -1 })).toThrow(InputError);
    expect(() => listing({ lateDays: -1 })).toThrow(/lateDays/);
  });
});

describe('rawDayPrefixes', () => {
  // Every hour of every day across a leap February and a year end, in both layouts: each key lies under
  // exactly the prefixes of its own arrival day, never under another day's.
  const days = [
    ...dayRange('2023-12-30', '2024-01-02'),
    ...dayRange('2024-02-27', '2024-03-02'),
    ...dayRange('2023-02-27', '2023-03-01'),
  ];
  const keysOf = (day: string) => {
    const [y, m, d] = day.split('-');
    return [
      ...Array.from(
        { length: 24 },
        (_, h) => `${PREFIX}${y}/${m}/${d}/${String(h).padStart(2, '0')}/access-1-${day}-${h}.gz`,
      ),
      `${PREFIX}year=${y}/month=${m}/day=${d}/f.json`,
      `${PREFIX}year=${y}/month=${m}/day=${d}/hour=23/f.json.gz`,
    ];
  };

  it.each(days)('%s: its prefixes hold exactly its keys, in both layouts', (day) => {
    const prefixes = rawDayPrefixes(PREFIX, day);

    for (const other of days) {
      for (const key of keysOf(other)) {
        const under = prefixes.some((p) => key.startsWith(p));
        expect([key, under]).toEqual([key, other === day]);
        if (under) expect(arrivalDayOfKey(key, PREFIX)).toBe(day);
      }
    }
  });

  it('names the Firehose prefix, then the Hive one', () => {
    expect(rawDayPrefixes(PREFIX, '2024-03-05')).toEqual([
      'raw/access_records/2024/03/05/',
      'raw/access_records/year=2024/month=03/day=05/',
    ]);
  });
});

describe('assumeUnlisted', () => {
  it('takes listed days as observed and the other days as the ledger recorded them; a listed day found empty is gone', () => {
    const ledger = [state('2024-03-01'), state('2024-03-03'), state('2024-03-04')];
    const listed = [state('2024-03-04', 'changed'), state('2024-03-05')];

    const observed = assumeUnlisted(listed, ledger, ['2024-03-03', '2024-03-04', '2024-03-05']);

    expect(observed).toEqual([state('2024-03-01'), state('2024-03-04', 'changed'), state('2024-03-05')]);
  });

  // The bounded listing is sound when it plans exactly what a full listing plans whenever the lake changed
  // only where it looks: every change of a scheduled run's window, over a range of lateness, each alone.
  describe('plans as a full listing does, for any change inside the window', () => {
    const ledger = dayRange('2024-02-20', '2024-03-04').map((day) => state(day));
    const today = '2024-03-05';
    const input: RunInput = {
      mode: 'incremental',
      executionId: 'e',
      startedAtMs: Date.parse(`${today}T06:00:00Z`),
      datasets: ['access_records'],
      force: false,
      dryRun: false,
    };
    const plan = (observed: RawPartitionState[], lateDays: number) =>
      planDirtyDays({
        executionId: 'e',
        nowMs: input.startedAtMs,
        input,
        datasets: [{ name: 'access_records', lateDays }],
        observed: { access_records: observed },
        ledgerRaw: { access_records: ledger },
        ledgerOutputs: {},
        stageVersions: { access_records: 'v1' },
        maxDaysPerStep: 7,
      });
    const cases = [0, 1, 2, 3].flatMap((lateDays) => {
      const window = daysOf({ lateDays, ledgerDays: ledger.map((s) => s.day), today });
      return window
        .flatMap((day) => [
          [lateDays, day, 'a late file'] as const,
          [lateDays, day, 'a new day'] as const,
          [lateDays, day, 'a removed day'] as const,
        ])
        .map(([l, d, change]) => [l, d, change, window] as const);
    });

    it.each(cases)('lateDays %i, %s: %s', (lateDays, day, change, window) => {
      const lake = ledger
        .filter((s) => !(change === 'a removed day' && s.day === day))
        .map((s) => (s.day === day && change === 'a late file' ? state(day, 'late') : s));
      if (change === 'a new day' && !lake.some((s) => s.day === day)) lake.push(state(day, 'new'));
      const listed = lake.filter((s) => window.includes(s.day));

      const bounded = plan(assumeUnlisted(listed, ledger, window), lateDays);

      expect(bounded).toEqual(plan(lake, lateDays));
    });
  });

  it('does not see a change outside the window (what --full is for)', () => {
    const ledger = [state('2024-01-10'), state('2024-03-04')];
    const observed = assumeUnlisted([state('2024-03-04')], ledger, ['2024-03-03', '2024-03-04', '2024-03-05']);

    expect(observed.find((s) => s.day === '2024-01-10')).toEqual(state('2024-01-10'));
  });
});
