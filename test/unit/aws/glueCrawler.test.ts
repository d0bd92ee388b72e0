import { CrawlerRunningException, GetCrawlerCommand, GlueClient, StartCrawlerCommand } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { GlueCrawler } from '../../../src/aws/glueCrawler';

const glue = mockClient(GlueClient);
const names = {
  access_records: 'lakestep-prod-access_records',
  rejected_access_records: 'lakestep-prod-rejected_access_records',
};
const crawler = () => new GlueCrawler(new GlueClient({ region: 'us-east-1' }), names);

beforeEach(() => glue.reset());

describe('GlueCrawler.start', () => {
  it('starts the crawler of each table', async () => {
    glue.on(StartCrawlerCommand).resolves({});

    await crawler().start(['access_records', 'rejected_access_records']);

    expect(glue.commandCalls(StartCrawlerCommand).map((c) => c.args[0].input)).toEqual([
      { Name: 'lakestep-prod-access_records' },
      { Name: 'lakestep-prod-rejected_access_records' },
    ]);
  });

  it('treats CrawlerRunningException as started and goes on with the next table', async () => {
    glue.on(StartCrawlerCommand, { Name: 'lakestep-prod-access_records' }).rejects(
      new CrawlerRunningException({
        message: 'Crawler with name lakestep-prod-access_records has already started',
        $metadata: {},
      }),
    );
    glue.on(StartCrawlerCommand, { Name: 'lakestep-prod-rejected_access_records' }).resolves({});

    await expect(crawler().start(['access_records', 'rejected_access_records'])).resolves.toBeUndefined();

    expect(glue.commandCalls(StartCrawlerCommand)).toHaveLength(2);
  });

  it('rethrows other errors', async () => {
    glue
      .on(StartCrawlerCommand)
      .rejects(
        Object.assign(new Error('Crawler entry with name x does not exist'), { name: 'EntityNotFoundException' }),
      );

    await expect(crawler().start(['access_records'])).rejects.toThrow(/does not exist/);
  });

  it('names a table that has no crawler', async () => {
    await expect(crawler().start(['nope'])).rejects.toThrow(
      /no Glue crawler for table "nope"; known tables: access_records, rejected_access_records/,
    );
  });
});

describe('GlueCrawler.state', () => {
  it('is RUNNING while any crawler runs or stops', async () => {
    glue.on(GetCrawlerCommand, { Name: 'lakestep-prod-access_records' }).resolves({ Crawler: { State: 'STOPPING' } });
    glue
      .on(GetCrawlerCommand, { Name: 'lakestep-prod-rejected_access_records' })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } });

    expect(await crawler().state()).toEqual({ state: 'RUNNING' });
  });

  it('is READY with SUCCEEDED when every last crawl succeeded', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } });

    expect(await crawler().state()).toEqual({ state: 'READY', lastStatus: 'SUCCEEDED' });
  });

  it('reports a failed last crawl with its crawler and error message', async () => {
    glue.on(GetCrawlerCommand, { Name: 'lakestep-prod-access_records' }).resolves({
      Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', ErrorMessage: 'Internal Service Exception' } },
    });
    glue
      .on(GetCrawlerCommand, { Name: 'lakestep-prod-rejected_access_records' })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'CANCELLED' } } });

    expect(await crawler().state()).toEqual({
      state: 'READY',
      lastStatus: 'FAILED',
      lastError:
        'lakestep-prod-access_records: Internal Service Exception; lakestep-prod-rejected_access_records: cancelled',
    });
  });

  it('checks only the tables asked for, and has no last status before a first crawl', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'READY' } });

    expect(await crawler().state(['access_records'])).toEqual({ state: 'READY', lastStatus: undefined });
    expect(glue.commandCalls(GetCrawlerCommand).map((c) => c.args[0].input.Name)).toEqual([
      'lakestep-prod-access_records',
    ]);
  });
});
