/**
 * The one dependency rule between raw arrival days and processed event days, written once and used
 * both ways: output day D reads raw arrival days D−lateDays … D+lateDays (Firehose partitions by
 * arrival, so a record of event day D may arrive up to `lateDays` days before or after D).
 */
import { addDays, dayRange, isoWeekMonday } from './days';
import { InputError } from './errors';
import type { Day } from './types';

/** Offsets in days from an output day to the raw days it reads: −lateDays … +lateDays, ascending. */
function inputOffsets(lateDays: number): number[] {
  if (!Number.isInteger(lateDays) || lateDays < 0) {
    throw new InputError('lateDays', `${lateDays} is not a whole number of days ≥ 0`);
  }
  return Array.from({ length: 2 * lateDays + 1 }, (_, i) => i - lateDays);
}

const shifted = (day: Day, offsets: number[]): Day[] => offsets.map((offset) => addDays(day, offset)).sort();

/**
 * Raw arrival days output day `day` is computed from: `day−lateDays … day+lateDays`, ascending (2·lateDays+1 days).
 * @throws InputError when `lateDays` is not an integer ≥ 0 or `day` is not a calendar date
 * @example inputDaysFor('2024-03-01', 1) // ['2024-02-29', '2024-03-01', '2024-03-02']
 */
export function inputDaysFor(day: Day, lateDays: number): Day[] {
  return shifted(day, inputOffsets(lateDays));
}

/**
 * Output days a change in raw arrival day `rawDay` can affect: the inverse of {@link inputDaysFor}, the same
 * offsets negated (so `d ∈ outputDaysAffectedBy(r)` ⇔ `r ∈ inputDaysFor(d)`), ascending.
 * @throws InputError when `lateDays` is not an integer ≥ 0 or `rawDay` is not a calendar date
 * @example outputDaysAffectedBy('2024-01-01', 1) // ['2023-12-31', '2024-01-01', '2024-01-02']
 */
export function outputDaysAffectedBy(rawDay: Day, lateDays: number): Day[] {
  return shifted(
    rawDay,
    inputOffsets(lateDays).map((offset) => -offset),
  );
}

/**
 * Raw arrival days a step computing the contiguous output days `from … to` reads once:
 * the union of {@link inputDaysFor} over the range, i.e. `from−lateDays … to+lateDays`.
 * @throws InputError as inputDaysFor
 * @example rawDaysForRange('2024-03-05', '2024-03-07', 1) // ['2024-03-04', …, '2024-03-08'] (5 days)
 */
export function rawDaysForRange(from: Day, to: Day, lateDays: number): Day[] {
  const first = inputDaysFor(from, lateDays)[0];
  const last = inputDaysFor(to, lateDays)[2 * lateDays];
  return dayRange(first, last);
}

/** How one table reads another: day D of the reader reads days D+fromDays … D+toDays of `table`. */
export interface ReadWindow {
  table: string;
  fromDays: number;
  toDays: number;
}

/** A reader's partition period: `week` partitions sit at ISO-week Mondays. */
export type Period = 'day' | 'week';

/**
 * Days of `read.table` that reader day `day` reads, ascending.
 * @example readDaysFor('2024-03-28', { table: 'file_downloads', fromDays: -27, toDays: 0 }) // 2024-03-01 … 2024-03-28
 */
export function readDaysFor(day: Day, read: ReadWindow): Day[] {
  return dayRange(addDays(day, read.fromDays), addDays(day, read.toDays));
}

/**
 * Reader days whose window includes day `day` of `read.table`: the inverse of {@link readDaysFor}, the
 * same offsets negated (`day − toDays … day − fromDays`); for a weekly reader, the Mondays among them
 * (so `D ∈ readerDaysAffectedBy(d)` ⇔ `d ∈ readDaysFor(D)` for every partition day D of the reader).
 * @example readerDaysAffectedBy('2024-03-01', { table: 'file_downloads', fromDays: -27, toDays: 0 }, 'day') // 2024-03-01 … 2024-03-28
 */
export function readerDaysAffectedBy(day: Day, read: ReadWindow, period: Period): Day[] {
  const days = dayRange(addDays(day, -read.toDays), addDays(day, -read.fromDays));
  return period === 'week' ? days.filter((d) => isoWeekMonday(d) === d) : days;
}
