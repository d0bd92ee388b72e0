/**
 * Record texts for any dataset, from its declared columns alone: values drawn by type, placed by `path`
 * into nested JSON objects or by header name / `position` into CSV fields, and the malformed variants
 * that exercise each quarantine reason of docs/raw-records.md. Pure (the caller's seeded Rng draws).
 */
import type { DatasetConfig, RawColumn } from '../config/config';
import type { Rng } from './rng';

/** One record's values: column name → a JSON value (undefined: the field is left out). */
export type Values = Record<string, unknown>;

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

/** The ISO-8601 text of epoch ms (UTC, `Z`), as producers write event times. */
export const isoOf = (ms: number) => new Date(ms).toISOString();

/**
 * Draws a record: the event time column (if any) at `eventMs`, dedupKey columns unique by `serial`,
 * others random; an optional column is left out of about 1 record in 20. Numbers of bigint columns
 * are written as strings of digits about a third of the time (`"42"`: lenient casts read them).
 * @param stringNumbers false for Parquet, whose columns have one type each
 */
export function drawValues(ds: DatasetConfig, rng: Rng, serial: number, eventMs: number, stringNumbers = true): Values {
  const values: Values = {};
  const key = new Set(ds.dedupKey ?? []);
  for (const [name, column] of Object.entries(ds.columns)) {
    const required = ds.required.includes(name) || key.has(name) || name === ds.eventTime;
    if (!required && rng.int(20) === 0) continue;
    if (name === ds.eventTime) values[name] = column.type === 'timestamp' ? isoOf(eventMs) : eventMs;
    else if (key.has(name)) values[name] = uniqueValue(name, column, serial, eventMs);
    else values[name] = randomValue(name, column, rng, eventMs, stringNumbers);
  }
  return values;
}

function uniqueValue(name: string, column: RawColumn, serial: number, eventMs: number): unknown {
  switch (column.type) {
    case 'bigint':
      return serial + 1;
    case 'double':
      return serial + 0.5;
    case 'timestamp':
      return isoOf(eventMs);
    case 'boolean':
      return serial % 2 === 0;
    default:
      return `${name}-${serial.toString(36).padStart(6, '0')}`;
  }
}

function randomValue(name: string, column: RawColumn, rng: Rng, eventMs: number, stringNumbers: boolean): unknown {
  switch (column.type) {
    case 'bigint': {
      const n = rng.between(1, 1000);
      return stringNumbers && rng.int(3) === 0 ? String(n) : n;
    }
    case 'double':
      return rng.int(100_000) / 100;
    case 'boolean':
      return rng.int(2) === 0;
    case 'timestamp':
      return isoOf(eventMs - rng.int(86_400_000));
    default:
      return `${name}_${rng.pick(WORDS)}`;
  }
}

/** A value no cast of `type` accepts (docs/raw-records.md), for a `bad_type` record. */
export const UNCASTABLE: Record<RawColumn['type'], string> = {
  bigint: 'abc',
  double: 'abc',
  boolean: 'maybe',
  timestamp: 'yesterday',
  string: '',
};

/** The nested JSON object of a record: each value at its column's path. */
export function jsonRecord(ds: DatasetConfig, values: Values): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const segments = ds.columns[name].path.split('.');
    let node = root;
    for (const segment of segments.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[segments[segments.length - 1]] = value;
  }
  return root;
}

/** The CSV fields of a header file (by path, in declaration order) or a headerless one (by position). */
export function csvFields(ds: DatasetConfig, values: Values): string[] {
  const columns = Object.entries(ds.columns);
  const headerless = ds.raw.csv?.header === false;
  const width = headerless ? Math.max(...columns.map(([, c]) => c.position ?? 0)) + 1 : columns.length;
  const fields: string[] = new Array(width).fill('');
  columns.forEach(([name, column], i) => {
    const value = values[name];
    fields[headerless ? column.position! : i] = value === undefined || value === null ? '' : String(value);
  });
  return fields;
}

/** The header line's fields (each column's path), for `header: true`. */
export const csvHeader = (ds: DatasetConfig) => Object.values(ds.columns).map((c) => c.path);

/** One CSV line: a field holding the delimiter, a quote or a line break is quoted, quotes doubled. */
export function csvLine(fields: string[], delimiter: string): string {
  return fields
    .map((f) => (f.includes(delimiter) || /["\r\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f))
    .join(delimiter);
}
