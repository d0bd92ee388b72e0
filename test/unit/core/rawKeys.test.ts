import { arrivalDayOfKey, groupRawPartitions } from '../../../src/core/rawKeys';
import type { ObjectInfo } from '../../../src/core/types';

const PREFIX = 'raw/access_records/';
const object = (key: string, size = 100, etag = `"${key.length}"`): ObjectInfo => ({ key, size, etag });

describe('arrivalDayOfKey', () => {
  it.each([
    ['raw/access_records/2024/03/05/17/access-1-2024-03-05-17-00-00-abc.gz', '2024-03-05'], // Firehose default
    ['raw/access_records/2024/02/29/00/f.gz', '2024-02-29'], // 29 Feb
    ['raw/access_records/2023/12/31/23/f', '2023-12-31'], // last hour of a year
    ['raw/access_records/year=2024/month=03/day=05/f.json', '2024-03-05'], // Hive
    ['raw/access_records/year=2024/month=03/day=05/hour=17/f.json.gz', '2024-03-05'], // Hive with more folders
    ['raw/access_records/year=2024/month=02/day=29/a/b/c/f.csv', '2024-02-29'],
  ])('reads %s as arrival day %s', (key, expected) => {
    const day = arrivalDayOfKey(key, PREFIX);

    expect(day).toBe(expected);
  });

  it.each([
    ['raw/access_records/2023/02/29/10/f.gz', 'Firehose path that is not a calendar date'],
    ['raw/access_records/2024/02/30/10/f.gz', '30 February'],
    ['raw/access_records/2024/03/05/24/f.gz', 'hour 24'],
    ['raw/access_records/2024/03/05/f.gz', 'no hour folder'],
    ['raw/access_records/2024/03/05/17/extra/f.gz', 'a folder below the hour'],
    ['raw/access_records/2024/3/5/17/f.gz', 'not zero-padded'],
    ['raw/access_records/2024/03/05/17/', 'a folder, no file'],
    ['raw/access_records/year=2023/month=02/day=29/f.json', 'Hive path that is not a calendar date'],
    ['raw/access_records/year=2024/month=3/day=5/f.json', 'Hive not zero-padded'],
    ['raw/access_records/year=2024/month=03/day=05/', 'Hive folder, no file'],
    ['raw/access_records/year=2024/day=05/month=03/f.json', 'Hive keys out of order'],
    ['raw/access_records/README.md', 'a file at the top'],
    ['raw/other/2024/03/05/17/f.gz', 'outside the prefix'],
    ['raw/access_records_old/2024/03/05/17/f.gz', 'a sibling prefix that starts alike'],
    ['x/raw/access_records/2024/03/05/17/f.gz', 'prefix not at the start'],
  ])('is undefined for %s (%s)', (key) => {
    const day = arrivalDayOfKey(key, PREFIX);

    expect(day).toBeUndefined();
  });
});

