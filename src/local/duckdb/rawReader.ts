/**
 * Loads a step's raw arrival days into DuckDB by the rules of docs/raw-records.md: stages the files
 * (rawStaging.ts), fills the relations the generated SQL reads (rawRelations.ts) and runs that SQL
 * (core/rawSql). Leaves `classified`, the view `raw_<dataset>` and `rejects` in the connection.
 * How records get in (fast NDJSON lines, per-record lines, Parquet) and why: docs/duckdb-engine.md.
 */
import { mkdir } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetConfig } from '../../config/config';
import { duckdbNdjsonClassifiedSql, RAW_RELATIONS, rawReadSql } from '../../core/rawSql';
import type { Day } from '../../core/types';
import { loadFastRejectTexts, recoverRefused } from './fastRecordRecovery';
import { listRawFiles } from './rawFiles';
import { namingRawFiles } from './rawFileErrors';
import { stageFiles } from './rawStagingPool';
import { appendLeftovers, createInputTables, csvSourceSql, loadParquet } from './rawRelations';
import {
  FAST_FILE_FIELD,
  FAST_INDEX_FIELD,
  FAST_MAX_RECORD_BYTES,
  type FastFile,
  type OddRecord,
  type SplitterReject,
} from './rawStaging';

export interface LoadRawOptions {
  lakeDir: string;
  dataset: DatasetConfig;
  /** arrival days to read, `YYYY-MM-DD` (a day with no files is fine) */
  rawDays: Day[];
  /** scratch folder for staged record lines (created; the caller removes it) */
  stagingDir: string;
  /** stage sound records as NDJSON for read_json (default true); false sends every record the per-record way (tests compare the two) */
  fastPath?: boolean;
}

/** What loadRawDays read. Times in seconds, for the bench's profile. */
export interface LoadRawStats {
  files: number;
  /** bytes read from the lake (compressed) */
  bytes: number;
  /** bytes of record text after inflating */
  textBytes: number;
  /** records found by the splitter, plus one per truncated gzip or unreadable Parquet file */
  records: number;
  /** of which staged as fast NDJSON lines (read by DuckDB's read_json) */
  fastRecords: number;
  truncatedFiles: number;
  /** CSV: lines equal to the header inside a file (concatenated shards), skipped */
  repeatedHeaders: number;
  /** inflating, splitting and staging on the worker threads (wall) */
  stageSeconds: number;
  /** the rest of the load's wall time: DuckDB's parse and classification */
  parseSeconds: number;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The stats of a step that reads no raw files (an aggregate's). */
export const NO_RAW_STATS: LoadRawStats = {
  files: 0,
  bytes: 0,
  textBytes: 0,
  records: 0,
  fastRecords: 0,
  truncatedFiles: 0,
  repeatedHeaders: 0,
  stageSeconds: 0,
  parseSeconds: 0,
};

/**
 * Reads the raw files of `rawDays` into `classified`, `raw_<dataset>` and `rejects` (replacing any
 * earlier tables of those names in the connection).
 * @throws the I/O or DuckDB error as it is (the step fails as a whole)
 */
export async function loadRawDays(connection: DuckDBConnection, opts: LoadRawOptions): Promise<LoadRawStats> {
  const { lakeDir, dataset, rawDays, stagingDir } = opts;
  const started = performance.now();
  const files = await listRawFiles(lakeDir, dataset.raw.prefix, rawDays);
  await mkdir(stagingDir, { recursive: true });
  const stats: LoadRawStats = { ...NO_RAW_STATS, files: files.length };
  const sql = rawReadSql(dataset, 'duckdb');
  await createInputTables(connection, files);

  let stagedAt = performance.now();
  if (dataset.raw.format === 'parquet') {
    await loadParquet(connection, files, stats);
    await connection.run(`CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${sql.classified}`);
  } else {
    // A dataset declaring a column of an injected field's name (absurd, but) is read the per-record way.
    const fastPath =
      dataset.raw.format === 'json' &&
      (opts.fastPath ?? true) &&
      !(FAST_FILE_FIELD in dataset.columns) &&
      !(FAST_INDEX_FIELD in dataset.columns);
    const csv = dataset.raw.csv ? { ...dataset.raw.csv, columns: dataset.columns } : undefined;
    const staged = await stageFiles(
      files.map((file, fileId) => ({
        fileId,
        path: file.path,
        stagingDir,
        fastPath,
        format: dataset.raw.format as 'json' | 'csv',
        maxRecordBytes: dataset.maxRecordBytes,
        maxFileBytes: dataset.maxFileBytes,
        csv,
      })),
    );
    stagedAt = performance.now();
    const odd: OddRecord[] = [];
    const rejects: SplitterReject[] = [];
    const fastFiles = new Map<number, FastFile>();
    const slowPaths: string[] = [];
    for (const file of staged) {
      stats.bytes += file.size;
      stats.textBytes += file.textBytes;
      stats.records += file.count;
      stats.repeatedHeaders += file.repeatedHeaders;
      stats.truncatedFiles += file.rejects.filter((r) => r.reason === 'truncated_gzip').length;
      odd.push(...file.odd);
      rejects.push(...file.rejects);
      if (file.fast) {
        fastFiles.set(file.fileId, file.fast);
        stats.fastRecords += file.fast.count;
      }
      if (file.slowPath) slowPaths.push(file.slowPath);
    }
    // Fast lines first, straight into classified (one insert over every staged file: DuckDB
    // parallelises within a query); then every other record through raw_records.
    const fastSql = (paths: string[]) =>
      duckdbNdjsonClassifiedSql(dataset, {
        paths,
        fileField: FAST_FILE_FIELD,
        indexField: FAST_INDEX_FIELD,
        maxObjectBytes: 4 * FAST_MAX_RECORD_BYTES,
      });
    if (fastFiles.size > 0) {
      const inserted = await namingRawFiles(files, () =>
        connection.run(
          `CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${fastSql([...fastFiles.values()].map((f) => f.path))}`,
        ),
      );
      // A line DuckDB's parser refused is an all-NULL row, dropped by the join: find those records.
      if (inserted.rowsChanged < stats.fastRecords) await recoverRefused(connection, fastFiles, odd);
    }
    if (slowPaths.length > 0)
      await namingRawFiles(files, () =>
        connection.run(`INSERT INTO ${RAW_RELATIONS.records} ${csvSourceSql(slowPaths)}`),
      );
    await appendLeftovers(connection, odd, rejects);
    await connection.run(
      fastFiles.size > 0
        ? `INSERT INTO ${RAW_RELATIONS.classified} ${sql.classified}`
        : `CREATE OR REPLACE TABLE ${RAW_RELATIONS.classified} AS ${sql.classified}`,
    );
    await loadFastRejectTexts(connection, fastFiles);
  }
  await connection.run(`CREATE OR REPLACE VIEW ${ident(sql.rawViewName)} AS ${sql.rawView}`);
  await connection.run(`CREATE OR REPLACE TABLE ${RAW_RELATIONS.rejects} AS ${sql.rejects}`);
  await connection.run(`DROP TABLE ${RAW_RELATIONS.records}`);
  stats.stageSeconds = (stagedAt - started) / 1000;
  stats.parseSeconds = (performance.now() - stagedAt) / 1000;
  return stats;
}
