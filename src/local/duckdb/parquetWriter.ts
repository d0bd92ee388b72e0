/**
 * Writes day partitions of a DuckDB table as Parquet under the lake, replacing whole days:
 * `<lake>/<prefix>year=YYYY/month=MM/day=DD/part-<uuid>.parquet`, with no year/month/day columns
 * inside the files (the day column itself, e.g. `record_date`, stays). The table must not have
 * columns named year, month or day (they would shadow the partition path for a reader).
 *
 * Order of events, per docs/stage-contract.md (the same order the S3 writes must keep):
 * 1. every day is written to a scratch folder under the lake (one COPY per day into a fresh
 *    folder); a failure here leaves the lake untouched;
 * 2. per day, the new files are renamed into the day's folder (unique names, same file system,
 *    so each rename is atomic), then the day's old files are removed;
 * 3. a day without rows ends with no data files (its old ones removed).
 * Only the days given are touched, whatever else the table holds.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { partitionPath } from '../../core/days';
import type { Day } from '../../core/types';

export interface WriteDaysOptions {
  lakeDir: string;
  /** lake key prefix of the table, ending in `/`, e.g. `processed/access_records/` */
  prefix: string;
  /** table (or view) in the connection holding the rows */
  table: string;
  /** its DATE column that names each row's day, e.g. `record_date` or `arrival_day` */
  dayColumn: string;
  /** the days to replace, `YYYY-MM-DD`; rows of other days are not written */
  days: Day[];
  /** scratch folder on the lake's file system (created, then removed) */
  workDir: string;
}

/** Files and rows written per day (days without rows included, with 0). */
export interface WriteDaysResult {
  rowsByDay: Record<Day, number>;
  filesWritten: number;
  filesRemoved: number;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Timestamp kinds written as plain TIMESTAMP (microseconds, no zone), as the contract asks. */
const TIMESTAMP_TYPES = new Set(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP_S']);

/**
 * Replaces the given days of a partitioned Parquet table with the rows of `table`.
 * @throws the DuckDB or file-system error; when thrown during the COPY, the lake is untouched
 * @example await writeDayPartitions(conn, { lakeDir, prefix: 'processed/access_records/', table: 'stage_output',
 *   dayColumn: 'record_date', days: ['2024-03-01'], workDir: `${lakeDir}/_tmp/x` })
 */
export async function writeDayPartitions(connection: DuckDBConnection, opts: WriteDaysOptions): Promise<WriteDaysResult> {
  const { lakeDir, prefix, table, dayColumn, days, workDir } = opts;
  const result: WriteDaysResult = { rowsByDay: Object.fromEntries(days.map((d) => [d, 0])), filesWritten: 0, filesRemoved: 0 };
  const reserved = new Set(['year', 'month', 'day']);
  const described = (await connection.runAndReadAll(`DESCRIBE ${ident(table)}`)).getRowObjectsJson();
  const select = described
    .map((row) => String(row.column_name))
    .filter((name) => !reserved.has(name))
    .map((name) => {
      const type = String(described.find((row) => row.column_name === name)?.column_type);
      return TIMESTAMP_TYPES.has(type) ? `CAST(${ident(name)} AS TIMESTAMP) AS ${ident(name)}` : ident(name);
    });

  const dayList = days.map((d) => `DATE ${literal(d)}`).join(', ');
  const counts = await connection.runAndReadAll(
    `SELECT strftime(${ident(dayColumn)}, '%Y-%m-%d') AS d, count(*)::BIGINT AS n FROM ${ident(table)} WHERE ${ident(dayColumn)} IN (${dayList}) GROUP BY 1`,
  );
  for (const row of counts.getRowObjectsJson()) result.rowsByDay[String(row.d)] = Number(row.n);

  await mkdir(workDir, { recursive: true });
  try {
    // One COPY per day with rows, into <workDir>/<day>/: measured 1.5 s against 1.9 s for one COPY …
    // PARTITION_BY over 2M rows and 11 days (DuckDB's partitioned writer hashes and buffers every row;
    // a day filter on an in-memory table is a cheap scan). The day column stays in the files.
    // Snappy, named rather than left to DuckDB's default: the codec Spark writes by default and
    // both Athena and Spark read without settings; cheaper to write than zstd.
    for (const day of days.filter((d) => result.rowsByDay[d] > 0)) {
      await mkdir(join(workDir, day));
      const file = join(workDir, day, `part-${randomUUID()}.parquet`);
      await connection.run(`
        COPY (SELECT ${select.join(', ')} FROM ${ident(table)} WHERE ${ident(dayColumn)} = DATE ${literal(day)})
        TO ${literal(file)} (FORMAT parquet, COMPRESSION snappy)`);
    }
    for (const day of days) {
      const part = partitionPath(day);
      const target = join(lakeDir, prefix, ...part.split('/'));
      const written = join(workDir, day);
      const fresh = await listFiles(written);
      const old = await listFiles(target);
      if (fresh.length > 0) await mkdir(target, { recursive: true });
      // New files first (unique names, nothing of the old day is lost if we stop here), then the old ones.
      for (const name of fresh) await rename(join(written, name), join(target, name));
      const freshNames = new Set(fresh);
      for (const name of old) {
        if (!freshNames.has(name)) await rm(join(target, name), { force: true });
      }
      result.filesWritten += fresh.length;
      result.filesRemoved += old.filter((name) => !freshNames.has(name)).length;
      if (fresh.length === 0 && old.length > 0) await removeEmptyDirs(join(lakeDir, prefix), part);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return result;
}

/** Data files directly in a folder (hidden and `_` files are not data); [] when it does not exist. */
async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.') && !e.name.startsWith('_')).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Removes `day=`, then `month=`, then `year=` folders of a partition path while they are empty. */
async function removeEmptyDirs(root: string, part: string): Promise<void> {
  const segments = part.split('/');
  for (let k = segments.length; k > 0; k--) {
    try {
      await rmdir(join(root, ...segments.slice(0, k)));
    } catch {
      return; // not empty (or gone): stop
    }
  }
}
