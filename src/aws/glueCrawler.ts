/**
 * GlueCrawler: publishes processed tables to the Glue catalog with one crawler per table
 * (serverless.yml creates them: S3 target on `processed/<table>/`, new partitions only).
 */
import { GetCrawlerCommand, StartCrawlerCommand, type GlueClient } from '@aws-sdk/client-glue';
import { LakestepError } from '../core/errors';
import type { Crawler, CrawlerState } from '../core/ports';

type LastStatus = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export class GlueCrawler implements Crawler {
  /**
   * @param client a Glue client (see clients.ts); no I/O on construction
   * @param crawlerNames catalog table → crawler name, e.g. `{ access_records: 'lakestep-prod-access_records' }`
   */
  constructor(
    private readonly client: GlueClient,
    private readonly crawlerNames: Record<string, string>,
  ) {}

  /**
   * Starts the crawler of each table (StartCrawler), one after the other.
   * A crawler that is already running (CrawlerRunningException) counts as started: it will pick up the
   * new partitions on its next run at worst, and a run bills at least 10 minutes, so never start twice.
   * @param tables catalog table names; an empty list does nothing
   * @throws LakestepError naming a table that has no crawler; other SDK errors as thrown
   */
  async start(tables: string[]): Promise<void> {
    for (const table of tables) {
      const name = this.crawlerOf(table);
      try {
        await this.client.send(new StartCrawlerCommand({ Name: name }));
      } catch (error) {
        if (error instanceof Error && error.name === 'CrawlerRunningException') continue;
        throw error;
      }
    }
  }

  /**
   * The combined state of the crawlers of `tables` (GetCrawler each): RUNNING while any is RUNNING or
   * STOPPING; otherwise READY with the worst last-crawl status (FAILED over CANCELLED over SUCCEEDED) and
   * the failed crawlers' error messages.
   * Right after StartCrawler, GetCrawler can still say READY with the previous crawl's status: the state
   * machine waits before its first check.
   * @param tables default: every table with a crawler (the Crawler port's `state()` takes no tables)
   * @returns e.g. `{ state: 'READY', lastStatus: 'FAILED', lastError: 'lakestep-prod-x: Internal Service Exception' }`
   */
  async state(
    tables: string[] = Object.keys(this.crawlerNames),
  ): Promise<{ state: CrawlerState; lastStatus?: LastStatus; lastError?: string }> {
    let running = false;
    const statuses: (LastStatus | undefined)[] = [];
    const errors: string[] = [];
    for (const table of tables) {
      const name = this.crawlerOf(table);
      const { Crawler: crawler } = await this.client.send(new GetCrawlerCommand({ Name: name }));
      if (crawler?.State === 'RUNNING' || crawler?.State === 'STOPPING') running = true;
      const last = crawler?.LastCrawl;
      statuses.push(last?.Status);
      if (last?.Status === 'FAILED' || last?.Status === 'CANCELLED') {
        errors.push(`${name}: ${last.ErrorMessage ?? last.Status.toLowerCase()}`);
      }
    }
    if (running) return { state: 'RUNNING' };
    const lastStatus = worst(statuses);
    return errors.length > 0
      ? { state: 'READY', lastStatus, lastError: errors.join('; ') }
      : { state: 'READY', lastStatus };
  }

  private crawlerOf(table: string): string {
    const name = this.crawlerNames[table];
    if (!name) {
      throw new LakestepError(
        `no Glue crawler for table "${table}"; known tables: ${Object.keys(this.crawlerNames).join(', ') || '(none)'} (check CRAWLER_NAMES)`,
      );
    }
    return name;
  }
}

/** FAILED > CANCELLED > SUCCEEDED; undefined when no crawler has finished a crawl yet. */
function worst(statuses: (LastStatus | undefined)[]): LastStatus | undefined {
  for (const status of ['FAILED', 'CANCELLED'] as const) if (statuses.includes(status)) return status;
  return statuses.length > 0 && statuses.every((s) => s === 'SUCCEEDED') ? 'SUCCEEDED' : undefined;
}
