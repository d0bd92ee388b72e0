import { createHash } from 'node:crypto';
import { fingerprint, rawPartitionState } from '../../../src/core/fingerprint';
import type { ObjectInfo } from '../../../src/core/types';

const a: ObjectInfo = { key: 'raw/access_records/2024/03/05/01/a.gz', size: 100, etag: '"aaa"' };
const b: ObjectInfo = { key: 'raw/access_records/2024/03/05/02/b.gz', size: 250, etag: '"bbb"' };

describe('fingerprint', () => {
  it('is the sha256 hex of the key-sorted "key\\tsize\\tetag\\n" lines', () => {
    const objects = [b, a];

    const result = fingerprint(objects);

    const expected = createHash('sha256').update(`${a.key}\t100\t"aaa"\n${b.key}\t250\t"bbb"\n`).digest('hex');
    expect(result).toBe(expected);
    expect(result).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the listing order', () => {
    const objects = [a, b];

    const forwards = fingerprint(objects);
    const backwards = fingerprint([...objects].reverse());

    expect(backwards).toBe(forwards);
  });

  it("does not reorder the caller's list", () => {
    const objects = [b, a];

    fingerprint(objects);

    expect(objects).toEqual([b, a]);
  });

  it.each([
    ['a late file added', [a, b, { key: 'raw/access_records/2024/03/05/23/late.gz', size: 10, etag: '"c"' }]],
    ['a file removed', [a]],
    ['a file rewritten (new ETag)', [a, { ...b, etag: '"bbb2"' }]],
    ['a file resized', [a, { ...b, size: 251 }]],
    ['a file renamed', [a, { ...b, key: `${b.key}.1` }]],
  ])('changes with %s', (_, changed) => {
    const before = fingerprint([a, b]);

    const after = fingerprint(changed);

    expect(after).not.toBe(before);
  });

  it('of no objects is the hash of the empty string', () => {
    const objects: ObjectInfo[] = [];

    const result = fingerprint(objects);

    expect(result).toBe(createHash('sha256').update('').digest('hex'));
  });
});

describe('rawPartitionState', () => {
  it('keeps the fingerprint, object count and bytes of a partition', () => {
    const partition = { dataset: 'access_records', day: '2024-03-05', objects: [a, b] };

    const state = rawPartitionState(partition);

    expect(state).toEqual({
      dataset: 'access_records',
      day: '2024-03-05',
      fingerprint: fingerprint([a, b]),
      objectCount: 2,
      bytes: 350,
    });
  });
});
