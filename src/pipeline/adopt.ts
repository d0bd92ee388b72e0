/**
 * `lakestep adopt`: takes over a lake lakestep did not build, or whose ledger was lost, without
 * reprocessing anything. Lists the lake, records raw fingerprints and processed days in the ledger
 * (core/adoption), and with `since` archives the days before it. Touches no file of the lake.
 */
import { allTableNames, isDataset, processedPrefix, tableConfig, type LakestepConfig } from '../config/config';
import { adoptTable, ADOPTION_PREFIX, type TableAdoption } from '../core/adoption';
import { dayOfPartitionPath } from '../core/partitionLayout';
import { InputError } from '../core/errors';
import { rawPartitionState } from '../core/fingerprint';
import type { Ports } from '../core/ports';
import { groupRawPartitions } from '../core/rawKeys';
import type { Day } from '../core/types';
import { currentStageVersions } from './stageFiles';

export interface AdoptOptions {
  /** first day adopted (YYYY-MM-DD); earlier days are archived: never planned or rewritten again */
  since?: Day;
  /** tables to adopt (datasets or aggregates); default every table of the config */
  tables?: string[];
}

export interface AdoptReport {
  /** the id the recorded output days carry, e.g. `adopt-20240305T101112Z` */
  adoptionId: string;
  since?: Day;
  tables: (Omit<TableAdoption, 'rawRecorded' | 'outputsRecorded'> & {
    rawPartitions: number;
    outputDays: number;
    removedRaw: number;
  })[];
}

/**
 * Adopts the lake under the pipeline lock (a run cannot commit half-way through an adoption).
 * Ledger raw entries of a partition no longer in the lake are removed (the lake is the truth now).
 * @throws InputError naming an unknown table; LockHeldError while an execution runs
 */
export async function adopt(
  ports: Pick<Ports, 'store' | 'ledger' | 'lock' | 'clock'>,
  config: LakestepConfig,
  opts: AdoptOptions = {},
): Promise<AdoptReport> {
  const known = allTableNames(config);
  const names = opts.tables?.length ? opts.tables : known;
  for (const name of names) {
    if (!known.includes(name))
      throw new InputError('--dataset', `unknown table "${name}" (expected one of ${known.join(', ')})`);
  }
  const nowMs = ports.clock.nowMs();
  const adoptionId = `${ADOPTION_PREFIX}${new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
  const tables = names.map((name) => tableConfig(config, name));
  const versions = currentStageVersions(tables);
  await ports.lock.acquire(adoptionId, nowMs, config.lockTtlSeconds);
  try {
    const report: AdoptReport = { adoptionId, ...(opts.since ? { since: opts.since } : {}), tables: [] };
    for (const table of tables) {
      const processedDays = [
        ...new Set(
          (await ports.store.list(processedPrefix(table)))
            .map((o) => dayOfPartitionPath(o.key, table.partitionLayout))
            .filter((d): d is Day => d !== undefined),
        ),
      ].sort();
      const raw = isDataset(table)
        ? {
            lateDays: table.lateDays,
            partitions: groupRawPartitions(
              table.name,
              await ports.store.list(table.raw.prefix),
              table.raw.prefix,
            ).partitions.map(rawPartitionState),
          }
        : undefined;
      const adoption = adoptTable(
        { table: table.name, stageVersion: versions[table.name], processedDays, raw },
        adoptionId,
        nowMs,
        opts.since,
      );
      const recorded = new Set(adoption.rawRecorded.map((r) => r.day));
      const removedRaw = isDataset(table)
        ? (await ports.ledger.rawPartitions(table.name))
            .filter((r) => !recorded.has(r.day) && (!opts.since || r.day >= opts.since))
            .map((r) => ({ dataset: r.dataset, day: r.day }))
        : [];
      await ports.ledger.commit({ raw: adoption.rawRecorded, outputs: adoption.outputsRecorded, removedRaw });
      if (opts.since) await ports.ledger.putArchive(table.name, opts.since);
      const { rawRecorded, outputsRecorded, ...rest } = adoption;
      report.tables.push({
        ...rest,
        rawPartitions: rawRecorded.length,
        outputDays: outputsRecorded.length,
        removedRaw: removedRaw.length,
      });
    }
    return report;
  } finally {
    await ports.lock.release(adoptionId);
  }
}