describe('groupRawPartitions', () => {
  it('groups the hours of a day into one partition, days ascending, objects by key', () => {
    const objects = [
      object('raw/access_records/2024/03/06/00/c.gz'),
      object('raw/access_records/2024/03/05/23/b.gz'),
      object('raw/access_records/2024/03/05/01/a.gz'),
      object('raw/access_records/year=2024/month=03/day=05/h.json'), // both layouts meet in one day
    ];

    const { partitions, ignoredKeys } = groupRawPartitions('access_records', objects, PREFIX);

    expect(ignoredKeys).toEqual([]);
    expect(partitions.map((p) => [p.dataset, p.day, p.objects.map((o) => o.key)])).toEqual([
      [
        'access_records',
        '2024-03-05',
        [
          'raw/access_records/2024/03/05/01/a.gz',
          'raw/access_records/2024/03/05/23/b.gz',
          'raw/access_records/year=2024/month=03/day=05/h.json',
        ],
      ],
      ['access_records', '2024-03-06', ['raw/access_records/2024/03/06/00/c.gz']],
    ]);
  });

  it('keeps size and etag of every object', () => {
    const objects = [object('raw/access_records/2024/03/05/01/a.gz', 1234, '"etag-a"')];

    const { partitions } = groupRawPartitions('access_records', objects, PREFIX);

    expect(partitions[0].objects).toEqual([
      { key: 'raw/access_records/2024/03/05/01/a.gz', size: 1234, etag: '"etag-a"' },
    ]);
  });

  it('lists keys in no recognised layout so the caller can warn', () => {
    const objects = [
      object('raw/access_records/2024/03/05/01/a.gz'),
      object('raw/access_records/notes.txt'),
      object('raw/access_records/2023/02/29/01/bad-date.gz'),
    ];

    const { partitions, ignoredKeys } = groupRawPartitions('access_records', objects, PREFIX);

    expect(partitions.map((p) => p.day)).toEqual(['2024-03-05']);
    expect(ignoredKeys).toEqual(['raw/access_records/2023/02/29/01/bad-date.gz', 'raw/access_records/notes.txt']);
  });

  it('skips zero-byte folder markers silently', () => {
    const objects = [
      object('raw/access_records/', 0),
      object('raw/access_records/2024/03/05/', 0),
      object('raw/access_records/2024/03/05/01/', 0),
      object('raw/access_records/2024/03/05/01/a.gz'),
    ];

    const { partitions, ignoredKeys } = groupRawPartitions('access_records', objects, PREFIX);

    expect(ignoredKeys).toEqual([]);
    expect(partitions).toHaveLength(1);
    expect(partitions[0].objects).toHaveLength(1);
  });

  it('reports a key ending in "/" that holds bytes (not a folder marker)', () => {
    const objects = [object('raw/access_records/2024/03/05/01/', 17)];

    const { partitions, ignoredKeys } = groupRawPartitions('access_records', objects, PREFIX);

    expect(partitions).toEqual([]);
    expect(ignoredKeys).toEqual(['raw/access_records/2024/03/05/01/']);
  });

  it('keeps a zero-byte data file (an empty Firehose object is still an object)', () => {
    const objects = [object('raw/access_records/2024/03/05/01/empty.gz', 0)];

    const { partitions } = groupRawPartitions('access_records', objects, PREFIX);

    expect(partitions.map((p) => p.objects.length)).toEqual([1]);
  });

  it('skips hidden names (file or folder starting with _ or .) and symlinks, saying which and why, out of the fingerprint', () => {
    const objects = [
      object('raw/access_records/2024/03/05/01/a.gz'),
      object('raw/access_records/2024/03/05/01/_x.json'),
      object('raw/access_records/2024/03/05/01/.x.json'),
      object('raw/access_records/year=2024/month=03/day=05/_temporary/0/part.json'),
      { ...object('raw/access_records/2024/03/05/02/linked.gz', 0, ''), symlink: true as const },
    ];

    const { partitions, ignoredKeys, skipped } = groupRawPartitions('access_records', objects, PREFIX);

    expect(partitions.flatMap((p) => p.objects.map((o) => o.key))).toEqual(['raw/access_records/2024/03/05/01/a.gz']);
    expect(ignoredKeys).toEqual([]);
    expect(skipped).toEqual([
      { key: 'raw/access_records/2024/03/05/01/.x.json', why: 'hidden name' },
      { key: 'raw/access_records/2024/03/05/01/_x.json', why: 'hidden name' },
      { key: 'raw/access_records/2024/03/05/02/linked.gz', why: 'symlink' },
      { key: 'raw/access_records/year=2024/month=03/day=05/_temporary/0/part.json', why: 'hidden name' },
    ]);
  });

  it('is empty for an empty listing', () => {
    const objects: ObjectInfo[] = [];

    const result = groupRawPartitions('access_records', objects, PREFIX);

    expect(result).toEqual({ partitions: [], ignoredKeys: [], skipped: [] });
  });

  it('does not depend on the listing order', () => {
    const objects = [
      object('raw/access_records/2024/01/01/00/a.gz'),
      object('raw/access_records/2023/12/31/23/b.gz'), // year boundary
      object('raw/access_records/2023/12/31/22/c.gz'),
    ];

    const forwards = groupRawPartitions('access_records', objects, PREFIX);
    const backwards = groupRawPartitions('access_records', [...objects].reverse(), PREFIX);

    expect(backwards).toEqual(forwards);
    expect(forwards.partitions.map((p) => p.day)).toEqual(['2023-12-31', '2024-01-01']);
  });
});
