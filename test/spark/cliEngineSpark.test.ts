/** `lakestep run --engine spark`: the CLI's whole run through the PySpark driver on local Spark gives DuckDB's rows. */
import { join } from 'node:path';
import { lakestep, useSampleLake } from '../helpers/cli';
import { rowsByDay } from '../helpers/lake';

describe('lakestep run --engine spark', () => {
  const lake = useSampleLake('cli-spark');

  it('gives the same rows as the DuckDB engine, through the PySpark driver on local Spark', async () => {
    const duckdb = await lakestep('run', '--lake', lake);
    expect(duckdb.code).toBe(0);
    const duckdbRows = await rowsByDay(join(lake, 'processed/access_records'));

    const spark = await lakestep(
      'run',
      '--lake',
      lake,
      '--engine',
      'spark',
      '--from',
      '2024-12-30',
      '--to',
      '2025-01-02',
      '--force',
    );

    expect(spark.code).toBe(0);
    expect(await rowsByDay(join(lake, 'processed/access_records'))).toEqual(duckdbRows);
  }, 600_000); // a Spark start-up on a loaded 2-core machine
});
