import { addDays, dayOfEpochMs, dayRange, daysBetween, isDay, parseDay, formatDayRanges } from '../../../src/core/days';
import { InputError } from '../../../src/core/errors';

describe('isDay', () => {
  it.each(['2024-02-29', '2000-02-29', '2024-01-01', '2023-12-31', '1970-01-01', '0001-01-01', '9999-12-31'])(
    'accepts the calendar date %s',
    (text) => {
      const result = isDay(text);

      expect(result).toBe(true);
    },
  );

  it.each([
    ['2023-02-29', 'no 29 February in a common year'],
    ['1900-02-29', 'no 29 February in a century that is not a 400th year'],
    ['2024-02-30', 'no 30 February'],
    ['2024-04-31', 'no 31 April'],
    ['2024-13-01', 'no month 13'],
    ['2024-00-10', 'no month 0'],
    ['2024-01-00', 'no day 0'],
    ['2024-1-05', 'month not zero-padded'],
    ['24-01-05', 'two-digit year'],
    ['2024-01-05T00:00:00Z', 'a timestamp, not a day'],
    [' 2024-01-05', 'leading space'],
    ['', 'empty'],
  ])('rejects %s (%s)', (text) => {
    const result = isDay(text);

    expect(result).toBe(false);
  });

  it('rejects what is not a string', () => {
    const values = [20240105, null, undefined, new Date(0)];

    const results = values.map(isDay);

    expect(results).toEqual([false, false, false, false]);
  });
});

describe('parseDay', () => {
  it('returns a calendar date unchanged', () => {
    const text = '2024-02-29';

    const day = parseDay(text, 'from');

    expect(day).toBe('2024-02-29');
  });

  it('names the field, what came in and what was expected', () => {
    const text = '2024-02-30';

    const act = () => parseDay(text, 'to');

    expect(act).toThrow(InputError);
    expect(act).toThrow('to: "2024-02-30" is not a calendar date (expected YYYY-MM-DD)');
  });

  it('carries the field on the error for callers that branch on it', () => {
    const text = 'yesterday';

    let caught: unknown;
    try {
      parseDay(text, 'backfill.from');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).field).toBe('backfill.from');
    expect((caught as InputError).name).toBe('InputError');
  });
});

describe('addDays', () => {
  it.each([
    ['2024-03-05', 1, '2024-03-06'],
    ['2024-03-05', 0, '2024-03-05'],
    ['2024-03-05', -5, '2024-02-29'], // back over 29 February of a leap year
    ['2024-02-28', 1, '2024-02-29'], // 29 Feb
    ['2023-02-28', 1, '2023-03-01'], // common year: no 29 Feb
    ['2024-12-31', 1, '2025-01-01'], // year boundary forwards
    ['2024-01-01', -1, '2023-12-31'], // year boundary backwards
    ['2024-01-01', 366, '2025-01-01'], // a leap year has 366 days
    ['2023-01-01', 365, '2024-01-01'],
    ['1970-01-01', -1, '1969-12-31'], // before the epoch
  ])('%s + %i days is %s', (day, n, expected) => {
    const result = addDays(day, n);

    expect(result).toBe(expected);
  });

  it('refuses a fraction of a day', () => {
    const n = 0.5;

    const act = () => addDays('2024-03-05', n);

    expect(act).toThrow(InputError);
  });

  it('refuses a day that is not a calendar date', () => {
    const day = '2024-02-30';

    const act = () => addDays(day, 1);

    expect(act).toThrow('day: "2024-02-30" is not a calendar date (expected YYYY-MM-DD)');
  });
});

describe('dayRange', () => {
  it('is inclusive on both ends and crosses 29 February', () => {
    const [from, to] = ['2024-02-27', '2024-03-01'];

    const days = dayRange(from, to);

    expect(days).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('crosses a year boundary', () => {
    const [from, to] = ['2023-12-30', '2024-01-02'];

    const days = dayRange(from, to);

    expect(days).toEqual(['2023-12-30', '2023-12-31', '2024-01-01', '2024-01-02']);
  });

  it('is one day when from equals to', () => {
    const day = '2024-03-05';

    const days = dayRange(day, day);

    expect(days).toEqual(['2024-03-05']);
  });

  it('is empty when from is after to', () => {
    const [from, to] = ['2024-03-06', '2024-03-05'];

    const days = dayRange(from, to);

    expect(days).toEqual([]);
  });

  it('spans a whole leap year', () => {
    const [from, to] = ['2024-01-01', '2024-12-31'];

    const days = dayRange(from, to);

    expect(days).toHaveLength(366);
    expect(days[59]).toBe('2024-02-29');
  });
});

describe('daysBetween', () => {
  it.each([
    ['2024-03-05', '2024-03-05', 0],
    ['2024-03-05', '2024-03-06', 1],
    ['2024-03-06', '2024-03-05', -1],
    ['2023-12-31', '2024-01-01', 1], // year boundary
    ['2024-02-28', '2024-03-01', 2], // over 29 Feb
    ['2023-02-28', '2023-03-01', 1],
    ['2024-01-01', '2025-01-01', 366],
  ])('from %s to %s is %i', (a, b, expected) => {
    const result = daysBetween(a, b);

    expect(result).toBe(expected);
  });

  it('is the inverse of addDays', () => {
    const start = '2023-11-17';
    const offsets = [-400, -1, 0, 1, 45, 800];

    const roundTrips = offsets.map((n) => daysBetween(start, addDays(start, n)));

    expect(roundTrips).toEqual(offsets);
  });
});

describe('dayOfEpochMs', () => {
  it.each([
    [Date.UTC(2024, 0, 5, 0, 0, 0, 0), '2024-01-05'], // first ms of the day
    [Date.UTC(2024, 0, 5, 23, 59, 59, 999), '2024-01-05'], // last ms of the day
    [Date.UTC(2024, 1, 29, 12), '2024-02-29'],
    [Date.UTC(2024, 11, 31, 23, 59, 59, 999), '2024-12-31'],
    [0, '1970-01-01'],
    [-1, '1969-12-31'], // floor, not truncation toward zero
  ])('%d ms is on %s (UTC)', (ms, expected) => {
    const day = dayOfEpochMs(ms);

    expect(day).toBe(expected);
  });

  it('refuses a value that is not a finite number', () => {
    const ms = Number.NaN;

    const act = () => dayOfEpochMs(ms);

    expect(act).toThrow(InputError);
  });
});

describe('formatDayRanges', () => {
  it.each([
    [[], ''],
    [['2024-03-01'], '2024-03-01'],
    [['2024-03-03', '2024-03-01', '2024-03-02', '2024-03-07', '2024-03-02'], '2024-03-01…2024-03-03, 2024-03-07'],
    [
      ['2024-02-28', '2024-02-29', '2024-03-01', '2024-12-31', '2025-01-01'],
      '2024-02-28…2024-03-01, 2024-12-31…2025-01-01',
    ],
  ])('%j → %s', (days, expected) => {
    expect(formatDayRanges(days)).toBe(expected);
  });
});
