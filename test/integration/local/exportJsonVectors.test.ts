/**
 * The shared export value vectors (spec/vectors/export-json/values.json) on the DuckDB engine: `SELECT <sql> AS v`
 * through the local catalog's query, as an export runs, written as its package is. spark/tests/test_export.py
 * runs the same cases through the PySpark driver's export mode.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { DuckDbCatalogCrawler } from '../../../src/local/duckDbCatalogCrawler';
import { DuckDbExportQueries } from '../../../src/local/duckDbExportQueries';
import { tmpLake } from '../../helpers/lake';

interface Vector {
  name: string;
  sql: string;
  json: unknown;
}
const VECTORS: Vector[] = JSON.parse(
  readFileSync(join(__dirname, '../../../spec/vectors/export-json/values.json'), 'utf8'),
).cases;

describe('export JSON values on DuckDB', () => {
  const lake = tmpLake('export-vectors');
  const config = loadConfig();
  beforeAll(async () => {
    mkdirSync(join(lake, 'processed'), { recursive: true });
    await new DuckDbCatalogCrawler({ lakeDir: lake, config }).start([]); // an empty catalog
  });
  afterAll(() => rmSync(lake, { recursive: true, force: true }));

  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', async (_name, vector) => {
    const target = {
      name: 'v',
      sql: `SELECT ${vector.sql} AS v`,
      reads: [],
      key: 'exports/v/x.json',
      latestKey: 'exports/v/latest.json',
    };

    const outcomes = await new DuckDbExportQueries(lake, config).write('x', [target]);

    expect(outcomes).toEqual({ v: { key: target.key, rows: 1 } });
    expect(JSON.parse(readFileSync(join(lake, target.key), 'utf8'))).toEqual([{ v: vector.json }]);
  });
});
