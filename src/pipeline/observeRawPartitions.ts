/**
 * Lists one dataset's raw partitions as discovery needs them: the whole raw prefix, or one prefix per
 * arrival day and layout (core/rawListing), a bounded number of list calls at a time. Each day is
 * reduced to its ledger state (fingerprint, count, bytes) as soon as it is listed, so a bounded run
 * holds at most `concurrency` days of object keys at once, and a whole-prefix listing (streamed page
 * by page where the store can) about one day's.
 */
import { RawPartitionStateBuilder, rawPartitionState } from '../core/fingerprint';
import type { ObjectStore } from '../core/ports';
import { rawDayPrefixes, type RawListing } from '../core/rawListing';
import {
  compareText,
  groupRawPartitions,
  isFolderMarker,
  isSkipped,
  rawObjectDay,
  type SkippedKey,
} from '../core/rawKeys';
import type { Day, ObjectInfo, RawPartitionState } from '../core/types';

/** List calls in flight at once per dataset: S3 serves thousands a second per prefix; a Lambda's sockets (50 by default) stay free. */
export const LIST_CONCURRENCY = 16;

export interface ObservedRaw {
  /** ascending by day */
  partitions: RawPartitionState[];
  /** keys in no accepted layout under what was listed, ascending */
  ignoredKeys: string[];
  /** objects in an accepted layout that are not read (rawKeys.skipReason), ascending by key */
  skipped: SkippedKey[];
  /** the days listed (`listing.days`), or undefined when the whole prefix was */
  listedDays?: Day[];
  /** true when nothing but folder markers lies under the whole raw prefix (most likely a mistyped `raw.prefix`) */
  prefixEmpty: boolean;
}

/**
 * @param dataset `name` and `raw.prefix` (ending in `/`) of a configured dataset
 * @param concurrency ≥ 1: list calls at once
 * @throws what the store's list throws (the first failure; calls in flight finish first)
 * @example await observeRawPartitions(store, ds, { scope: 'days', days: ['2024-03-05'] }) // 2 list calls: Firehose and Hive prefixes of that day
 */
export async function observeRawPartitions(
  store: Pick<ObjectStore, 'list' | 'listPages'>,
  dataset: { name: string; raw: { prefix: string } },
  listing: RawListing,
  concurrency = LIST_CONCURRENCY,
): Promise<ObservedRaw> {
  if (listing.scope === 'all') return observeWholePrefix(store, dataset, concurrency);
  const { partitions, ignoredKeys, skipped } = await observeDays(store, dataset, listing.days, concurrency);
  // Nothing in the days listed (rare: they hold the ledger's latest day): one look at the whole prefix.
  const nothingListed = partitions.length + ignoredKeys.length + skipped.length === 0;
  return {
    partitions: partitions.sort((a, b) => compareText(a.day, b.day)),
    ignoredKeys: ignoredKeys.sort(compareText),
    skipped: skipped.sort(byKey),
    listedDays: listing.days,
    prefixEmpty: nothingListed && !(await holdsAnyObject(store, dataset.raw.prefix)),
  };
}

/** Whether anything but a folder marker lies under `prefix`: the first page only, where the store pages. */
async function holdsAnyObject(store: Pick<ObjectStore, 'list' | 'listPages'>, prefix: string): Promise<boolean> {
  if (!store.listPages) return (await store.list(prefix)).some((object) => !isFolderMarker(object));
  for await (const page of store.listPages(prefix)) {
    if (page.some((object) => !isFolderMarker(object))) return true;
    // a page of folder markers only: look on
  }
  return false;
}

/** Lists each day's prefixes (both layouts), `concurrency` days at a time, and reduces each day to its state. */
async function observeDays(
  store: Pick<ObjectStore, 'list'>,
  dataset: { name: string; raw: { prefix: string } },
  days: Day[],
  concurrency: number,
) {
  const prefix = dataset.raw.prefix;
  const partitions: RawPartitionState[] = [];
  const ignoredKeys: string[] = [];
  const skipped: SkippedKey[] = [];
  await forEachLimited(days, concurrency, async (day) => {
    const objects = (await Promise.all(rawDayPrefixes(prefix, day).map((p) => store.list(p)))).flat();
    const grouped = groupRawPartitions(dataset.name, objects, prefix);
    partitions.push(...grouped.partitions.map(rawPartitionState));
    ignoredKeys.push(...grouped.ignoredKeys);
    skipped.push(...grouped.skipped);
  });
  return { partitions, ignoredKeys, skipped };
}

/**
 * The whole raw prefix, streamed a page at a time (a store without `listPages`: one `list`), each day
 * folded into its state as its keys go by: the memory held is a day's keys, not the history's.
 * A day's keys arrive in runs (one per layout, Firehose's `YYYY/` before Hive's `year=`), each sorted
 * and added in order; S3's byte order and the fingerprint's code-unit order differ only for keys with
 * characters past U+FFFF, and a day whose run would go back in order is listed again on its own.
 */
async function observeWholePrefix(
  store: Pick<ObjectStore, 'list' | 'listPages'>,
  dataset: { name: string; raw: { prefix: string } },
  concurrency: number,
): Promise<ObservedRaw> {
  const prefix = dataset.raw.prefix;
  const builders = new Map<Day, RawPartitionStateBuilder>();
  const relist = new Set<Day>();
  const ignoredKeys: string[] = [];
  const skipped: SkippedKey[] = [];
  let run: { day: Day; objects: ObjectInfo[] } | undefined;
  let dataObjects = 0;
  const closeRun = () => {
    if (!run) return;
    const { day, objects } = run;
    run = undefined;
    if (relist.has(day)) return;
    objects.sort((a, b) => compareText(a.key, b.key));
    const builder = builders.get(day) ?? new RawPartitionStateBuilder(dataset.name, day);
    builders.set(day, builder);
    if (builder.lastKey !== '' && compareText(objects[0].key, builder.lastKey) <= 0) relist.add(day);
    else
      objects.forEach((object) => {
        builder.add(object);
      });
  };
  const pages = store.listPages ? store.listPages(prefix) : [await store.list(prefix)];
  for await (const page of pages) {
    for (const object of page) {
      const day = rawObjectDay(object, prefix);
      if (day !== 'marker') dataObjects += 1;
      if (day === 'ignored') ignoredKeys.push(object.key);
      if (isSkipped(day)) skipped.push({ key: object.key, why: day });
      if (day === 'ignored' || day === 'marker' || isSkipped(day)) continue;
      if (run?.day !== day) closeRun();
      run ??= { day, objects: [] };
      run.objects.push(object);
    }
  }
  closeRun();
  const relisted = await observeDays(store, dataset, [...relist], concurrency);
  const partitions = [
    ...[...builders.values()].filter((b) => !relist.has(b.day)).map((b) => b.state()),
    ...relisted.partitions,
  ];
  return {
    partitions: partitions.sort((a, b) => compareText(a.day, b.day)),
    ignoredKeys: ignoredKeys.sort(compareText),
    skipped: [...skipped, ...relisted.skipped].sort(byKey),
    prefixEmpty: dataObjects === 0,
  };
}

const byKey = (a: SkippedKey, b: SkippedKey) => compareText(a.key, b.key);

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
