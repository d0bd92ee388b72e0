/**
 * Raw CSV (`raw.format: csv`, e.g. warehouse snapshot dumps) into the tables a step reads:
 * `raw_<dataset>`, `rejects` and `raw_counts` — the same shapes rawReader.ts builds for JSON.
 * The rules are docs/tables.md "Raw CSV", as the PySpark driver applies them (lakestep_records.py
 * csv_records): records as Python's strict csv reader reads them (csvRecords.ts). Snapshot dumps
 * are small, so rows are staged as NDJSON for DuckDB's read_json rather than streamed.
 */
import { sqlString } from '../../core/sqlText';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnType, DatasetConfig } from '../../config/config';
import type { Day } from '../../core/types';
import { listRawFiles, rawTableName } from './rawReader';
import { csvRecords } from './csvRecords';
import { decodeRawFile } from './records';
import { DUCKDB_TYPE } from './sqlTypes';

export interface LoadRawCsvOptions {
  lakeDir: string;
  dataset: DatasetConfig;
  rawDays: Day[];
  /** scratch folder (created; the caller removes it) */
  stagingDir: string;
}

interface Reject {
  arrival_day: Day;
  source_file: string;
  record_index: number;
  reason: string;
  detail: string;
  raw_text: string;
}

const BIGINT = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const DOUBLE = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A field's value by its declared type; `undefined` when it does not fit (→ bad_type). An empty
 * field is NULL. bigint values stay strings so 64-bit values are exact through JSON.
 */
export function csvValue(text: string, type: ColumnType): string | number | boolean | null | undefined {
  if (text === '') return null;
  switch (type) {
    case 'string':
      return text;
    case 'bigint':
      return BIGINT.test(text) && BigInt(text) >= INT64_MIN && BigInt(text) <= INT64_MAX ? text : undefined;
    case 'double':
      return DOUBLE.test(text) ? Number(text) : undefined;
    case 'boolean':
      return /^true$/i.test(text) ? true : /^false$/i.test(text) ? false : undefined;
  }
}

/**
 * Loads the CSV files of `rawDays` and classifies every record (first reason that holds):
 * truncated_gzip (the file, once), invalid_csv (not RFC 4180 as Python's strict reader reads it —
 * when that is the header, the file is one reject — or another number of fields than the header),
 * missing_field (declared column absent from the header, or a required value empty), bad_type.
 * Blank lines are no records. The event day is the arrival day.
 * @returns the number of files read
 */
export async function loadRawCsvDays(connection: DuckDBConnection, opts: LoadRawCsvOptions): Promise<number> {
  const { dataset } = opts;
  const columns = Object.entries(dataset.columns);
  const files = await listRawFiles(opts.lakeDir, dataset.raw.prefix, opts.rawDays);
  const rows: string[] = [];
  const rejects: Reject[] = [];
  const records = new Map<Day, number>();
  const count = (day: Day) => records.set(day, (records.get(day) ?? 0) + 1);
  for (const file of files) {
    const bytes = await readFile(file.path);
    const decoded = decodeRawFile(bytes);
    const text = decoded.text.toString('utf8'); // a leading BOM is gone already (decodeRawFile)
    const base = { arrival_day: file.arrivalDay, source_file: file.key };
    if (decoded.truncated) {
      rejects.push({ ...base, record_index: 0, reason: 'truncated_gzip', detail: String(bytes.length), raw_text: text });
      count(file.arrivalDay);
      continue;
    }
    let header: string[] | undefined;
    const position = new Map<string, number>(); // a repeated header name: its first column
    let absent: string | undefined;
    let index = 0;
    for (const record of csvRecords(text)) {
      if (record.fields?.length === 0) continue; // a blank line
      if (!header) {
        if (record.error !== undefined) {
          // no header to match columns against: the file is one reject
          rejects.push({ ...base, record_index: 0, reason: 'invalid_csv', detail: `header: ${record.error}`, raw_text: record.raw });
          count(file.arrivalDay);
          break;
        }
        header = record.fields!;
        header.forEach((name, i) => position.has(name) || position.set(name, i));
        absent = columns.find(([name]) => !position.has(name))?.[0];
        continue;
      }
      count(file.arrivalDay);
      const problem = classify(record.fields, record.error, header.length);
      if (problem) rejects.push({ ...base, record_index: index, ...problem, raw_text: record.raw });
      index++;
    }
    /** The first reason that holds, or undefined after staging the typed row. */
    function classify(fields: string[] | undefined, error: string | undefined, width: number): { reason: string; detail: string } | undefined {
      if (error !== undefined || !fields) return { reason: 'invalid_csv', detail: error ?? '' };
      if (fields.length !== width) return { reason: 'invalid_csv', detail: `expected ${width} fields, got ${fields.length}` };
      if (absent) return { reason: 'missing_field', detail: absent };
      const missing = dataset.required.find((name) => fields[position.get(name) as number] === '');
      if (missing) return { reason: 'missing_field', detail: missing };
      const row: Record<string, unknown> = { _source_file: file.key, _arrival_day: file.arrivalDay };
      for (const [name, type] of columns) {
        const value = csvValue(fields[position.get(name) as number], type);
        if (value === undefined) return { reason: 'bad_type', detail: `${name}: expected ${type}` };
        row[name] = value;
      }
      rows.push(JSON.stringify({ ...row, _record_index: index }));
      return undefined;
    }
  }
  await mkdir(opts.stagingDir, { recursive: true });
  const rowsPath = join(opts.stagingDir, 'rows.ndjson');
  const rejectsPath = join(opts.stagingDir, 'rejects.ndjson');
  await writeFile(rowsPath, rows.join('\n'));
  await writeFile(rejectsPath, rejects.map((r) => JSON.stringify(r)).join('\n'));
  const declared = columns.map(([name, type]) => `${sqlString(name)}: '${DUCKDB_TYPE[type]}'`).join(', ');
  await connection.run(`CREATE OR REPLACE TABLE "${rawTableName(dataset)}" AS
    SELECT * FROM read_json(${sqlString(rowsPath)}, format = 'newline_delimited', columns = {${declared}, '_source_file': 'VARCHAR', '_record_index': 'BIGINT', '_arrival_day': 'DATE'})`);
  await connection.run(`CREATE OR REPLACE TABLE rejects AS
    SELECT arrival_day, source_file, record_index, reason, detail, CAST(NULL AS DATE) AS event_day, raw_text
    FROM read_json(${sqlString(rejectsPath)}, format = 'newline_delimited', columns = {'arrival_day': 'DATE', 'source_file': 'VARCHAR', 'record_index': 'BIGINT', 'reason': 'VARCHAR', 'detail': 'VARCHAR', 'raw_text': 'VARCHAR'})`);
  const counts = [...records].map(([day, n]) => `(DATE ${sqlString(day)}, ${n})`);
  await connection.run(
    counts.length
      ? `CREATE OR REPLACE TABLE raw_counts AS SELECT arrival_day, CAST(records AS BIGINT) AS records FROM (VALUES ${counts.join(', ')}) AS t(arrival_day, records)`
      : `CREATE OR REPLACE TABLE raw_counts (arrival_day DATE, records BIGINT)`,
  );
  return files.length;
}
