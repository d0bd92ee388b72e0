/**
 * One case of the ObjectStore contract (objectStoreContract.ts), run over every adapter: discovery's per-day listing
 * (pipeline/observeRawPartitions) sees in a window exactly what the whole-prefix listing sees there,
 * in both raw layouts, across a month boundary, and nothing of a sibling dataset's prefix.
 */
import type { ObjectStore } from '../../src/core/ports';
import { observeRawPartitions } from '../../src/pipeline/observeRawPartitions';

const DATASET = { name: 'perday', raw: { prefix: 'raw/perday/' } };

export const PER_DAY_KEYS = [
  'raw/perday/2024/02/28/23/a.gz',
  'raw/perday/2024/02/29/00/a.gz',
  'raw/perday/2024/02/29/23/b.gz',
  'raw/perday/year=2024/month=02/day=29/hour=12/c.json',
  'raw/perday/2024/03/01/00/a.gz',
  'raw/perday/year=2024/month=03/day=01/d.json',
  'raw/perday/2024/03/02/05/a.gz',
  'raw/perday/2024/03/01/loose.json', // no hour folder: an ignored key of a listed day
  'raw/perdayx/2024/02/29/00/sibling.gz',
];

/** @param put writes one object with `body` at `key` (the store's own backend) */
export async function checkPerDayListing(store: ObjectStore, put: (key: string, body: string) => Promise<unknown>) {
  for (const key of PER_DAY_KEYS) await put(key, `body of ${key}`);

  const window = await observeRawPartitions(store, DATASET, { scope: 'days', days: ['2024-02-29', '2024-03-01'] }, 2);
  const everything = await observeRawPartitions(store, DATASET, { scope: 'all', reason: 'full' });

  expect(window.partitions.map((p) => [p.day, p.objectCount])).toEqual([
    ['2024-02-29', 3],
    ['2024-03-01', 2],
  ]);
  expect(window.partitions).toEqual(
    everything.partitions.filter((p) => p.day === '2024-02-29' || p.day === '2024-03-01'),
  );
  expect(window.ignoredKeys).toEqual(['raw/perday/2024/03/01/loose.json']);
  expect(window.listedDays).toEqual(['2024-02-29', '2024-03-01']);
}
