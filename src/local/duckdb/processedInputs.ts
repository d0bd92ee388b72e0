/**
 * The processed tables a stage reads (StepSpec.reads), as DuckDB views named after the tables over
 * exactly the day partitions in range — never the whole table. A range with no files yet gives an
 * empty view with the table's declared output columns, so the stage SQL still binds. Under the
 * `date` partition layout the files hold no `record_date`: the view puts it back from the folder, as
 * a DATE, so a stage reads the same columns whatever the layout of its input.
 */
import { sqlIdent, sqlString } from '../../core/sqlText';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { processedPrefix, tableConfig, type LakestepConfig } from '../../config/config';
import { dayRange } from '../../core/days';
import { DAY_COLUMN, partitionPath, type PartitionLayout } from '../../core/partitionLayout';
import type { TableRange } from '../../core/types';
import { DUCKDB_TYPE } from './sqlTypes';

/** The Parquet files of `table` in the days `from … to`, absolute paths. */
async function partitionFiles(
  lakeDir: string,
  prefix: string,
  range: TableRange,
  layout: PartitionLayout,
): Promise<string[]> {
  const files: string[] = [];
  for (const day of dayRange(range.from, range.to)) {
    const folder = join(lakeDir, prefix, partitionPath(day, layout));
    const names = await readdir(folder).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [] as string[];
      throw err;
    });
    files.push(...names.filter((n) => n.endsWith('.parquet')).map((n) => join(folder, n)));
  }
  return files;
}

/**
 * Creates one view per read: `CREATE VIEW <table> AS SELECT … FROM read_parquet([files])`.
 * @throws ConfigError for a table not in the config
 */
export async function createReadViews(
  connection: DuckDBConnection,
  lakeDir: string,
  reads: TableRange[],
  config: LakestepConfig,
): Promise<void> {
  for (const read of reads) {
    const table = tableConfig(config, read.table);
    const layout = table.partitionLayout;
    const files = await partitionFiles(lakeDir, processedPrefix(table), read, layout);
    // the files hold no partition columns; union_by_name keeps an older file with fewer columns readable
    const fromFolder =
      layout === 'date'
        ? `, hive_partitioning = true, hive_types = {${sqlString(DAY_COLUMN)}: DATE}`
        : ', hive_partitioning = false';
    const source = files.length
      ? `SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true${fromFolder})`
      : `SELECT ${Object.entries(read.columns ?? table.output)
          .map(([name, type]) => `CAST(NULL AS ${DUCKDB_TYPE[type]}) AS ${name}`)
          .join(', ')} WHERE false`;
    await connection.run(`CREATE OR REPLACE VIEW ${read.table} AS ${source}`);
    // Files hold instants (TIMESTAMP WITH TIME ZONE, as Spark writes them); a stage computes on naive UTC
    // TIMESTAMPs, the type of its raw columns and of an empty range, so it reads the same type either way.
    const described = (await connection.runAndReadAll(`DESCRIBE ${read.table}`)).getRowObjectsJson();
    const instants = described
      .filter((row) => row.column_type === 'TIMESTAMP WITH TIME ZONE')
      .map((row) => sqlIdent(String(row.column_name)));
    if (instants.length) {
      const replace = instants.map((c) => `timezone('UTC', ${c}) AS ${c}`).join(', ');
      await connection.run(`CREATE OR REPLACE VIEW ${read.table} AS SELECT * REPLACE (${replace}) FROM (${source})`);
    }
  }
}
