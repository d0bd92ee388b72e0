/**
 * Shared raw-record vectors (spec/vectors/raw-records/*.json): file bytes → records and rejects, the
 * same cases for both engines (jest runs them on the DuckDB reader here; spark/tests/test_vectors.py
 * on the Spark reader). Shape of a vector:
 * `{ name, dataset: {raw, columns, required?, eventTime?, lateDays?, maxRecordBytes?},
 *    files: [{ key, text } | { key, gzip: text } | { key, base64 }],
 *    records: [{ _source_file, _record_index, <column>: value }], rejects: [{ source_file, record_index, reason, detail, raw_text }] }`.
 * Values as JSON: bigint a number (a string past 2^53), timestamp ISO-8601 UTC with microseconds
 * (`2024-03-01T10:00:00.000000Z`); a reject `detail` of null is engine-specific text, not compared.
 * Records and rejects are ordered by file key, then record index.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig, type DatasetConfig } from '../../src/config/config';
import { arrivalDayOfKey } from '../../src/core/rawKeys';
import { loadRawDays } from '../../src/local/duckdb/rawReader';

export const VECTOR_DIR = resolve(__dirname, '..', '..', 'spec', 'vectors', 'raw-records');
const PREFIX = 'raw/x/';

export interface RawVector {
  name: string;
  dataset: Record<string, unknown>;
  files: { key: string; text?: string; gzip?: string; base64?: string }[];
  records: Record<string, unknown>[];
  rejects: {
    source_file: string;
    record_index: number;
    reason: string;
    detail: string | null;
    raw_text: string | null;
  }[];
}

export function loadVectors(): { file: string; vector: RawVector }[] {
  return readdirSync(VECTOR_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, vector: JSON.parse(readFileSync(join(VECTOR_DIR, file), 'utf8')) as RawVector }));
}

/** The vector's dataset as the config loader validates it (table `x`, raw prefix `raw/x/`). */
export function vectorDataset(vector: RawVector): DatasetConfig {
  const ds = {
    stage: 'spark/sql/x.sql',
    table: 'x',
    output: { x: 'string' },
    required: [],
    ...vector.dataset,
    raw: { prefix: PREFIX, ...(vector.dataset.raw as object) },
  };
  return parseConfig({ datasets: { x: ds } }).datasets.x;
}

export function fileBytes(file: RawVector['files'][number]): Buffer {
  if (file.base64 !== undefined) return Buffer.from(file.base64, 'base64');
  if (file.gzip !== undefined) return gzipSync(Buffer.from(file.gzip, 'utf8'));
  return Buffer.from(file.text ?? '', 'utf8');
}

/** Runs a vector through the DuckDB reader in `lakeDir`: its records and rejects in the vector's JSON form. */
export async function readOnDuckDb(
  vector: RawVector,
  lakeDir: string,
): Promise<Pick<RawVector, 'records' | 'rejects'>> {
  const dataset = vectorDataset(vector);
  for (const file of vector.files) {
    await mkdir(dirname(join(lakeDir, file.key)), { recursive: true });
    await writeFile(join(lakeDir, file.key), fileBytes(file));
  }
  const rawDays = [...new Set(vector.files.map((f) => arrivalDayOfKey(f.key, PREFIX)!))].sort();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await loadRawDays(connection, { lakeDir, dataset, rawDays, stagingDir: join(lakeDir, '_tmp') });
    const columns = Object.entries(dataset.columns).map(([name, c]) =>
      c.type === 'timestamp'
        ? `strftime("${name}", '%Y-%m-%dT%H:%M:%S.%fZ') AS "${name}"`
        : c.type === 'bigint'
          ? `CAST("${name}" AS VARCHAR) AS "${name}"`
          : `"${name}"`,
    );
    const records = (
      await connection.runAndReadAll(
        `SELECT _source_file, _record_index::INTEGER AS _record_index, ${columns.join(', ')} FROM raw_x ORDER BY _source_file, _record_index`,
      )
    ).getRowObjectsJS();
    const rejects = (
      await connection.runAndReadAll(
        'SELECT source_file, record_index::INTEGER AS record_index, reason, detail, raw_text FROM rejects ORDER BY source_file, record_index',
      )
    ).getRowObjectsJS();
    const bigints = Object.entries(dataset.columns)
      .filter(([, c]) => c.type === 'bigint')
      .map(([n]) => n);
    return {
      records: records.map((r) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            bigints.includes(k) && typeof v === 'string' && Math.abs(Number(v)) <= Number.MAX_SAFE_INTEGER
              ? Number(v)
              : v,
          ]),
        ),
      ),
      rejects: rejects as RawVector['rejects'],
    };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
