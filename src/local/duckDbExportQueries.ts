/**
 * An export's rows locally: its SQL on the local catalog (the DuckDB views over the lake the local crawler
 * publishes), the engine that computes the local stages, as one SELECT (refused otherwise).
 */
import { ExportError } from '../core/errors';
import type { ExportQueries } from '../core/ports';
import { queryCatalog } from './catalogQuery';

export class DuckDbExportQueries implements ExportQueries {
  /** @param lakeDir the lake folder, whose `_catalog.duckdb` the crawl just refreshed */
  constructor(private readonly lakeDir: string) {}

  /**
   * @returns the rows, JSON-safe as `lakestep query --format json` gives them (DATE `YYYY-MM-DD`, TIMESTAMP ISO `…Z`)
   * @throws ExportError naming the export, with DuckDB's message (an unknown column, a statement that is not a SELECT)
   */
  async rows(name: string, sql: string): Promise<Record<string, unknown>[]> {
    try {
      return (await queryCatalog(this.lakeDir, sql, { selectOnly: true })).rows;
    } catch (error) {
      throw new ExportError(name, `its sql failed on the local catalog: ${(error as Error).message.split('\n')[0]}`, { cause: error });
    }
  }
}
