/**
 * Lists one dataset's raw partitions as discovery needs them: the whole raw prefix, or one prefix per
 * arrival day and layout (core/rawListing), a bounded number of list calls at a time. Each day is
 * reduced to its ledger state (fingerprint, count, bytes) as soon as it is listed, so a bounded run
 * holds at most `concurrency` days of object keys at once.
 */
import { rawPartitionState } from '../core/fingerprint';
import type { ObjectStore } from '../core/ports';
import { rawDayPrefixes, type RawListing } from '../core/rawListing';
import { compareText, groupRawPartitions } from '../core/rawKeys';
import type { Day, RawPartitionState } from '../core/types';

/** List calls in flight at once per dataset: S3 serves thousands a second per prefix; a Lambda's sockets (50 by default) stay free. */
export const LIST_CONCURRENCY = 16;

export interface ObservedRaw {
  /** ascending by day */
  partitions: RawPartitionState[];
  /** keys in no accepted layout under what was listed, ascending */
  ignoredKeys: string[];
  /** the days listed (`listing.days`), or undefined when the whole prefix was */
  listedDays?: Day[];
}

/**
 * @param dataset `name` and `raw.prefix` (ending in `/`) of a configured dataset
 * @param concurrency ≥ 1: list calls at once
 * @throws what the store's list throws (the first failure; calls in flight finish first)
 * @example await observeRawPartitions(store, ds, { scope: 'days', days: ['2024-03-05'] }) // 2 list calls: Firehose and Hive prefixes of that day
 */
export async function observeRawPartitions(
  store: Pick<ObjectStore, 'list'>,
  dataset: { name: string; raw: { prefix: string } },
  listing: RawListing,
  concurrency = LIST_CONCURRENCY,
): Promise<ObservedRaw> {
  const prefix = dataset.raw.prefix;
  if (listing.scope === 'all') {
    const grouped = groupRawPartitions(dataset.name, await store.list(prefix), prefix);
    return { partitions: grouped.partitions.map(rawPartitionState), ignoredKeys: grouped.ignoredKeys };
  }
  const partitions: RawPartitionState[] = [];
  const ignoredKeys: string[] = [];
  await forEachLimited(listing.days, concurrency, async (day) => {
    const objects = (await Promise.all(rawDayPrefixes(prefix, day).map((p) => store.list(p)))).flat();
    const grouped = groupRawPartitions(dataset.name, objects, prefix);
    partitions.push(...grouped.partitions.map(rawPartitionState));
    ignoredKeys.push(...grouped.ignoredKeys);
  });
  return {
    partitions: partitions.sort((a, b) => compareText(a.day, b.day)),
    ignoredKeys: ignoredKeys.sort(compareText),
    listedDays: listing.days,
  };
}

/** Runs `work` over `items` with at most `limit` at once; rejects with the first error after the running ones settle. */
async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}
