/**
 * What the PySpark driver's export mode is given (`lakestep_driver.py --export`, spark/jobs/lakestep_export.py)
 * and what it answers: the due exports, each with the keys its package goes to and, per table it reads, the
 * declared columns (a table with no file yet reads as empty) and the partition columns its folders carry
 * (shown as text, as the catalog shows them). Pure: no I/O.
 */
import type { LakestepConfig, OutputType } from '../config/config';
import { ConfigError } from './errors';
import { partitionColumns } from './partitionLayout';

/** An export as its engine needs it (config `exports:`): `reads` are the tables its SELECT reads. */
export interface ExportQuery {
  name: string;
  sql: string;
  reads: string[];
}

/** An export with the keys its package is written to: `key` first, then the copy at `latestKey`. */
export interface ExportTarget extends ExportQuery {
  /** e.g. `exports/project_downloads_28d/run-20240305T101112Z-1a2b.json` */
  key: string;
  /** e.g. `exports/project_downloads_28d/latest.json` */
  latestKey: string;
}

export interface ExportSpecRead {
  table: string;
  /** the table's declared output columns */
  columns: Record<string, OutputType>;
  /** e.g. `['record_date']` or `['year', 'month', 'day']` */
  partitionColumns: string[];
}

export interface ExportSpec {
  executionId: string;
  /** where the driver writes the ExportResult, e.g. `_runs/<execution>/exports.result.json` */
  resultKey: string;
  /** `reads`: each table the export's SELECT reads, completed */
  exports: (Omit<ExportTarget, 'reads'> & { reads: ExportSpecRead[] })[];
}

/** Per export: the package's key and its number of rows, or why it failed (the driver's words). */
export type ExportOutcome = { key: string; rows: number } | { error: string };

/** The driver's answer at `resultKey`; `seconds`: wall time of all exports. */
export interface ExportResult {
  exports: Record<string, ExportOutcome>;
  seconds: number;
}

/**
 * @throws ConfigError naming `exports.<name>.reads` when a table read is neither a dataset nor an aggregate
 * @example exportSpec('run-1', '_runs/run-1/exports.result.json', [{ name: 'e', sql: 'SELECT 1', reads: ['t'], key: 'exports/e/run-1.json', latestKey: 'exports/e/latest.json' }], config)
 * // { executionId: 'run-1', resultKey: …, exports: [{ name: 'e', …, reads: [{ table: 't', columns: {…}, partitionColumns: ['year', 'month', 'day'] }] }] }
 */
export function exportSpec(
  executionId: string,
  resultKey: string,
  targets: ExportTarget[],
  config: Pick<LakestepConfig, 'datasets' | 'aggregates'>,
): ExportSpec {
  return {
    executionId,
    resultKey,
    exports: targets.map((target) => ({
      ...target,
      reads: target.reads.map((table) => {
        const declared = config.datasets[table] ?? config.aggregates[table];
        if (!declared) throw new ConfigError(`exports.${target.name}.reads`, `${table} is not a table of the project`);
        return { table, columns: declared.output, partitionColumns: partitionColumns(declared.partitionLayout) };
      }),
    })),
  };
}
