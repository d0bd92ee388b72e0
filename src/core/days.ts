/**
 * UTC calendar days as `YYYY-MM-DD` strings: parsing, arithmetic, ranges and the Hive partition path.
 * Pure: no clock, no time zone (every computation is on UTC epoch days, so `TZ` never matters).
 */
import { InputError } from './errors';

/** A UTC calendar day, `YYYY-MM-DD` (e.g. `2024-03-05`). */
export type Day = string;

/** ms in one UTC day (no leap seconds in epoch time). */
export const MS_PER_DAY = 86_400_000;

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch day (days since 1970-01-01) of a calendar date, or undefined when the date does not exist. */
function epochDayOfParts(year: number, month: number, dayOfMonth: number): number | undefined {
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > 31) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, dayOfMonth);
  // A day that does not exist (2023-02-29) rolls over into the next month: compare back.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== dayOfMonth)
    return undefined;
  return Math.round(date.getTime() / MS_PER_DAY);
}

function epochDayOfText(text: string): number | undefined {
  const match = DAY_PATTERN.exec(text);
  if (!match) return undefined;
  return epochDayOfParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** The epoch day of a Day (for core modules); a malformed Day here is a caller's bug, reported like any bad input. @throws InputError */
export function epochDayOf(day: Day, field = 'day'): number {
  const epochDay = epochDayOfText(day);
  if (epochDay === undefined)
    throw new InputError(field, `${JSON.stringify(day)} is not a calendar date (expected YYYY-MM-DD)`);
  return epochDay;
}

function dayOfEpochDay(epochDay: number): Day {
  const date = new Date(epochDay * MS_PER_DAY);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999)
    throw new InputError('day', `epoch day ${epochDay} is outside years 0000–9999 (expected a YYYY-MM-DD day)`);
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`;
}

/**
 * True when `text` is a `YYYY-MM-DD` date that exists in the (proleptic Gregorian, UTC) calendar.
 * @example isDay('2024-02-29') // true (leap year); isDay('2023-02-29') // false; isDay('2024-3-5') // false
 */
export function isDay(text: unknown): text is Day {
  return typeof text === 'string' && epochDayOfText(text) !== undefined;
}

/**
 * Validates a day given by a user or an event.
 * @param field names the input in the error, e.g. `to` or `backfill.from`
 * @throws InputError `to: "2024-02-30" is not a calendar date (expected YYYY-MM-DD)`
 * @example parseDay('2024-02-29', 'from') // '2024-02-29'
 */
export function parseDay(text: string, field: string): Day {
  epochDayOf(text, field);
  return text;
}

/**
 * The day `n` days after `day` (`n` may be negative; an integer).
 * @throws InputError when `day` is not a calendar date or `n` is not an integer
 * @example addDays('2024-02-28', 1) // '2024-02-29'; addDays('2024-01-01', -1) // '2023-12-31'
 */
export function addDays(day: Day, n: number): Day {
  if (!Number.isInteger(n)) throw new InputError('n', `${n} is not a whole number of days`);
  return dayOfEpochDay(epochDayOf(day) + n);
}

/**
 * Every day from `from` to `to`, both inclusive, ascending; empty when `from` is after `to`.
 * @throws InputError when either end is not a calendar date
 * @example dayRange('2024-02-28', '2024-03-01') // ['2024-02-28', '2024-02-29', '2024-03-01']
 */
export function dayRange(from: Day, to: Day): Day[] {
  const first = epochDayOf(from, 'from');
  const last = epochDayOf(to, 'to');
  const days: Day[] = [];
  for (let epochDay = first; epochDay <= last; epochDay++) days.push(dayOfEpochDay(epochDay));
  return days;
}

/**
 * `b − a` in whole days (negative when `b` is before `a`).
 * @throws InputError when either is not a calendar date
 * @example daysBetween('2023-12-31', '2024-01-01') // 1
 */
export function daysBetween(a: Day, b: Day): number {
  return epochDayOf(b, 'b') - epochDayOf(a, 'a');
}

/**
 * The UTC day of an instant given in ms since the epoch (negative ms are before 1970).
 * @throws InputError when `epochMs` is not a finite number
 * @example dayOfEpochMs(Date.UTC(2024, 0, 5, 23, 59)) // '2024-01-05'
 */
export function dayOfEpochMs(epochMs: number): Day {
  if (!Number.isFinite(epochMs))
    throw new InputError('epochMs', `${epochMs} is not a finite number of ms since the epoch`);
  return dayOfEpochDay(Math.floor(epochMs / MS_PER_DAY));
}

/**
 * The Monday of `day`'s ISO week (ISO 8601: weeks start on Monday).
 * @example isoWeekMonday('2025-01-01') // '2024-12-30' (ISO week 2025_01)
 */
export function isoWeekMonday(day: Day): Day {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

/**
 * Days as contiguous ranges, for messages: sorted, duplicates dropped, runs of consecutive days as
 * `first…last`, joined with `, `.
 * @example formatDayRanges(['2024-03-03', '2024-03-01', '2024-03-02', '2024-03-07']) // '2024-03-01…2024-03-03, 2024-03-07'
 */
export function formatDayRanges(days: Day[]): string {
  const sorted = [...new Set(days)].sort();
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && addDays(sorted[j], 1) === sorted[j + 1]) j++;
    runs.push(i === j ? sorted[i] : `${sorted[i]}…${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}
