/**
 * Writes a local step's days: its processed and rejected day partitions, or, when the step's reject
 * share passed the dataset's threshold, only its quarantined records under the run.
 */
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { isDataset, processedPrefix, rejectedPrefix, type TableConfig } from '../../config/config';
import { type CheckFailedError, RejectThresholdError } from '../../core/errors';
import { DAY_COLUMN, REJECTED_PARTITION_LAYOUT } from '../../core/partitionLayout';
import type { Day, StepSpec } from '../../core/types';
import { quarantineKey } from '../../core/runKeys';
import { writeDayPartitions } from './parquetWriter';

export interface PublishStepOptions {
  spec: StepSpec;
  table: TableConfig;
  /** absolute lake folder */
  lakeDir: string;
  /** the step's scratch folder */
  workDir: string;
  /** the table holding the stage's output rows (a `record_date` column) */
  outputTable: string;
  /** set when the group's reject share passed the dataset's `rejectThreshold` (records of spec.days) */
  overThreshold?: { rejected: number; total: number };
  /** days a blocking check failed: not written at all */
  blocked: Map<Day, CheckFailedError>;
}

/**
 * Over the threshold nothing is published (processed nor rejected) and every day fails with a
 * RejectThresholdError pointing at the quarantine; otherwise every day not `blocked` is replaced.
 * @returns the error of each failed day (a day absent succeeded)
 * @throws the DuckDB / file-system error as it is (a day is never half-written: parquetWriter.ts)
 */
export async function publishStepDays(
  connection: DuckDBConnection,
  opts: PublishStepOptions,
): Promise<Map<Day, Error>> {
  const { spec, table, lakeDir, workDir } = opts;
  const dataset = isDataset(table) ? table : undefined;
  const rejects = (prefix: string, days: Day[]) =>
    writeDayPartitions(connection, {
      lakeDir,
      prefix,
      table: 'rejects',
      dayColumn: 'arrival_day',
      days,
      workDir: join(workDir, 'rejected'),
      layout: REJECTED_PARTITION_LAYOUT,
    });
  if (opts.overThreshold && dataset) {
    const quarantine = quarantineKey(spec.executionId, dataset.table);
    const { rejected, total } = opts.overThreshold;
    const error = new RejectThresholdError(
      dataset.name,
      spec.days,
      rejected,
      total,
      dataset.rejectThreshold,
      quarantine,
    );
    await rejects(quarantine, spec.days);
    return new Map(spec.days.map((day) => [day, error]));
  }
  const passing = spec.days.filter((day) => !opts.blocked.has(day));
  if (passing.length)
    await writeDayPartitions(connection, {
      lakeDir,
      prefix: processedPrefix(table),
      table: opts.outputTable,
      dayColumn: DAY_COLUMN,
      days: passing,
      workDir: join(workDir, 'processed'),
      layout: table.partitionLayout,
    });
  if (dataset && passing.length) await rejects(rejectedPrefix(dataset), passing);
  return new Map(opts.blocked);
}
