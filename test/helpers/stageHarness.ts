/** A real in-memory DuckDB with a stage's SQL loaded, for the stage fixture tests. */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readStageSql } from '../../src/local/duckdb/stage';

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

/** Creates `name` with typed `columns` and inserts `rows` (missing fields NULL). */
export async function createTable(connection: DuckDBConnection, name: string, columns: Record<string, string>, rows: Record<string, unknown>[]): Promise<void> {
  const names = Object.keys(columns);
  await connection.run(`CREATE OR REPLACE TABLE ${name} (${names.map((n) => `${n} ${columns[n]}`).join(', ')})`);
  for (const row of rows) {
    await connection.run(
      `INSERT INTO ${name} VALUES (${names.map((n) => `CAST(? AS ${columns[n]})`).join(', ')})`,
      names.map((n) => (row[n] ?? null) as never),
    );
  }
}
