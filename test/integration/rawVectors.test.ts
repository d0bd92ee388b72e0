/**
 * The shared raw-record vectors (spec/vectors/raw-records/*.json: file bytes → records and rejects),
 * every case on the DuckDB reader. The Spark reader runs the same files (spark/tests). Format:
 * `{ name, dataset: <DatasetConfig fragment>, files: [{ key, arrivalDay, text | base64 }], records:
 * [{ _source_file, _record_index, <column>: value }], rejects: [{ source_file, record_index, reason,
 * detail (null: not compared), raw_text (absent: not compared) }] }`. A record lists the columns it
 * expects non-null (the others must be NULL); bigints past 2^53 are strings; timestamps are ISO UTC
 * with microseconds (`2024-03-01T00:00:00.000000Z`).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig, PROJECT_ROOT, type DatasetConfig } from '../../src/config/config';
import { loadRawDays } from '../../src/local/duckdb/rawReader';
import { tmpLake } from '../helpers/lake';

const DIR = resolve(PROJECT_ROOT, 'spec/vectors/raw-records');

interface Vector {
  name: string;
  dataset: Record<string, unknown>;
  files: { key: string; arrivalDay: string; text?: string; base64?: string }[];
  records: Record<string, unknown>[];
  rejects: { source_file: string; record_index: number; reason: string; detail: string | null; raw_text?: string }[];
}

/** The vector's dataset fragment as a whole dataset `v` (stage and output are placeholders: the reader does not read them). */
function datasetOf(vector: Vector): DatasetConfig {
  const fragment = { lateDays: 1, ...vector.dataset };
  return parseConfig({ datasets: { v: { stage: 'spark/sql/v.sql', table: 'v', output: { x: 'string' }, ...fragment } } }).datasets.v;
}

/** A value as the vectors write it. */
function normalise(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'bigint': {
      const n = BigInt(String(value));
      return n > BigInt(Number.MAX_SAFE_INTEGER) || n < -BigInt(Number.MAX_SAFE_INTEGER) ? n.toString() : Number(n);
    }
    case 'timestamp': {
      // DuckDB's text: 'YYYY-MM-DD HH:MM:SS[.ffffff]'
      const [date, time] = String(value).split(' ');
      const [hms, frac = ''] = time.split('.');
      return `${date}T${hms}.${frac.padEnd(6, '0')}Z`;
    }
    case 'double':
      return Number(value) === 0 ? 0 : Number(value); // -0 is written 0 in JSON
    case 'boolean':
      return value === true || value === 'true';
    default:
      return value;
  }
}

async function read(vector: Vector) {
  const lake = tmpLake('vectors');
  try {
    for (const file of vector.files) {
      const path = join(lake, file.key);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, file.base64 !== undefined ? Buffer.from(file.base64, 'base64') : Buffer.from(file.text ?? '', 'utf8'));
    }
    const dataset = datasetOf(vector);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`SET TimeZone = 'UTC'`);
      const rawDays = [...new Set(vector.files.map((f) => f.arrivalDay))].sort();
      await loadRawDays(connection, { lakeDir: lake, dataset, rawDays, stagingDir: join(lake, '_tmp') });
      const columns = Object.entries(dataset.columns);
      const rows = (await connection.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM raw_v`)).getRowObjectsJson();
      rows.sort((a, b) => (a._source_file === b._source_file ? Number(a._record_index) - Number(b._record_index) : String(a._source_file) < String(b._source_file) ? -1 : 1));
      const records = rows.map((row) => ({
        _source_file: row._source_file,
        _record_index: Number(row._record_index),
        ...Object.fromEntries(columns.map(([name, c]) => [name, normalise(row[name], c.type)])),
      }));
      const rejects = (await connection.runAndReadAll(`SELECT source_file, record_index::INTEGER AS record_index, reason, detail, raw_text FROM rejects ORDER BY source_file, record_index`)).getRowObjectsJson();
      return { records, rejects, columns };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    rmSync(lake, { recursive: true, force: true });
  }
}

const names = readdirSync(DIR).filter((n) => n.endsWith('.json')).sort();

describe('raw-record vectors on DuckDB', () => {
  it('finds the vectors', () => {
    expect(names.length).toBeGreaterThanOrEqual(10);
  });

  it.each(names)('%s', async (name) => {
    const vector = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as Vector;

    const { records, rejects, columns } = await read(vector);

    const full = vector.records.map((r) => ({ ...Object.fromEntries(columns.map(([c]) => [c, null])), ...r }));
    expect(records).toEqual(full);
    expect(rejects).toEqual(
      vector.rejects.map((r, k) => ({
        ...r,
        detail: r.detail === null ? rejects[k]?.detail : r.detail,
        raw_text: r.raw_text === undefined ? rejects[k]?.raw_text : r.raw_text,
      })),
    );
  });
});
