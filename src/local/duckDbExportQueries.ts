/**
 * An export's rows locally: its SQL on the local catalog (the DuckDB views over the lake the local crawler
 * publishes), the engine that computes the local stages, as one SELECT (refused otherwise).
 */
import { tableConfig, type LakestepConfig } from '../config/config';
import { ExportError } from '../core/errors';
import type { ExportQueries, ExportQuery } from '../core/ports';
import { queryCatalog } from './catalogQuery';

export class DuckDbExportQueries implements ExportQueries {
  /**
   * @param lakeDir the lake folder, whose `_catalog.duckdb` the crawl just refreshed
   * @param config the tables' declared columns (a table the export reads with no partition yet reads as empty)
   */
  constructor(
    private readonly lakeDir: string,
    private readonly config: Pick<LakestepConfig, 'datasets' | 'aggregates'>,
  ) {}

  /**
   * @returns the rows, JSON-safe as `lakestep query --format json` gives them (DATE `YYYY-MM-DD`, TIMESTAMP ISO `…Z`)
   * @throws ExportError naming the export, with DuckDB's message (an unknown column, a statement that is not a SELECT)
   */
  async rows(exp: ExportQuery): Promise<Record<string, unknown>[]> {
    const absentTablesAsEmpty = Object.fromEntries(
      exp.reads.map((table) => [table, tableConfig(this.config, table).output]),
    );
    try {
      return (await queryCatalog(this.lakeDir, exp.sql, { selectOnly: true, absentTablesAsEmpty })).rows;
    } catch (error) {
      throw new ExportError(
        exp.name,
        `its sql failed on the local catalog: ${(error as Error).message.split('\n')[0]}`,
        { cause: error },
      );
    }
  }
}
