import { RawPartitionStateBuilder, fingerprint, rawPartitionState } from '../../../src/core/fingerprint';
import type { ObjectStore } from '../../../src/core/ports';
import { compareText, groupRawPartitions } from '../../../src/core/rawKeys';
import type { ObjectInfo } from '../../../src/core/types';
import { observeRawPartitions } from '../../../src/pipeline/observeRawPartitions';

const PREFIX = 'raw/ds/';
const DATASET = { name: 'ds', raw: { prefix: PREFIX } };
const object = (key: string, size = key.length): ObjectInfo => ({ key, size, etag: `e${key.length % 7}` });

/** The listing an S3 bucket would page through: keys in the given order, `pageSize` at a time (what the S3 adapter yields). */
function pagedListing(objects: ObjectInfo[], pageSize: number): Pick<ObjectStore, 'list' | 'listPages'> {
  return {
    list: async (prefix) => objects.filter((o) => o.key.startsWith(prefix)).sort((a, b) => compareText(a.key, b.key)),
    listPages: async function* (prefix) {
      const matching = objects.filter((o) => o.key.startsWith(prefix));
      for (let i = 0; i < matching.length; i += pageSize) yield matching.slice(i, i + pageSize);
    },
  };
}

const KEYS = [
  `${PREFIX}2024/02/28/23/a.gz`,
  `${PREFIX}2024/02/29/00/a.gz`,
  `${PREFIX}2024/02/29/00/b.gz`,
  `${PREFIX}2024/02/29/loose.gz`, // ignored: no hour folder
  `${PREFIX}2024/02/29/23/c.gz`,
  `${PREFIX}2024/03/01/00/`, // a console folder marker: skipped
  `${PREFIX}2024/03/01/07/a.gz`,
  `${PREFIX}year=2024/month=02/day=28/f.json`,
  `${PREFIX}year=2024/month=02/day=29/hour=01/g.json`,
  `${PREFIX}year=2024/month=03/day=02/h.json`,
];

describe('RawPartitionStateBuilder', () => {
  it('gives the fingerprint of the whole list when objects are added in key order, and refuses one out of order', () => {
    const objects = KEYS.map((k) => object(k)).sort((a, b) => compareText(a.key, b.key));
    const builder = new RawPartitionStateBuilder('ds', '2024-02-29');

    objects.forEach((o) => {
      builder.add(o);
    });

    expect(builder.state()).toEqual(rawPartitionState({ dataset: 'ds', day: '2024-02-29', objects }));
    expect(builder.state().fingerprint).toBe(fingerprint(objects));
    expect(() => builder.add(objects[0])).toThrow(/expected ascending keys/);
  });
});

describe('observeRawPartitions over the whole prefix', () => {
  const objects = KEYS.map((k) => object(k, k.endsWith('/') ? 0 : k.length));
  const expected = groupRawPartitions('ds', objects, PREFIX);

  it.each([1, 2, 3, 1000])('streamed %i keys a page, gives what grouping the whole listing gives', async (pageSize) => {
    const seen = await observeRawPartitions(pagedListing(objects, pageSize), DATASET, { scope: 'all', reason: 'full' });

    expect(seen.partitions).toEqual(expected.partitions.map(rawPartitionState));
    expect(seen.ignoredKeys).toEqual(expected.ignoredKeys);
    expect(seen.listedDays).toBeUndefined();
  });

  it('lists a day again on its own when a run of its keys comes back before what it already added', async () => {
    // S3 orders UTF-8 bytes, the fingerprint code units: keys past U+FFFF can come in another order.
    // Served here as a second run of the day that sorts before the first.
    const day = [
      object(`${PREFIX}2024/02/29/00/\u{1F600}.gz`),
      object(`${PREFIX}2024/02/29/00/x.gz`),
      object(`${PREFIX}2024/02/29/00/\uFFFD.gz`),
    ];
    const store: Pick<ObjectStore, 'list' | 'listPages'> = {
      list: pagedListing(day, 1).list,
      listPages: async function* () {
        yield [day[1], day[2]];
        yield [object(`${PREFIX}2024/03/01/00/a.gz`)];
        yield [day[0]];
      },
    };

    const seen = await observeRawPartitions(store, DATASET, { scope: 'all', reason: 'full' });

    expect(seen.partitions[0]).toEqual(rawPartitionState({ dataset: 'ds', day: '2024-02-29', objects: day }));
    expect(seen.partitions.map((p) => p.day)).toEqual(['2024-02-29', '2024-03-01']);
  });
});

describe('observeRawPartitions on an empty raw prefix', () => {
  const marker = object(`${PREFIX}2024/03/01/00/`, 0);
  const file = object(`${PREFIX}2024/03/01/07/a.gz`);
  const days = { scope: 'days' as const, days: ['2024-03-05', '2024-03-06'] };

  it.each([
    ['nothing at all', []],
    ['folder markers only', [marker]],
  ])('says the prefix is empty with %s under it, listed whole or by day', async (_, objects) => {
    const store = pagedListing(objects, 1);

    const whole = await observeRawPartitions(store, DATASET, { scope: 'all', reason: 'first_run' });
    const byDay = await observeRawPartitions(store, DATASET, days);

    expect(whole.prefixEmpty).toBe(true);
    expect(byDay.prefixEmpty).toBe(true);
  });

  it('does not when the days listed are empty but other days hold files, and looks at one page only', async () => {
    const pagesRead: number[] = [];
    const store: Pick<ObjectStore, 'list' | 'listPages'> = {
      list: async () => [],
      listPages: async function* () {
        pagesRead.push(1);
        yield [marker];
        pagesRead.push(2);
        yield [file];
        pagesRead.push(3);
        yield [object(`${PREFIX}2024/03/02/07/b.gz`)];
      },
    };

    const whole = await observeRawPartitions(pagedListing([file], 1), DATASET, { scope: 'all', reason: 'full' });
    const byDay = await observeRawPartitions(store, DATASET, days);

    expect(whole.prefixEmpty).toBe(false);
    expect(byDay.prefixEmpty).toBe(false);
    // the first page held only a marker: the second answers, the third is never asked for
    expect(pagesRead).toEqual([1, 2]);
  });
});
