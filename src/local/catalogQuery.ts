/**
 * `lakestep query`: SQL over the local catalog (the DuckDB views the local crawler publishes).
 */
import { DuckDBInstance, DuckDBTypeId, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../core/errors';
import { CATALOG_FILE, DuckDbCatalogCrawler } from './duckDbCatalogCrawler';
import { loadConfig, type OutputType } from '../config/config';
import { LakestepError } from '../core/errors';
import { sqlIdent, sqlString } from '../core/sqlText';
import { DUCKDB_TYPE } from './duckdb/sqlTypes';

export interface QueryOptions {
  /** refuse EXPLAIN too (an export's rows are a SELECT's) */
  selectOnly?: boolean;
  /**
   * table → its declared columns: a table the catalog has no view of (no partition written yet) reads as
   * empty with these columns, for this query only, instead of failing as unknown
   */
  absentTablesAsEmpty?: Record<string, Record<string, OutputType>>;
}

export interface QueryResult {
  /** set when the catalog was missing or unreadable and was rebuilt from the lake for this query: why */
  rebuilt?: string;
  columns: string[];
  /** one object a row, keyed by column name; JSON-safe values (see queryCatalog) */
  rows: Record<string, unknown>[];
}

/**
 * Runs `sql` on `<lakeDir>/_catalog.duckdb`, opened read-only, as one read-only statement (a SELECT,
 * WITH … SELECT or EXPLAIN: a query never changes the lake, and `COPY … TO` or a second statement
 * after `;` is refused), with extension auto-install and auto-load off (no download);
 * with relative paths resolved against the lake, so it works from any working directory.
 * Values: BIGINT/HUGEINT → number when it is a safe integer, else a decimal string;
 * DATE → `YYYY-MM-DD`; TIMESTAMP → ISO `2024-03-05T10:15:30.123Z`; nested lists/structs likewise.
 * @throws InputError (field `lake`) when the lake has no catalog yet; InputError (field `sql`) for
 *   more than one statement or one that is not read-only; DuckDB's error for bad SQL
 *   (for an unknown table, with a hint that tables appear once the pipeline writes them)
 * Options: see QueryOptions.
 * @example await queryCatalog('./lake', 'SELECT count(*) AS n FROM access_records') // { columns: ['n'], rows: [{ n: 1433 }] }
 */
export async function queryCatalog(lakeDir: string, sql: string, options: QueryOptions = {}): Promise<QueryResult> {
  const lake = resolve(lakeDir);
  const catalog = join(lake, CATALOG_FILE);
  const hasTables = existsSync(join(lake, 'processed'));
  if (!existsSync(catalog) && !hasTables) {
    throw new InputError('lake', `${lake} has no catalog yet (${CATALOG_FILE} not found); run \`lakestep run\` first`);
  }
  const open = () =>
    DuckDBInstance.create(catalog, {
      access_mode: 'READ_ONLY',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  // The catalog is derived data: missing or unreadable, it is rebuilt from processed/ and rejected/.
  let rebuilt: string | undefined;
  let instance = existsSync(catalog)
    ? await open().catch(
        (e: Error) => ((rebuilt = `${CATALOG_FILE} was unreadable (${e.message.split('\n')[0]})`), undefined),
      )
    : undefined;
  if (!instance) {
    rebuilt ??= `${CATALOG_FILE} was missing`;
    const crawler = new DuckDbCatalogCrawler({ lakeDir: lake, config: loadConfig() });
    await crawler.start([]);
    const { lastError } = await crawler.state();
    if (lastError) throw new LakestepError(`${rebuilt} and could not be rebuilt: ${lastError}`);
    instance = await open();
  }
  try {
    const con = await instance.connect();
    try {
      await con.run(`SET file_search_path = ${sqlString(lake)}`);
      await con.run(`SET TimeZone = 'UTC'`); // now(), date casts and TIMESTAMPTZ render in UTC, as Athena does
      await emptyViewsOfAbsentTables(con, options.absentTablesAsEmpty ?? {});
      const statements = await con.extractStatements(sql);
      if (statements.count !== 1)
        throw new InputError(
          'sql',
          `${statements.count} statements given; expected one read-only statement (a query never changes the lake)`,
        );
      // prepare binds the statement: an unknown table fails there
      const reader = await statements
        .prepare(0)
        .then((prepared) => readOnly(prepared, options.selectOnly ? SELECT_ONLY : READ_ONLY).runAndReadAll())
        .catch((e: Error) => {
          const missing = /Table with name (\S+) does not exist/.exec(e.message);
          if (!missing) throw e;
          throw new Error(
            `${e.message.split('\n')[0]} (the local catalog has no table ${missing[1]}: a table appears after \`lakestep run\` writes its first partition; SELECT * FROM lakestep_partitions lists what was crawled)`,
            { cause: e },
          );
        });
      const columns = reader.columnNames();
      const dateColumns = new Set(columns.filter((_, i) => reader.columnTypes()[i].typeId === DuckDBTypeId.DATE));
      const rows = reader.getRowObjectsJS().map((row) => {
        const out: Record<string, unknown> = {};
        for (const c of columns) out[c] = jsonSafe(row[c], dateColumns.has(c));
        return out;
      });
      return { ...(rebuilt ? { rebuilt: `${rebuilt}; it was rebuilt from the lake` } : {}), columns, rows };
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** A TEMP view (the catalog is opened read-only; temporary objects live outside it) for each table the catalog lacks. */
async function emptyViewsOfAbsentTables(
  con: DuckDBConnection,
  tables: Record<string, Record<string, OutputType>>,
): Promise<void> {
  const names = Object.keys(tables);
  if (!names.length) return;
  const found = await con.runAndReadAll(
    `SELECT table_name FROM information_schema.tables WHERE table_name IN (${names.map(sqlString).join(', ')})`,
  );
  const present = new Set(found.getRowObjectsJS().map((r) => String(r.table_name)));
  for (const name of names.filter((n) => !present.has(n))) {
    const columns = Object.entries(tables[name]).map(([c, t]) => `CAST(NULL AS ${DUCKDB_TYPE[t]}) AS ${sqlIdent(c)}`);
    await con.run(`CREATE TEMP VIEW ${sqlIdent(name)} AS SELECT ${columns.join(', ')} WHERE false`);
  }
}

/** Statement kinds that only read. */
const READ_ONLY = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);
const SELECT_ONLY = new Set<number>([StatementType.SELECT]);

/** @throws InputError naming the statement's kind when it is not one of `allowed` (SELECT, EXPLAIN) */
function readOnly<T extends { statementType: number }>(prepared: T, allowed: Set<number>): T {
  if (!allowed.has(prepared.statementType)) {
    const kind = StatementType[prepared.statementType as StatementType] ?? String(prepared.statementType);
    const expected = allowed.has(StatementType.EXPLAIN) ? 'SELECT, WITH … SELECT, EXPLAIN' : 'SELECT, WITH … SELECT';
    throw new InputError(
      'sql',
      `a ${kind} statement is not a query; expected one read-only statement (${expected}): a query never changes the lake`,
    );
  }
  return prepared;
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
