/**
 * The counts the pipeline must produce from a generated sample, kept while the records are written
 * (by the rules of docs/raw-records.md).
 */
import type { Day } from '../../../src/core/types';
import { MS_PER_DAY as DAY_MS } from '../../../src/core/days';

/** What the pipeline must produce from the generated lake (lateDays as given; all raw days processed). */
export interface SampleExpected {
  lateDays: number;
  /** rows in processed/<table>/ per event day (after dedup); keys ascending */
  outputRowsByEventDay: Record<Day, number>;
  /** valid, in-allowance records per event day before dedup (DayResult.recordsIn) */
  recordsInByEventDay: Record<Day, number>;
  /** copies dropped per event day (DayResult.duplicatesDropped) */
  duplicatesByEventDay: Record<Day, number>;
  outputRows: number;
  duplicatesDropped: number;
  /** all quarantined records */
  rejected: number;
  /** reason → count; only reasons that occur (invalid_json, missing_field, bad_type, late) */
  rejectedByReason: Record<string, number>;
  /** quarantined records per arrival day (DayResult.rejected of that day) */
  rejectedByArrivalDay: Record<Day, number>;
  /** of those, `late` ones per arrival day (DayResult.late) */
  lateByArrivalDay: Record<Day, number>;
  /** record texts per arrival day, malformed ones included */
  recordsByArrivalDay: Record<Day, number>;
  /** accepted records whose event day is before their arrival day */
  acceptedFromEarlierEventDay: number;
  /** accepted records whose event day is before the first arrival day */
  beforeFirstRawDay: number;
}

export const dayNumOf = (ms: number) => Math.floor(ms / DAY_MS);
export const dayOfNum = (n: number): Day => new Date(n * DAY_MS).toISOString().slice(0, 10);

/**
 * Tallies what the pipeline must output while records are written, by the rules of
 * docs/raw-records.md: malformed → rejected (by arrival day); |event day − arrival day| >
 * lateDays → rejected `late`; else counted in its event day; copies of one key collapse to one row.
 */
export class Tally {
  readonly recordsByArrival = new Map<number, number>();
  readonly rejectedByArrival = new Map<number, number>();
  readonly lateByArrival = new Map<number, number>();
  readonly rejectedByReason = new Map<string, number>();
  readonly recordsIn = new Map<number, number>();
  readonly outputRows = new Map<number, number>();
  readonly duplicates = new Map<number, number>();
  acceptedFromEarlier = 0;
  beforeFirst = 0;

  constructor(
    private readonly lateDays: number,
    private readonly firstDayNum: number,
  ) {}

  accepted(eventDay: number, arrivalDay: number): boolean {
    return Math.abs(eventDay - arrivalDay) <= this.lateDays;
  }

  written(arrivalDay: number) {
    inc(this.recordsByArrival, arrivalDay);
  }

  reject(reason: string, arrivalDay: number) {
    inc(this.rejectedByReason, reason);
    inc(this.rejectedByArrival, arrivalDay);
    if (reason === 'late') inc(this.lateByArrival, arrivalDay);
  }

  /** A valid record text written in `arrivalDay`; `single`: no other copy of its key exists. */
  valid(eventMs: number, arrivalDay: number, single: boolean) {
    const eventDay = dayNumOf(eventMs);
    if (!this.accepted(eventDay, arrivalDay)) return this.reject('late', arrivalDay);
    inc(this.recordsIn, eventDay);
    if (single) inc(this.outputRows, eventDay);
    if (eventDay < arrivalDay) this.acceptedFromEarlier++;
    if (eventDay < this.firstDayNum) this.beforeFirst++;
  }

  /** A key written as several copies, arriving on `arrivalDays`: one row if any copy is accepted. */
  group(eventMs: number, arrivalDays: number[]) {
    const eventDay = dayNumOf(eventMs);
    const acceptedCopies = arrivalDays.filter((a) => this.accepted(eventDay, a)).length;
    if (acceptedCopies === 0) return;
    inc(this.outputRows, eventDay);
    if (acceptedCopies > 1) inc(this.duplicates, eventDay, acceptedCopies - 1);
  }
}

function inc<K>(m: Map<K, number>, k: K, by = 1) {
  m.set(k, (m.get(k) ?? 0) + by);
}

const sum = (m: Map<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);
function byDay(m: Map<number, number>): Record<Day, number> {
  const out: Record<Day, number> = {};
  for (const k of [...m.keys()].sort((a, b) => a - b)) out[dayOfNum(k)] = m.get(k)!;
  return out;
}

/** The tally as SampleExpected (per-day maps keyed `YYYY-MM-DD`, ascending). */
export function expectedOf(tally: Tally, lateDays: number): SampleExpected {
  return {
    lateDays,
    outputRowsByEventDay: byDay(tally.outputRows),
    recordsInByEventDay: byDay(tally.recordsIn),
    duplicatesByEventDay: byDay(tally.duplicates),
    outputRows: sum(tally.outputRows),
    duplicatesDropped: sum(tally.duplicates),
    rejected: sum(tally.rejectedByReason),
    rejectedByReason: Object.fromEntries([...tally.rejectedByReason.entries()].sort()),
    rejectedByArrivalDay: byDay(tally.rejectedByArrival),
    lateByArrivalDay: byDay(tally.lateByArrival),
    recordsByArrivalDay: byDay(tally.recordsByArrival),
    acceptedFromEarlierEventDay: tally.acceptedFromEarlier,
    beforeFirstRawDay: tally.beforeFirst,
  };
}
