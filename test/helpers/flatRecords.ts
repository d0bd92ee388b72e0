/**
 * Engine tests write access records flat (`{"sessionId": …}`), not in Synapse's envelope: this is the
 * bundled config with access_records' columns read from top-level fields of their own names.
 */
import { loadConfig, type DatasetConfig, type LakestepConfig } from '../../src/config/config';

export function flatAccessRecords(dataset: DatasetConfig = loadConfig().datasets.access_records): DatasetConfig {
  return {
    ...dataset,
    columns: Object.fromEntries(
      Object.entries(dataset.columns).map(([name, column]) => [name, { ...column, path: name }]),
    ),
  };
}

/** The bundled config, access_records flat (and `rejectThreshold` overridden when given). */
export function withFlatAccessRecords(rejectThreshold?: number): LakestepConfig {
  const base = loadConfig();
  const access = flatAccessRecords(base.datasets.access_records);
  return {
    ...base,
    datasets: {
      ...base.datasets,
      access_records: { ...access, ...(rejectThreshold === undefined ? {} : { rejectThreshold }) },
    },
  };
}
