/**
 * Raw object keys → arrival days. Two layouts are accepted under a dataset's raw prefix:
 * - Firehose's default: `<prefix>YYYY/MM/DD/HH/<file>` (arrival hour, UTC), exactly four folders;
 * - Hive style: `<prefix>year=YYYY/month=MM/day=DD/[anything/]<file>` (zero-padded, as lakestep writes).
 * Everything else is reported back (ignoredKeys) so the caller can warn instead of dropping data silently.
 */
import { isDay } from './days';
import type { Day, ObjectInfo, RawPartition } from './types';

const FIREHOSE_PATTERN = /^(\d{4})\/(\d{2})\/(\d{2})\/([01]\d|2[0-3])\/[^/]+$/;
const HIVE_PATTERN = /^year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/(?:[^/]+\/)*[^/]+$/;

/**
 * The arrival day a raw object's key names, or undefined when the key is outside `rawPrefix`, names
 * no calendar date (`2024/02/30/…`, hour `24`), or follows neither accepted layout.
 * @param rawPrefix dataset raw prefix ending in `/`, e.g. `raw/access_records/`
 * @example
 * arrivalDayOfKey('raw/access_records/2024/03/05/17/f-1.gz', 'raw/access_records/') // '2024-03-05'
 * arrivalDayOfKey('raw/access_records/year=2024/month=03/day=05/hour=17/f.json', 'raw/access_records/') // '2024-03-05'
 */
export function arrivalDayOfKey(key: string, rawPrefix: string): Day | undefined {
  if (!key.startsWith(rawPrefix)) return undefined;
  const rest = key.slice(rawPrefix.length);
  const match = FIREHOSE_PATTERN.exec(rest) ?? HIVE_PATTERN.exec(rest);
  if (!match) return undefined;
  const day = `${match[1]}-${match[2]}-${match[3]}`;
  return isDay(day) ? day : undefined;
}

/** A raw object in an accepted layout that is not read, and why. */
export interface SkippedKey {
  key: string;
  why: 'hidden name' | 'symlink';
}

/** A zero-byte key ending in `/`: a console-made "folder", not data. */
export const isFolderMarker = (object: ObjectInfo) => object.key.endsWith('/') && object.size === 0;

/**
 * Why a raw object in an accepted layout is not read, if it is not: a name (of the file or of a
 * folder under the prefix) starting with `_` or `.` marks it as not data (`_SUCCESS`, `.tmp`,
 * `_temporary/`), as Spark's and Hadoop's readers treat it; a local symbolic link is not followed.
 */
export function skipReason(object: ObjectInfo, rawPrefix: string): 'hidden name' | 'symlink' | undefined {
  if (
    object.key
      .slice(rawPrefix.length)
      .split('/')
      .some((segment) => segment.startsWith('_') || segment.startsWith('.'))
  )
    return 'hidden name';
  return object.symlink ? 'symlink' : undefined;
}

/**
 * Sorts one listed object: its arrival day; `'ignored'` for a key in no accepted layout, or its
 * skipReason for an object in one that is not read (both to warn about); `'marker'` for a folder
 * marker (not data, silently left out).
 * @example rawObjectDay({ key: 'raw/a/2024/03/05/17/f.gz', size: 1, etag: 'e' }, 'raw/a/') // '2024-03-05'
 */
export function rawObjectDay(object: ObjectInfo, rawPrefix: string): Day | 'ignored' | 'marker' | SkippedKey['why'] {
  if (isFolderMarker(object)) return 'marker';
  const day = arrivalDayOfKey(object.key, rawPrefix);
  if (day === undefined) return 'ignored';
  return skipReason(object, rawPrefix) ?? day;
}

/** rawObjectDay's answer for an object that is not read, and why. */
export const isSkipped = (sorted: string): sorted is SkippedKey['why'] =>
  sorted === 'hidden name' || sorted === 'symlink';

/**
 * Groups a listing of a dataset's raw objects into arrival-day partitions.
 * @param objects any order; keys relative to the lake root
 * @returns partitions ascending by day, each with its objects ascending by key (code-unit order);
 *   `ignoredKeys` (ascending) are keys in no accepted layout, and `skipped` (ascending by key) the
 *   objects not read (skipReason), for the caller to warn about. Folder markers are skipped silently.
 * @example
 * groupRawPartitions('access_records', [{ key: 'raw/access_records/2024/03/05/17/a.gz', size: 10, etag: 'e' }], 'raw/access_records/')
 * // { partitions: [{ dataset: 'access_records', day: '2024-03-05', objects: [ … ] }], ignoredKeys: [], skipped: [] }
 */
export function groupRawPartitions(
  dataset: string,
  objects: ObjectInfo[],
  rawPrefix: string,
): { partitions: RawPartition[]; ignoredKeys: string[]; skipped: SkippedKey[] } {
  const byDay = new Map<Day, ObjectInfo[]>();
  const ignoredKeys: string[] = [];
  const skipped: SkippedKey[] = [];
  for (const object of objects) {
    const day = rawObjectDay(object, rawPrefix);
    if (day === 'marker') continue;
    if (day === 'ignored') {
      ignoredKeys.push(object.key);
      continue;
    }
    if (isSkipped(day)) {
      skipped.push({ key: object.key, why: day });
      continue;
    }
    const list = byDay.get(day);
    if (list) list.push(object);
    else byDay.set(day, [object]);
  }
  const partitions = [...byDay.entries()]
    .sort(([a], [b]) => compareText(a, b))
    .map(([day, list]) => ({ dataset, day, objects: [...list].sort((a, b) => compareText(a.key, b.key)) }));
  return {
    partitions,
    ignoredKeys: ignoredKeys.sort(compareText),
    skipped: skipped.sort((a, b) => compareText(a.key, b.key)),
  };
}

/** Code-unit order: the same on every machine and locale (unlike localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
