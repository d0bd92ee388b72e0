/** A real in-memory DuckDB with a stage's SQL loaded, for the stage fixture tests. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { isDataset, loadConfig, tableConfig, type LakestepConfig } from '../../src/config/config';
import { readStageSql } from '../../src/local/duckdb/stage';
import { DUCKDB_TYPE } from '../../src/local/duckdb/sqlTypes';

export interface StageHarness {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  stageSql: string;
}

export async function openStage(stagePath: string): Promise<StageHarness> {
  const instance = await DuckDBInstance.create(':memory:');
  return { instance, connection: await instance.connect(), stageSql: await readStageSql(stagePath) };
}

export function closeStage({ instance, connection }: Pick<StageHarness, 'instance' | 'connection'>): void {
  connection.closeSync();
  instance.closeSync();
}

/**
 * Opens the stage for the whole test file (beforeAll) and closes it after (afterAll). Read
 * `connection` and `stageSql` inside tests: they exist once beforeAll has run.
 */
export function useStage(stagePath: string): {
  readonly connection: DuckDBConnection;
  readonly stageSql: string;
  createTable: (name: string, columns: Record<string, string>, rows: Record<string, unknown>[]) => Promise<void>;
} {
  let harness: StageHarness | undefined;
  beforeAll(async () => {
    harness = await openStage(stagePath);
  });
  afterAll(() => harness && closeStage(harness));
  const opened = () => {
    if (!harness) throw new Error(`stage ${stagePath} is not open (read it inside a test)`);
    return harness;
  };
  return {
    get connection() {
      return opened().connection;
    },
    get stageSql() {
      return opened().stageSql;
    },
    createTable: (name, columns, rows) => createTable(opened().connection, name, columns, rows),
  };
}

/** A processed table as the engine reads it back: its `output:` columns in lakestep.config.yml (the project's in use unless given), DuckDB-typed. */
export function processedColumns(table: string, config: LakestepConfig = loadConfig()): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tableConfig(config, table).output).map(([name, type]) => [name, DUCKDB_TYPE[type]]),
  );
}

/** `raw_<dataset>` as the engine builds it (docs/stage-contract.md): the declared columns, DuckDB-typed, then the provenance columns. */
export function rawColumns(dataset: string, config: LakestepConfig = loadConfig()): Record<string, string> {
  const table = tableConfig(config, dataset);
  if (!isDataset(table)) throw new Error(`${dataset} is not a dataset`);
  return {
    ...Object.fromEntries(Object.entries(table.columns).map(([name, c]) => [name, DUCKDB_TYPE[c.type]])),
    _source_file: 'VARCHAR',
    _record_index: 'BIGINT',
    _arrival_day: 'DATE',
  };
}

/** Creates `name` with typed `columns` and inserts `rows` (missing fields NULL). */
export async function createTable(
  connection: DuckDBConnection,
  name: string,
  columns: Record<string, string>,
  rows: Record<string, unknown>[],
): Promise<void> {
  const names = Object.keys(columns);
  await connection.run(`CREATE OR REPLACE TABLE ${name} (${names.map((n) => `${n} ${columns[n]}`).join(', ')})`);
  for (const row of rows) {
    await connection.run(
      `INSERT INTO ${name} VALUES (${names.map((n) => `CAST(? AS ${columns[n]})`).join(', ')})`,
      names.map((n) => (row[n] ?? null) as never),
    );
  }
}
