/**
 * Raw partition fingerprints: what the ledger compares to decide that an arrival day changed.
 */
import { createHash } from 'node:crypto';
import { compareText } from './rawKeys';
import type { ObjectInfo, RawPartition, RawPartitionState } from './types';

/**
 * sha256 (64 lower-case hex) of the key-sorted lines `key\tsize\tetag\n`, one per object.
 * Independent of the listing order; any added, removed, resized or rewritten (new ETag) object changes it.
 * An empty list hashes the empty string.
 * @example fingerprint([{ key: 'raw/a/2024/03/05/17/f.gz', size: 10, etag: '"9b2c"' }]) // 'c6f0…' (64 hex)
 */
export function fingerprint(objects: ObjectInfo[]): string {
  const lines = [...objects]
    .sort((a, b) => compareText(a.key, b.key))
    .map((object) => `${object.key}\t${object.size}\t${object.etag}\n`);
  return createHash('sha256').update(lines.join(''), 'utf8').digest('hex');
}

/**
 * What the ledger keeps of a raw partition: its fingerprint, object count and total bytes.
 * @example rawPartitionState({ dataset: 'access_records', day: '2024-03-05', objects }) // { dataset, day, fingerprint, objectCount: 2, bytes: 2048 }
 */
export function rawPartitionState(partition: RawPartition): RawPartitionState {
  return {
    dataset: partition.dataset,
    day: partition.day,
    fingerprint: fingerprint(partition.objects),
    objectCount: partition.objects.length,
    bytes: partition.objects.reduce((sum, object) => sum + object.size, 0),
  };
}
