import { awsPorts } from '../../src/aws/ports';
import { loadConfig, rejectedTable } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../../src/pipeline/functionFactory';

/** Starts the crawl of the run's processed and rejected tables (already running counts as started). */
export const makeStartCrawler = (ports: Pick<Ports, 'crawler'>) =>
  lambda(async ({ run }: { run: RunInput }) => {
    const datasets = run.datasets.map((name) => loadConfig().datasets[name]);
    await ports.crawler.start(datasets.flatMap((ds) => [ds.table, rejectedTable(ds)]));
    return {};
  });

export const handler = makeStartCrawler(awsPorts(process.env));
