/**
 * Exports locally on the DuckDB engine: each export's SQL on the local catalog (the DuckDB views over the
 * lake the local crawler publishes), the engine that computes the local stages, as one SELECT (refused
 * otherwise); the rows written to the lake folder.
 */
import { tableConfig, type LakestepConfig } from '../config/config';
import { ExportError } from '../core/errors';
import type { ExportOutcome, ExportTarget } from '../core/exportSpec';
import type { ExportQuery } from '../core/exportSpec';
import type { ExportQueries, ObjectStore } from '../core/ports';
import { queryCatalog } from './catalogQuery';
import { FolderObjectStore } from './folderObjectStore';

export class DuckDbExportQueries implements ExportQueries {
  /**
   * @param lakeDir the lake folder, whose `_catalog.duckdb` the crawl just refreshed
   * @param config the tables' declared columns (a table the export reads with no partition yet reads as empty)
   * @param store where the packages go (default: the lake folder itself)
   */
  constructor(
    private readonly lakeDir: string,
    private readonly config: Pick<LakestepConfig, 'datasets' | 'aggregates'>,
    private readonly store: ObjectStore = new FolderObjectStore(lakeDir),
  ) {}

  /** See ExportQueries.write: each target's rows (rows()) to its key, then its latest key. */
  async write(_executionId: string, targets: ExportTarget[]): Promise<Record<string, ExportOutcome>> {
    const outcomes: Record<string, ExportOutcome> = {};
    for (const target of targets) {
      let rows: Record<string, unknown>[];
      try {
        rows = await this.rows(target);
      } catch (error) {
        outcomes[target.name] = { error: error instanceof ExportError ? error.reason : (error as Error).message };
        continue;
      }
      await this.store.putJson(target.key, rows);
      await this.store.putJson(target.latestKey, rows);
      outcomes[target.name] = { key: target.key, rows: rows.length };
    }
    return outcomes;
  }

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
