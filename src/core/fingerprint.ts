/**
 * Raw partition fingerprints: what the ledger compares to decide that an arrival day changed.
 */
import { createHash } from 'node:crypto';
import { compareText } from './rawKeys';
import type { Day, ObjectInfo, RawPartition, RawPartitionState } from './types';

/**
 * sha256 (64 lower-case hex) of the key-sorted lines `key\tsize\tetag\n`, one per object.
 * Independent of the listing order; any added, removed, resized or rewritten (new ETag) object changes it.
 * An empty list hashes the empty string.
 * @example fingerprint([{ key: 'raw/a/2024/03/05/17/f.gz', size: 10, etag: '"9b2c"' }]) // 'c6f0…' (64 hex)
 */
export function fingerprint(objects: ObjectInfo[]): string {
  const lines = [...objects].sort((a, b) => compareText(a.key, b.key)).map(lineOf);
  return createHash('sha256').update(lines.join(''), 'utf8').digest('hex');
}

const lineOf = (object: ObjectInfo) => `${object.key}\t${object.size}\t${object.etag}\n`;

/**
 * A raw partition's state built object by object, for a listing too large to hold (a whole raw prefix
 * streamed page by page): the same fingerprint as {@link rawPartitionState} when the objects are added
 * in ascending key order (code units), which `add` checks.
 */
export class RawPartitionStateBuilder {
  private readonly hash = createHash('sha256');
  private objectCount = 0;
  private bytes = 0;
  /** the last key added ('' before the first) */
  lastKey = '';

  constructor(
    readonly dataset: string,
    readonly day: Day,
  ) {}

  /** @throws Error when `object.key` is not after the last key added (the fingerprint would differ) */
  add(object: ObjectInfo): void {
    if (this.objectCount > 0 && compareText(object.key, this.lastKey) <= 0)
      throw new Error(`RawPartitionStateBuilder: ${object.key} added after ${this.lastKey} (expected ascending keys)`);
    this.hash.update(lineOf(object), 'utf8');
    this.objectCount++;
    this.bytes += object.size;
    this.lastKey = object.key;
  }

  state(): RawPartitionState {
    return {
      dataset: this.dataset,
      day: this.day,
      fingerprint: this.hash.copy().digest('hex'),
      objectCount: this.objectCount,
      bytes: this.bytes,
    };
  }
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
