import { loadConfig, type DatasetConfig, type LakestepConfig } from '../../src/config/config';

/**
 * A shipped dataset whose columns are read at the top level of a record (path = the column's name)
 * instead of from Synapse's envelope payload: for tests whose records are written flat.
 */
export function flatDataset(name: string, config: LakestepConfig = loadConfig()): DatasetConfig {
  const dataset = config.datasets[name];
  return { ...dataset, columns: Object.fromEntries(Object.entries(dataset.columns).map(([column, c]) => [column, { ...c, path: column }])) };
}

/** The shipped config with `names` (default: every dataset) read flat (see flatDataset). */
export function flatConfig(names?: string[], config: LakestepConfig = loadConfig()): LakestepConfig {
  const datasets = { ...config.datasets };
  for (const name of names ?? Object.keys(datasets)) datasets[name] = flatDataset(name, config);
  return { ...config, datasets };
}
