import { awsPorts } from '../../src/aws/ports';
import { allTableNames, isDataset, loadConfig, rejectedTable, tableConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../functionFactory';

/**
 * Starts the crawl of every processed table and every dataset's rejected table (a crawl already
 * running counts as started). All of them, not only the run's: aggregates downstream of the run's
 * tables got new partitions too, and a crawl of new folders only is cheap where nothing changed.
 */
export const makeStartCrawler = (ports: Pick<Ports, 'crawler'>) =>
  lambda(async (_event: { run: RunInput }) => {
    const config = loadConfig();
    const tables = allTableNames(config).map((name) => tableConfig(config, name));
    await ports.crawler.start(tables.flatMap((t) => (isDataset(t) ? [t.table, rejectedTable(t)] : [t.table])));
    return {};
  });

export const handler = makeStartCrawler(awsPorts(process.env));
