/** Refreshes the lake page (`_reports/index.html`) at the end of every execution, failed or not. */
import { allTableNames, tableConfig, type LakestepConfig } from '../config/config';
import type { Ports } from '../core/ports';
import { writeLakePage } from '../report/reportStore';
import { currentStageVersions } from './stageFiles';

/**
 * Writes the lake page from the ledger. The page is a view: a failure to make it is logged, never
 * fails the execution (the ledger and the run page are already written).
 * @returns the key written, or undefined when it could not be
 */
export async function refreshLakePage(
  ports: Pick<Ports, 'store' | 'ledger' | 'clock'>,
  config: LakestepConfig,
): Promise<string | undefined> {
  try {
    const versions = currentStageVersions(allTableNames(config).map((name) => tableConfig(config, name)));
    return await writeLakePage(ports.store, ports.ledger, versions, ports.clock.nowMs());
  } catch (error) {
    console.error(`lakestep: the lake page (_reports/index.html) was not updated: ${(error as Error).message}`);
    return undefined;
  }
}
