/** Test helpers that read a lake folder back with real DuckDB and real files. */
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export const tmpLake = (name = 'lake') => mkdtempSync(join(tmpdir(), `lakestep-${name}-`));

/** Every file under `dir`, relative path → `mtimeMs:size` (a rewrite changes it). */
export function snapshotFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = `${statSync(path).mtimeMs}:${statSync(path).size}`;
    }
  };
  try {
    walk(dir);
  } catch {
    return out;
  }
  return out;
}

/** The day folders (`YYYY-MM-DD`) whose files differ between two snapshots. */
export function changedDays(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const days = new Set<string>();
  for (const key of keys) {
    if (before[key] === after[key]) continue;
    const m = /year=(\d{4})\/month=(\d{2})\/day=(\d{2})/.exec(key);
    if (m) days.add(`${m[1]}-${m[2]}-${m[3]}`);
  }
  return [...days].sort();
}

/** Runs SQL on an in-memory DuckDB, in UTC (timestamps in the files are instants); bigints become numbers. */
export async function sql<T = Record<string, unknown>>(text: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    const reader = await connection.runAndReadAll(text);
    return reader.getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Rows per partition day of a Hive-partitioned Parquet table folder. */
export async function rowsByDay(tableDir: string): Promise<Record<string, number>> {
  const rows = await sql<{ day: string; n: string }>(
    `SELECT printf('%04d-%02d-%02d', year::INT, month::INT, day::INT) AS day, count(*) AS n
     FROM read_parquet('${tableDir}/*/*/*/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r) => [r.day, Number(r.n)]));
}

/** Folders holding Parquet files under `dir`, relative (the partition layout). */
export function partitionFolders(dir: string): string[] {
  const found = new Set<string>();
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(d, entry.name));
      else if (entry.name.endsWith('.parquet')) found.add(relative(dir, d));
    }
  };
  walk(dir);
  return [...found].sort();
}
