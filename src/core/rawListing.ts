/**
 * Which raw arrival days a discovery lists. Listing a dataset's whole raw prefix every hour costs
 * one page per 1,000 objects over the whole history (5 years of hourly Firehose at 60 files an hour:
 * 2.6 M keys, 2,628 pages, ~1 GB of heap); a scheduled run only needs the arrival days that can
 * still change. Pure: the caller gives the ledger's days and today.
 */
import { addDays, dayRange, daysBetween } from './days';
import { InputError } from './errors';
import { compareText } from './rawKeys';
import type { Day, RawPartitionState, RunInput } from './types';

/** Why a dataset's whole raw prefix is listed. */
export type FullScanReason = 'full' | 'first_run' | 'accept_raw_removal';

/** What one dataset's discovery lists: everything under its raw prefix, or these arrival days (ascending, distinct). */
export type RawListing = { scope: 'all'; reason: FullScanReason } | { scope: 'days'; days: Day[] };

export interface RawListingArgs {
  input: Pick<RunInput, 'mode' | 'from' | 'to' | 'acceptRawRemoval' | 'full'>;
  /** the dataset's lateDays (≥ 0): output day D reads raw days D−lateDays … D+lateDays */
  lateDays: number;
  /** arrival days the ledger recorded for the dataset (any order) */
  ledgerDays: Day[];
  /** the run's UTC day (from ports.clock) */
  today: Day;
  /** output days the run recomputes for its own sake, whatever the raw data says: a stale run's
   *  stale days, a rerun's failed days (the raw days they read are listed so their fingerprints are fresh) */
  revisitDays?: Day[];
  /** first arrival day not archived (`lakestep adopt --since`): earlier days are never listed */
  archivedBefore?: Day;
}

/**
 * The arrival days one dataset's discovery lists:
 * - everything (`scope: 'all'`) on `input.full`, on `acceptRawRemoval` (a removed day may be anywhere
 *   in the history), and when the ledger has no day of the dataset (first run, rebuilt ledger);
 * - mode incremental and stale: from the ledger's high-water mark (its latest raw day) back
 *   `max(lateDays, 1)` days, up to today (or the high-water mark when it is later). One day at least,
 *   because Firehose names an object by the hour its buffer opened: yesterday's last hour can still
 *   receive a file after midnight;
 * - mode backfill: the raw days the range reads, from−lateDays … to+lateDays (the range bounds every
 *   planned day, so nothing else can be planned);
 * - every `revisitDays` day's raw window, D−lateDays … D+lateDays (stale and rerun);
 * - never a day before `archivedBefore`.
 * Days not listed are taken as the ledger recorded them (see {@link assumeUnlisted}), so a change
 * there is not seen: `lakestep run --full` (input `"full": true`) lists everything.
 * @throws InputError when a day is not a calendar date or lateDays is negative
 * @example
 * rawDaysToList({ input: { mode: 'incremental' }, lateDays: 1, ledgerDays: ['2024-02-28', '2024-02-29'], today: '2024-03-01' })
 * // { scope: 'days', days: ['2024-02-28', '2024-02-29', '2024-03-01'] }
 */
export function rawDaysToList(args: RawListingArgs): RawListing {
  const { input, lateDays } = args;
  if (!Number.isInteger(lateDays) || lateDays < 0)
    throw new InputError('lateDays', `${lateDays} is not a whole number of days ≥ 0`);
  if (input.full) return { scope: 'all', reason: 'full' };
  if (input.acceptRawRemoval) return { scope: 'all', reason: 'accept_raw_removal' };
  if (args.ledgerDays.length === 0) return { scope: 'all', reason: 'first_run' };

  const days = new Set<Day>();
  const addRange = (from: Day, to: Day) =>
    dayRange(from, to).forEach((day) => {
      days.add(day);
    });
  if (input.mode === 'incremental' || input.mode === 'stale') {
    const highWater = args.ledgerDays.reduce((max, day) => (compareText(day, max) > 0 ? day : max));
    addRange(
      addDays(highWater, -Math.max(lateDays, 1)),
      daysBetween(highWater, args.today) > 0 ? args.today : highWater,
    );
  }
  if (input.mode === 'backfill' && input.from !== undefined && input.to !== undefined)
    addRange(addDays(input.from, -lateDays), addDays(input.to, lateDays));
  for (const day of args.revisitDays ?? []) addRange(addDays(day, -lateDays), addDays(day, lateDays));

  const archivedBefore = args.archivedBefore;
  const live = [...days].filter((day) => archivedBefore === undefined || compareText(day, archivedBefore) >= 0);
  return { scope: 'days', days: live.sort(compareText) };
}

/**
 * The key prefixes that hold one arrival day's objects, one per accepted layout (core/rawKeys): Firehose's
 * `YYYY/MM/DD/` and Hive's `year=YYYY/month=MM/day=DD/`. A dataset's config does not say which its
 * producer writes, so both are listed; the absent one costs one empty list call.
 * @param rawPrefix the dataset's raw prefix, ending in `/`
 * @example rawDayPrefixes('raw/access_records/', '2024-03-05') // ['raw/access_records/2024/03/05/', 'raw/access_records/year=2024/month=03/day=05/']
 */
export function rawDayPrefixes(rawPrefix: string, day: Day): string[] {
  const [year, month, dayOfMonth] = day.split('-');
  return [`${rawPrefix}${year}/${month}/${dayOfMonth}/`, `${rawPrefix}year=${year}/month=${month}/day=${dayOfMonth}/`];
}

/**
 * What the planner takes as the lake's raw partitions after a bounded listing: the listed days as
 * observed, every other day as the ledger recorded it (unchanged, so it plans nothing, is not
 * reported missing, and still counts as input for the days whose window reaches it).
 * @param listedDays the days listed (a day listed and found empty is absent from `listed`: gone)
 * @returns ascending by day
 * @example assumeUnlisted([state('03-05')], [state('03-01'), state('03-05')], ['03-04', '03-05']) // [ledger 03-01, listed 03-05]
 */
export function assumeUnlisted(
  listed: RawPartitionState[],
  ledger: RawPartitionState[],
  listedDays: Iterable<Day>,
): RawPartitionState[] {
  const seen = new Set(listedDays);
  return [...listed, ...ledger.filter((state) => !seen.has(state.day))].sort((a, b) => compareText(a.day, b.day));
}
