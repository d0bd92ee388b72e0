import {
  manifestKey,
  snapshotsOf,
  snapshotTable,
  validateSnapshotName,
  type SnapshotManifest,
} from '../../../src/core/snapshots';

describe('validateSnapshotName', () => {
  it('takes a lower-case identifier and refuses anything else, naming NAME', () => {
    expect(validateSnapshotName('release_2024q1')).toBe('release_2024q1');

    for (const bad of ['V1', '1st', 'a-b', 'a/b', '', '_x', 'x'.repeat(41)]) {
      expect(() => validateSnapshotName(bad)).toThrow(
        /^NAME: ".*" is not a snapshot name \(expected a lower-case identifier/,
      );
    }
  });
});

describe('snapshotsOf', () => {
  it('groups the listing by name and table, a snapshot without its manifest as cut short', () => {
    const manifest = { name: 'v1', table: 'a', catalogTable: snapshotTable('v1', 'a') } as SnapshotManifest;
    const listed = [
      { key: 'snapshots/v1/a/_snapshot.json', size: 100, etag: 'm' },
      { key: 'snapshots/v1/a/year=2024/month=03/day=01/part-0.parquet', size: 10, etag: 'x' },
      { key: 'snapshots/v1/a/year=2024/month=03/day=02/part-0.parquet', size: 20, etag: 'y' },
      { key: 'snapshots/v0/b/year=2024/month=03/day=01/part-0.parquet', size: 5, etag: 'z' },
      { key: 'snapshots/stray.txt', size: 1, etag: 's' }, // no name/table folder: not a snapshot
    ];

    const found = snapshotsOf(listed, { [manifestKey('v1', 'a')]: manifest });

    expect(found).toEqual([
      { name: 'v0', table: 'b', files: 1, bytes: 5 },
      { name: 'v1', table: 'a', files: 2, bytes: 30, manifest },
    ]);
    expect(manifest.catalogTable).toBe('a__v1');
  });
});
