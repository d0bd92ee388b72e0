/**
 * Stable checkpoints (snapshots): a table's processed partitions copied under
 * `snapshots/<name>/<table>/` and registered in the catalog as `<table>__<name>`, so later runs never
 * change what the snapshot holds. Pure: names, keys and the manifest; pipeline/snapshot does the I/O.
 *
 * A snapshot is complete when its manifest `snapshots/<name>/<table>/_snapshot.json` exists: it is
 * written last (after the copies and the catalog entry), so a snapshot cut by a crash has files but
 * no manifest, is listed as incomplete, and is cleaned by the next `snapshot` of that name or by
 * `snapshot --remove`.
 */
import { InputError } from './errors';
import type { PartitionLayout } from './partitionLayout';
import type { Day, ObjectInfo } from './types';

export const SNAPSHOTS_PREFIX = 'snapshots/';
export const MANIFEST_FILE = '_snapshot.json';

/** A name: lower case letter first, then lower case letters, digits and `_`, at most 40 characters. */
const NAME = /^[a-z][a-z0-9_]{0,39}$/;

/**
 * @throws InputError (field NAME) when `name` is not a lower-case identifier
 * @example validateSnapshotName('release_2024q1') // 'release_2024q1'
 */
export function validateSnapshotName(name: string): string {
  if (!NAME.test(name)) {
    throw new InputError(
      'NAME',
      `"${name}" is not a snapshot name (expected a lower-case identifier: a letter, then letters, digits or _, at most 40 characters, e.g. release_2024q1)`,
    );
  }
  return name;
}

/** `snapshots/<name>/<table>/` */
export const snapshotPrefix = (name: string, table: string) => `${SNAPSHOTS_PREFIX}${name}/${table}/`;
export const manifestKey = (name: string, table: string) => `${snapshotPrefix(name, table)}${MANIFEST_FILE}`;
/** The catalog table: `<table>__<name>`, e.g. `access_records__release_2024q1`. */
export const snapshotTable = (name: string, table: string) => `${table}__${name}`;

/** What `_snapshot.json` records. */
export interface SnapshotManifest {
  name: string;
  /** the table it froze */
  table: string;
  /** `<table>__<name>` */
  catalogTable: string;
  /** ISO 8601 UTC */
  createdAt: string;
  /** `processed/<table>/` */
  source: string;
  /** `snapshots/<name>/<table>/` */
  prefix: string;
  /** the partition days copied, ascending */
  days: Day[];
  /** the source table's partitionLayout when it was frozen (absent in older manifests: ymd) */
  layout?: PartitionLayout;
  /** the copies: key under `prefix`, bytes, content ETag */
  files: ObjectInfo[];
}

/** One snapshot found in the lake: complete (with its manifest) or cut short. */
export interface FoundSnapshot {
  name: string;
  table: string;
  /** undefined: files without a manifest (a snapshot a crash cut short) */
  manifest?: SnapshotManifest;
  files: number;
  /** bytes */
  bytes: number;
}

/**
 * The snapshots under `snapshots/`, from a listing of it, by name then table.
 * @param manifests the parsed manifests by key
 */
export function snapshotsOf(
  listed: ObjectInfo[],
  manifests: Record<string, SnapshotManifest | undefined>,
): FoundSnapshot[] {
  const found = new Map<string, FoundSnapshot>();
  for (const object of listed) {
    const [, name, table, ...rest] = object.key.split('/');
    if (!name || !table || rest.length === 0) continue;
    const id = `${name}/${table}`;
    const entry = found.get(id) ?? { name, table, files: 0, bytes: 0 };
    if (rest.join('/') === MANIFEST_FILE) entry.manifest = manifests[object.key];
    else {
      entry.files++;
      entry.bytes += object.size;
    }
    found.set(id, entry);
  }
  return [...found.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.table < b.table ? -1 : a.table > b.table ? 1 : 0,
  );
}
