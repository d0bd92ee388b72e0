/**
 * `lakestep snapshot`: freezes a table's processed partitions as a stable checkpoint (core/snapshots),
 * lists the snapshots, removes one. Works over ports, so the same code runs on the lake folder with
 * the local catalog and on the stage's bucket with Glue.
 */
import { allTableNames, processedPrefix, tableConfig, type LakestepConfig } from '../config/config';
import { dayOfPartitionPath } from '../core/partitionLayout';
import { InputError } from '../core/errors';
import type { Clock, Lock, ObjectCopies, ObjectStore, SnapshotCatalog } from '../core/ports';
import {
  manifestKey,
  snapshotPrefix,
  snapshotsOf,
  snapshotTable,
  SNAPSHOTS_PREFIX,
  validateSnapshotName,
  type FoundSnapshot,
  type SnapshotManifest,
} from '../core/snapshots';
import type { Day } from '../core/types';

export interface SnapshotPorts {
  store: ObjectStore & ObjectCopies;
  catalog: SnapshotCatalog;
  lock: Lock;
  clock: Clock;
}

/**
 * Copies `processed/<table>/` to `snapshots/<name>/<table>/`, registers `<table>__<name>`, then writes
 * the manifest, under the pipeline lock (a run cannot publish half-way through the copy). Leftovers
 * of a snapshot of this name a crash cut short (files, no manifest) are removed first.
 * @throws InputError for a bad name, an unknown table, a table with no partitions, or a snapshot
 *   that exists already (it is never overwritten); LockHeldError while an execution runs
 */
export async function createSnapshot(
  ports: SnapshotPorts,
  config: Pick<LakestepConfig, 'datasets' | 'aggregates' | 'lockTtlSeconds'>,
  table: string,
  name: string,
): Promise<SnapshotManifest> {
  validateSnapshotName(name);
  const known = allTableNames(config);
  if (!known.includes(table))
    throw new InputError('TABLE', `unknown table "${table}" (expected one of ${known.join(', ')})`);
  const existing = await ports.store.getJson<SnapshotManifest>(manifestKey(name, table));
  if (existing) {
    throw new InputError(
      'NAME',
      `snapshot ${name} of ${table} exists (made ${existing.createdAt}) and is never overwritten; choose another name, or remove it first with \`lakestep snapshot --remove ${name} ${table}\``,
    );
  }
  const nowMs = ports.clock.nowMs();
  const holder = `snapshot-${name}-${nowMs}`;
  await ports.lock.acquire(holder, nowMs, config.lockTtlSeconds);
  try {
    await removeFiles(ports, name, table); // a cut attempt's leftovers
    const source = processedPrefix({ table });
    const layout = tableConfig(config, table).partitionLayout;
    const objects = (await ports.store.list(source)).filter((o) => dayOfPartitionPath(o.key, layout) !== undefined);
    if (!objects.length)
      throw new InputError(
        'TABLE',
        `${table} has no processed partitions under ${source} to snapshot (run the pipeline first)`,
      );
    const prefix = snapshotPrefix(name, table);
    for (const o of objects) await ports.store.copy(o.key, prefix + o.key.slice(source.length));
    const days = [...new Set(objects.map((o) => dayOfPartitionPath(o.key, layout) as Day))].sort();
    const catalogTable = snapshotTable(name, table);
    await ports.catalog.register({ name, table, catalogTable, prefix, days, layout });
    const manifest: SnapshotManifest = {
      name,
      table,
      catalogTable,
      createdAt: new Date(nowMs).toISOString(),
      source,
      prefix,
      days,
      layout,
      files: objects.map((o) => ({ key: o.key.slice(source.length), size: o.size, etag: o.etag })),
    };
    await ports.store.putJson(manifestKey(name, table), manifest);
    return manifest;
  } finally {
    await ports.lock.release(holder);
  }
}

/** Every snapshot in the lake, complete or cut short, by name then table. */
export async function listSnapshots(store: ObjectStore): Promise<FoundSnapshot[]> {
  const listed = await store.list(SNAPSHOTS_PREFIX);
  const manifests: Record<string, SnapshotManifest | undefined> = {};
  for (const o of listed.filter((o) => o.key.endsWith('/_snapshot.json')))
    manifests[o.key] = await store.getJson<SnapshotManifest>(o.key);
  return snapshotsOf(listed, manifests);
}

/**
 * Removes snapshot `name` (of every table, or of `table`): the manifest first (it is no longer a
 * snapshot), then its catalog table, then its files; a cut snapshot's leftovers likewise.
 * @returns the snapshots removed
 * @throws InputError when there is no such snapshot
 */
export async function removeSnapshot(
  ports: SnapshotPorts,
  config: Pick<LakestepConfig, 'lockTtlSeconds'>,
  name: string,
  table?: string,
): Promise<FoundSnapshot[]> {
  validateSnapshotName(name);
  const found = (await listSnapshots(ports.store)).filter((s) => s.name === name && (!table || s.table === table));
  if (!found.length)
    throw new InputError(
      'NAME',
      `no snapshot ${name}${table ? ` of ${table}` : ''} (\`lakestep snapshot --list\` shows them)`,
    );
  const nowMs = ports.clock.nowMs();
  const holder = `snapshot-${name}-${nowMs}`;
  await ports.lock.acquire(holder, nowMs, config.lockTtlSeconds);
  try {
    for (const s of found) {
      await ports.store.remove([manifestKey(s.name, s.table)]);
      await removeFiles(ports, s.name, s.table);
    }
    return found;
  } finally {
    await ports.lock.release(holder);
  }
}

/** The catalog table and every file of `snapshots/<name>/<table>/`. */
async function removeFiles(
  ports: Pick<SnapshotPorts, 'store' | 'catalog'>,
  name: string,
  table: string,
): Promise<void> {
  await ports.catalog.unregister(snapshotTable(name, table));
  const keys = (await ports.store.list(snapshotPrefix(name, table))).map((o) => o.key);
  if (keys.length) await ports.store.remove(keys);
}
