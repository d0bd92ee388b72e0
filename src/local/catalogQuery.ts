/**
 * `lakestep query`: SQL over the local catalog (the DuckDB views the local crawler publishes).
 */
import { DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors';
import { CATALOG_FILE, sqlString } from './duckDbCatalogCrawler';

export interface QueryResult {
  columns: string[];
  /** one object a row, keyed by column name; JSON-safe values (see queryCatalog) */
  rows: Record<string, unknown>[];
}

/**
 * Runs `sql` on `<lakeDir>/_catalog.duckdb`, opened read-only (a query never changes the lake),
 * with relative paths resolved against the lake, so it works from any working directory.
 * Values: BIGINT/HUGEINT → number when it is a safe integer, else a decimal string;
 * DATE → `YYYY-MM-DD`; TIMESTAMP → ISO `2024-03-05T10:15:30.123Z`; nested lists/structs likewise.
 * @throws InputError (field `lake`) when the lake has no catalog yet; DuckDB's error for bad SQL
 *   (for an unknown table, with a hint that tables appear once the pipeline writes them)
 * @example await queryCatalog('./lake', 'SELECT count(*) AS n FROM access_records') // { columns: ['n'], rows: [{ n: 1433 }] }
 */
export async function queryCatalog(lakeDir: string, sql: string): Promise<QueryResult> {
  const lake = resolve(lakeDir);
  const catalog = join(lake, CATALOG_FILE);
  if (!existsSync(catalog)) {
    throw new InputError('lake', `${lake} has no catalog yet (${CATALOG_FILE} not found); run \`lakestep run\` first`);
  }
  const instance = await DuckDBInstance.create(catalog, { access_mode: 'READ_ONLY' });
  try {
    const con = await instance.connect();
    try {
      await con.run(`SET file_search_path = ${sqlString(lake)}`);
      await con.run(`SET TimeZone = 'UTC'`); // now(), date casts and TIMESTAMPTZ render in UTC, as Athena does
      const reader = await con.runAndReadAll(sql).catch((e: Error) => {
        const missing = /Table with name (\S+) does not exist/.exec(e.message);
        if (!missing) throw e;
        throw new Error(`${e.message.split('\n')[0]} (the local catalog has no table ${missing[1]}: a table appears after \`lakestep run\` writes its first partition; SELECT * FROM lakestep_partitions lists what was crawled)`, { cause: e });
      });
      const columns = reader.columnNames();
      const dateColumns = new Set(columns.filter((_, i) => reader.columnTypes()[i].typeId === DuckDBTypeId.DATE));
      const rows = reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const c of columns) out[c] = jsonSafe(row[c], dateColumns.has(c));
        return out;
      });
      return { columns, rows };
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** bigint → number when safe (else string); Date → ISO text (`YYYY-MM-DD` for DATE columns); recursive. */
function jsonSafe(v: unknown, isDate = false): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return String(v);
    const iso = v.toISOString();
    return isDate ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x));
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]));
  }
  return v;
}
