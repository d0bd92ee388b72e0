import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { GetCrawlerCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

// src/core/sparkSubmitArgs.ts is written in parallel; until it lands, stand in for it so this file can
// test what it owns (awsPorts), not the absence of another module.
if (!existsSync(resolve(__dirname, '../../../src/core/sparkSubmitArgs.ts'))) {
  jest.doMock('../../../src/core/sparkSubmitArgs', () => ({ sparkSubmitArgs: () => [] }), { virtual: true });
}
// Required after the (conditional) mock; importing it is itself the first test: no I/O, no throw.
const { awsPorts } = require('../../../src/aws/ports') as typeof import('../../../src/aws/ports');

const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);
const sns = mockClient(SNSClient);
const doc = mockClient(DynamoDBDocumentClient);

beforeEach(() => {
  s3.reset();
  glue.reset();
  sns.reset();
  doc.reset();
});

describe('awsPorts', () => {
  it('builds from an empty environment without throwing, with a clock on Date.now', () => {
    const ports = awsPorts({});

    expect(Object.keys(ports).sort()).toEqual([
      'clock',
      'clusters',
      'crawler',
      'events',
      'exports',
      'ledger',
      'lock',
      'notifier',
      'steps',
      'store',
    ]);
    expect(Math.abs(ports.clock.nowMs() - Date.now())).toBeLessThan(1000);
  });

  it.each([
    ['store', (p: ReturnType<typeof awsPorts>) => p.store.list('raw/'), /environment variable LAKE_BUCKET is not set/],
    ['store.getJson', (p: ReturnType<typeof awsPorts>) => p.store.getJson('plans/x.json'), /LAKE_BUCKET is not set/],
    // EMR_CLUSTER_ID may be empty (transient mode: each step names its cluster), so ARTIFACTS_URI is the first missing
    [
      'steps',
      (p: ReturnType<typeof awsPorts>) => p.steps.describe('s-1'),
      /environment variable ARTIFACTS_URI is not set/,
    ],
    ['clusters', (p: ReturnType<typeof awsPorts>) => p.clusters.ensure('e'), /environment variable STAGE is not set/],
    [
      'notifier',
      (p: ReturnType<typeof awsPorts>) => p.notifier.publish('s', {}),
      /environment variable ALERTS_TOPIC_ARN is not set/,
    ],
    [
      'crawler',
      (p: ReturnType<typeof awsPorts>) => p.crawler.start(['t']),
      /environment variable CRAWLER_NAMES is not set/,
    ],
    [
      'ledger',
      (p: ReturnType<typeof awsPorts>) => p.ledger.rawPartitions('ds'),
      /environment variable LEDGER_TABLE is not set \(nor STAGE/,
    ],
    [
      'lock',
      (p: ReturnType<typeof awsPorts>) => p.lock.release('e'),
      /environment variable LOCK_TABLE is not set \(nor STAGE/,
    ],
    [
      'events',
      (p: ReturnType<typeof awsPorts>) =>
        p.events.runCompleted({ execution: 'e', status: 'SUCCEEDED', tables: {}, exports: {} }),
      /environment variable STAGE is not set/,
    ],
  ])('%s: the first use names the missing variable', async (_port, use, message) => {
    await expect(use(awsPorts({}))).rejects.toThrow(message);
  });

  it("reads the export phase's result from the lake bucket (so it needs LAKE_BUCKET)", async () => {
    const target = {
      name: 'e',
      sql: 'SELECT 1',
      reads: ['t'],
      key: 'exports/e/x.json',
      latestKey: 'exports/e/latest.json',
    };

    await expect(awsPorts({}).exports.write('x', [target])).rejects.toThrow(/LAKE_BUCKET is not set/);
  });

  it('names a malformed LAKE_BUCKET and CRAWLER_NAMES', async () => {
    const ports = awsPorts({ LAKE_BUCKET: 's3://lake/', CRAWLER_NAMES: '{"t": 1}' });

    await expect(ports.store.list('raw/')).rejects.toThrow(
      /LAKE_BUCKET is "s3:\/\/lake\/"; expected a bare bucket name/,
    );
    await expect(ports.crawler.state()).rejects.toThrow(/CRAWLER_NAMES is \{"t": 1\}; expected a JSON object/);
  });

  it('wires the store, crawler and notifier to the configured bucket, crawlers and topic', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'raw/a', Size: 1, ETag: '"e"' }] });
    glue.on(GetCrawlerCommand).resolves({ Crawler: { State: 'RUNNING' } });
    sns.on(PublishCommand).resolves({});
    const ports = awsPorts({
      AWS_REGION: 'us-east-1',
      LAKE_BUCKET: 'lakestep-dev-lake',
      CRAWLER_NAMES: '{"access_records":"lakestep-dev-access_records"}',
      ALERTS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:lakestep-dev-alerts',
    });

    expect(await ports.store.list('raw/')).toEqual([{ key: 'raw/a', size: 1, etag: 'e' }]);
    expect(await ports.crawler.state()).toEqual({ state: 'RUNNING' });
    await ports.notifier.publish('subject', { a: 1 });

    expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({
      Bucket: 'lakestep-dev-lake',
      Prefix: 'raw/',
    });
    expect(glue.commandCalls(GetCrawlerCommand)[0].args[0].input).toEqual({ Name: 'lakestep-dev-access_records' });
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(
      'arn:aws:sns:us-east-1:123456789012:lakestep-dev-alerts',
    );
  });

  it('derives the ledger table from STAGE when LEDGER_TABLE is absent, and prefers LEDGER_TABLE', async () => {
    doc.on(QueryCommand).resolves({ Items: [] });

    await awsPorts({ AWS_REGION: 'us-east-1', STAGE: 'dev' }).ledger.rawPartitions('access_records');
    await awsPorts({ AWS_REGION: 'us-east-1', STAGE: 'dev', LEDGER_TABLE: 'custom-ledger' }).ledger.rawPartitions(
      'access_records',
    );

    expect(doc.commandCalls(QueryCommand).map((c) => c.args[0].input.TableName)).toEqual([
      'lakestep-dev-ledger',
      'custom-ledger',
    ]);
  });
});
