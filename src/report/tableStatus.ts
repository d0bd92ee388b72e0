/**
 * What `lakestep status` shows of each table, for the local lake and a deployed stage alike: its raw
 * partitions and output days as the ledger records them, compared with the lake and the stage SQL as
 * they are now. `tableStatus` and `stateDays` are pure; `readTableStatuses` reads them over the Ledger port.
 */
import type { DatasetConfig, TableConfig } from '../config/config';
import { isDataset } from '../config/config';
import { dayRange, type Day } from '../core/days';
import type { Ledger } from '../core/ports';
import type { OutputDayState, RawPartitionState } from '../core/types';
import { executionName } from '../core/runKeys';

/** One table's status (the `status --json` row, with `dataset` named `table` there). */
export interface DatasetStatus {
  dataset: string;
  stageVersion: string;
  raw: { day: string; state: 'processed' | 'new' | 'changed'; objects: number; bytes: number }[];
  outputs: {
    day: string;
    state: 'ok' | 'stale';
    records: number;
    stageVersion: string;
    executionId: string;
    committedAt: string;
  }[];
}

/** What the status of one table is made of. */
export interface TableStatusInput {
  table: string;
  /** the hash of the table's stage SQL in this checkout (pipeline/stageFiles currentStageVersions) */
  stageVersion: string;
  /** the ledger's raw partitions of the table ([] for an aggregate) */
  ledgerRaw: RawPartitionState[];
  /** the ledger's output days of the table */
  outputs: OutputDayState[];
  /**
   * the table's raw partitions in the lake now (core/fingerprint rawPartitionState of each listed one);
   * undefined when the lake was not listed (a deployed stage): the ledger's raw partitions are shown, `processed`
   */
  lakeRaw?: RawPartitionState[];
}

/**
 * A table's status. A raw partition of the lake is `new` when the ledger has none of its day, `changed`
 * when the ledger's fingerprint differs, else `processed`. An output day is `ok` when the current stage
 * SQL made it, else `stale`. The execution is named as `lakestep executions` lists it; committedAt is ISO.
 * @example tableStatus({ table: 'access_records', stageVersion: 'v2', ledgerRaw: [], outputs: [], lakeRaw: [r] }).raw
 * // [{ day: r.day, state: 'new', objects: r.objectCount, bytes: r.bytes }]
 */
export function tableStatus(input: TableStatusInput): DatasetStatus {
  const known = new Map(input.ledgerRaw.map((r) => [r.day, r.fingerprint]));
  const rawState = (r: RawPartitionState) =>
    !known.has(r.day)
      ? ('new' as const)
      : known.get(r.day) === r.fingerprint
        ? ('processed' as const)
        : ('changed' as const);
  return {
    dataset: input.table,
    stageVersion: input.stageVersion,
    raw: (input.lakeRaw ?? input.ledgerRaw).map((r) => ({
      day: r.day,
      state: rawState(r),
      objects: r.objectCount,
      bytes: r.bytes,
    })),
    outputs: input.outputs.map((o) => ({
      day: o.day,
      state: o.stageVersion === input.stageVersion ? ('ok' as const) : ('stale' as const),
      records: o.recordsOut,
      stageVersion: o.stageVersion,
      executionId: executionName(o.executionId),
      committedAt: new Date(o.committedAtMs).toISOString(),
    })),
  };
}

/**
 * Every table's status, in the order of `tables`: the ledger's raw partitions (datasets only: an
 * aggregate has none) and output days of each, read in parallel.
 * @param versions table → stage version of this checkout
 * @param lakeRaw a dataset's raw partitions in the lake now; without it the ledger's show as `processed`
 * @throws what the ledger or lakeRaw throw
 */
export async function readTableStatuses(
  ledger: Pick<Ledger, 'rawPartitions' | 'outputDays'>,
  tables: TableConfig[],
  versions: Record<string, string>,
  lakeRaw?: (dataset: DatasetConfig) => Promise<RawPartitionState[]>,
): Promise<DatasetStatus[]> {
  return Promise.all(
    tables.map(async (table) => {
      const [outputs, ledgerRaw, lake] = await Promise.all([
        ledger.outputDays(table.name),
        isDataset(table) ? ledger.rawPartitions(table.name) : [],
        isDataset(table) ? lakeRaw?.(table) : [],
      ]);
      return tableStatus({ table: table.name, stageVersion: versions[table.name], ledgerRaw, outputs, lakeRaw: lake });
    }),
  );
}

/** One state of a table's days: its name, the days in it and, for output states, their rows. */
export interface StateDays {
  state: 'ok' | 'stale' | 'failed' | 'raw new' | 'raw changed' | 'missing raw';
  days: Day[];
  records?: number;
}

/**
 * A table's days by state: output days `ok`, `stale` or `failed` (a day the last run failed, whatever
 * the ledger still holds for it), raw arrival days `raw new` / `raw changed` (not processed yet), and
 * `missing raw`, the arrival days with no raw partition between a dataset's first and last one.
 * States with no day are left out.
 * @example stateDays(status, ['2024-03-05']) // [{ state: 'ok', days: [...], records: 48210 }, { state: 'failed', days: ['2024-03-05'] }]
 */
export function stateDays(s: DatasetStatus, failedDays: Day[]): StateDays[] {
  const failed = new Set(failedDays);
  const outputs = (state: 'ok' | 'stale') => s.outputs.filter((o) => o.state === state && !failed.has(o.day));
  const rawDays = s.raw.map((r) => r.day).sort();
  const present = new Set(rawDays);
  const missing = rawDays.length
    ? dayRange(rawDays[0], rawDays[rawDays.length - 1]).filter((d) => !present.has(d))
    : [];
  const states: StateDays[] = [
    ...(['ok', 'stale'] as const).map((state) => ({
      state,
      days: outputs(state).map((o) => o.day),
      records: outputs(state).reduce((sum, o) => sum + o.records, 0),
    })),
    { state: 'failed', days: [...failed] },
    { state: 'raw new', days: s.raw.filter((r) => r.state === 'new').map((r) => r.day) },
    { state: 'raw changed', days: s.raw.filter((r) => r.state === 'changed').map((r) => r.day) },
    { state: 'missing raw', days: missing },
  ];
  return states.filter((st) => st.days.length);
}
