/**
 * Adoption (`lakestep adopt`): the ledger entries that take over a lake lakestep did not build, or
 * whose ledger was lost, from what the lake holds now. Pure: the caller lists the lake.
 */
import { daysBetween } from './days';
import { inputDaysFor, outputDaysAffectedBy } from './dependencies';
import type { Day, OutputDayState, RawPartitionState } from './types';

/** Output days an adoption records carry this execution id prefix (`adopt-20240305T101112Z`). */
export const ADOPTION_PREFIX = 'adopt-';

/** True for an output day recorded by `lakestep adopt` (its row counts are unknown: 0). */
export const isAdopted = (o: { executionId?: string }) =>
  o.executionId?.split(':').pop()?.startsWith(ADOPTION_PREFIX) ?? false;

/** What the lake holds of one table. */
export interface TableInLake {
  table: string;
  /** the stage SQL's current version (core/stageVersion) */
  stageVersion: string;
  /** days with a partition under `processed/<table>/`, ascending */
  processedDays: Day[];
  /** a dataset's: its raw partitions now, with their fingerprints; an aggregate's: undefined */
  raw?: { lateDays: number; partitions: RawPartitionState[] };
}

export interface TableAdoption {
  table: string;
  /** raw partitions recorded as processed (their fingerprints now) */
  rawRecorded: RawPartitionState[];
  /** processed days recorded as made by the current stage version */
  outputsRecorded: OutputDayState[];
  /** processed days none of whose raw partitions (day−L … day+L) is in the lake: recorded, and reported */
  processedWithoutRaw: Day[];
  /** raw days none of whose output days (day−L … day+L) is processed: not recorded, so the next run computes them */
  rawWithoutOutput: Day[];
}

/**
 * The ledger entries one table's adoption writes. Days before `since` are left out (they are archived:
 * the caller records the boundary); a day before `since` counts as processed when a raw day near the
 * boundary is weighed.
 * @param since first day adopted (YYYY-MM-DD), or undefined for every day
 * @example adoptTable({ table: 'a', stageVersion: 'v1', processedDays: ['2024-03-05'], raw: { lateDays: 0, partitions: [r05, r06] } }, 'adopt-x', 0)
 * // outputsRecorded: 03-05 at v1; rawRecorded: [r05]; rawWithoutOutput: ['2024-03-06']
 */
export function adoptTable(lake: TableInLake, executionId: string, nowMs: number, since?: Day): TableAdoption {
  const live = (day: Day) => since === undefined || daysBetween(since, day) >= 0;
  const processed = new Set(lake.processedDays);
  const done = (day: Day) => processed.has(day) || !live(day);
  const outputsRecorded = lake.processedDays.filter(live).map((day) => ({
    dataset: lake.table,
    day,
    stageVersion: lake.stageVersion,
    executionId,
    committedAtMs: nowMs,
    recordsIn: 0,
    recordsOut: 0,
    duplicatesDropped: 0,
    rejected: 0,
  }));
  if (!lake.raw)
    return { table: lake.table, rawRecorded: [], outputsRecorded, processedWithoutRaw: [], rawWithoutOutput: [] };
  const { lateDays, partitions } = lake.raw;
  const rawDays = new Set(partitions.map((p) => p.day));
  const livePartitions = partitions.filter((p) => live(p.day));
  const unprocessed = (p: RawPartitionState) => !outputDaysAffectedBy(p.day, lateDays).some(done);
  return {
    table: lake.table,
    rawRecorded: livePartitions.filter((p) => !unprocessed(p)),
    outputsRecorded,
    processedWithoutRaw: outputsRecorded
      .map((o) => o.day)
      .filter((day) => !inputDaysFor(day, lateDays).some((r) => rawDays.has(r))),
    rawWithoutOutput: livePartitions.filter(unprocessed).map((p) => p.day),
  };
}
