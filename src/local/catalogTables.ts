/**
 * What the local crawler publishes of one table: its day partitions with their Parquet files, and the
 * view over them (docs/duckdb-engine.md, "The local catalog").
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  dayOfPartitionPath,
  type PartitionLayout,
  partitionColumns,
  REJECTED_PARTITION_LAYOUT,
} from '../core/partitionLayout';
import { sqlString } from '../core/sqlText';

/** Glue crawlers type Hive partition columns as strings; Athena then compares `year = '2024'`. */
const PARTITION_COLUMN_TYPE = 'VARCHAR';

/** Columns of a quarantine table (docs/raw-records.md), for the empty view of a table with no rejects yet. */
export const REJECTED_COLUMNS: [string, string][] = [
  ['arrival_day', 'DATE'],
  ['source_file', 'VARCHAR'],
  ['record_index', 'BIGINT'],
  ['reason', 'VARCHAR'],
  ['detail', 'VARCHAR'],
  ['event_day', 'DATE'],
  ['raw_text', 'VARCHAR'],
  ...partitionColumns(REJECTED_PARTITION_LAYOUT).map((c): [string, string] => [c, PARTITION_COLUMN_TYPE]),
];

/** One table the crawl publishes: its catalog name and its lake folder. */
export interface CrawlTarget {
  name: string;
  /** lake-relative, e.g. `processed/access_records` */
  folder: string;
  layout: PartitionLayout;
  /** columns of the empty view when there are no files; none = no view */
  emptyColumns?: [string, string][];
}

/** One Hive partition found (`year=YYYY/month=MM/day=DD` or `record_date=YYYY-MM-DD`) with its Parquet files. */
export interface CrawledPartition {
  table: string;
  /** `YYYY-MM-DD` */
  day: string;
  /** lake-relative folder */
  folder: string;
  files: number;
  /** bytes */
  bytes: number;
}

/** Day folders of a table in its layout that hold at least one `.parquet` file (other folders are not the table's). */
export async function crawledPartitions(lakeDir: string, target: CrawlTarget): Promise<CrawledPartition[]> {
  const out: CrawledPartition[] = [];
  const root = join(lakeDir, ...target.folder.split('/'));
  // the folder chain of the layout's columns, outermost first: ['year=2024/month=03/day=05', …]
  let paths = [''];
  for (const column of partitionColumns(target.layout)) {
    const next: string[] = [];
    for (const path of paths)
      next.push(
        ...(await subdirs(join(root, ...path.split('/')), column)).map((name) => (path ? `${path}/${name}` : name)),
      );
    paths = next;
  }
  for (const path of paths) {
    const day = dayOfPartitionPath(path, target.layout);
    if (day === undefined) continue;
    const dir = join(root, ...path.split('/'));
    const files = (await readdir(dir, { withFileTypes: true })).filter(
      (f) => f.isFile() && f.name.endsWith('.parquet'),
    );
    if (files.length === 0) continue;
    let bytes = 0;
    for (const f of files) bytes += (await stat(join(dir, f.name))).size;
    out.push({ table: target.name, day, folder: `${target.folder}/${path}`, files: files.length, bytes });
  }
  return out.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** `CREATE OR REPLACE VIEW` over the table's Parquet files, an empty typed view, or a DROP. */
export function viewSql(target: CrawlTarget, hasFiles: boolean): string {
  const name = `"${target.name}"`;
  if (hasFiles) {
    const columns = partitionColumns(target.layout);
    const glob = sqlString(`${target.folder}/${columns.map(() => '*').join('/')}/*.parquet`);
    const types = columns.map((c) => `${sqlString(c)}: ${PARTITION_COLUMN_TYPE}`).join(', ');
    return (
      `CREATE OR REPLACE VIEW ${name} AS SELECT * FROM read_parquet(${glob}, hive_partitioning = true, ` +
      `union_by_name = true, hive_types = {${types}})`
    );
  }
  if (target.emptyColumns) {
    const cols = target.emptyColumns.map(([c, t]) => `CAST(NULL AS ${t}) AS ${c}`).join(', ');
    return `CREATE OR REPLACE VIEW ${name} AS SELECT ${cols} WHERE false`;
  }
  return `DROP VIEW IF EXISTS ${name}`;
}

/** Names of the sub-folders named `<key>=…`. */
async function subdirs(dir: string, key: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries.filter((e) => e.isDirectory() && e.name.startsWith(`${key}=`)).map((e) => e.name);
}
