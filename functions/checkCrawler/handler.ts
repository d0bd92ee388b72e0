import { awsPorts } from '../../src/aws/ports';
import { CrawlerFailedError } from '../../src/core/errors';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../functionFactory';

/** RUNNING (wait again) or READY; CrawlerFailedError when the last crawl failed. */
export const makeCheckCrawler = (ports: Pick<Ports, 'crawler'>) =>
  lambda(async () => {
    const { state, lastStatus, lastError } = await ports.crawler.state();
    if (state === 'READY' && lastStatus === 'FAILED')
      throw new CrawlerFailedError(`the last crawl failed: ${lastError ?? 'no message'}`);
    return { state, lastStatus };
  });

export const handler = makeCheckCrawler(awsPorts(process.env));
