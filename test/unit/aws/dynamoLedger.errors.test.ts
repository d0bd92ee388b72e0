/**
 * Error paths of the DynamoDB ledger and lock that dynalite cannot produce (throttling, unprocessed
 * items), asserted on the commands sent with aws-sdk-client-mock. The happy paths run on real
 * dynalite in test/integration/ledger.contract.test.ts.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { OutputDayState } from '../../../src/core/types';
import { LakestepError, LockHeldError } from '../../../src/core/errors';
import { DynamoLedger } from '../../../src/aws/dynamoLedger';
import { DynamoLock } from '../../../src/aws/dynamoLock';

const TABLE = 'lakestep-test-ledger';
const docMock = mockClient(DynamoDBDocumentClient);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));

const out = (i: number): OutputDayState => ({
  dataset: 'a',
  day: `2024-01-${String(i + 1).padStart(2, '0')}`,
  stageVersion: 'v1',
  executionId: 'exec-1',
  committedAtMs: 1,
  recordsIn: 1,
  recordsOut: 1,
  duplicatesDropped: 0,
  rejected: 0,
});
const putOf = (o: OutputDayState) => ({
  PutRequest: { Item: expect.objectContaining({ pk: `out#${o.dataset}`, sk: o.day }) },
});
const sentBatches = () => docMock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems![TABLE]);

describe('DynamoLedger.commit error paths', () => {
  const sleeps: number[] = [];
  const ledger = (maxAttempts = 4) =>
    new DynamoLedger(doc, TABLE, {
      maxAttempts,
      baseDelayMs: 100,
      maxDelayMs: 250,
      random: () => 0.5,
      sleep: async (ms) => void sleeps.push(ms),
    });

  beforeEach(() => {
    docMock.reset();
    sleeps.length = 0;
  });

  it('splits writes into chunks of 25', async () => {
    docMock.on(BatchWriteCommand).resolves({});
    const outputs = Array.from({ length: 30 }, (_, i) => out(i % 28)).map((o, i) => ({ ...o, dataset: `d${i}` }));
    await ledger().commit({ raw: [], outputs, removedRaw: [] });
    expect(sentBatches().map((b) => b.length)).toEqual([25, 5]);
  });

  it('re-sends UnprocessedItems, only those, with growing jittered delays, until none are left', async () => {
    const [a, b, c] = [out(0), out(1), out(2)];
    const unprocessed = (...os: OutputDayState[]) => ({
      UnprocessedItems: { [TABLE]: os.map((o) => ({ PutRequest: { Item: { pk: `out#${o.dataset}`, sk: o.day } } })) },
    });
    docMock.on(BatchWriteCommand).resolvesOnce(unprocessed(b, c)).resolvesOnce(unprocessed(c)).resolvesOnce({});

    await ledger().commit({ raw: [], outputs: [a, b, c], removedRaw: [] });

    const batches = sentBatches();
    expect(batches).toHaveLength(3);
    expect(batches[0]).toEqual([putOf(a), putOf(b), putOf(c)]);
    expect(batches[1]).toEqual([putOf(b), putOf(c)]);
    expect(batches[2]).toEqual([putOf(c)]);
    // full jitter with random() = 0.5: 0.5 · min(250, 100 · 2^attempt)
    expect(sleeps).toEqual([100, 125]);
  });

  it('gives up after maxAttempts with an error naming how many items were left', async () => {
    docMock
      .on(BatchWriteCommand)
      .resolves({ UnprocessedItems: { [TABLE]: [{ PutRequest: { Item: { pk: 'out#a', sk: '2024-01-02' } } }] } });

    const err = await ledger(3)
      .commit({ raw: [], outputs: [out(0), out(1)], removedRaw: [] })
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LakestepError);
    expect((err as Error).message).toMatch(
      `ledger commit to table ${TABLE}: 1 of 2 items of a batch still unprocessed after 3 attempts`,
    );
    expect(sentBatches()).toHaveLength(3);
  });

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException'])(
    'retries a batch that failed with %s',
    async (name) => {
      const throttled =
        name === 'ProvisionedThroughputExceededException'
          ? new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} })
          : Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name });
      docMock.on(BatchWriteCommand).rejectsOnce(throttled).resolves({});

      await ledger().commit({ raw: [], outputs: [out(0), out(1)], removedRaw: [] });

      const batches = sentBatches();
      expect(batches).toHaveLength(2);
      expect(batches[1]).toEqual(batches[0]);
    },
  );

  it('keeps the throttling error as the cause when throttling outlasts the attempts', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    docMock.on(BatchWriteCommand).rejects(throttled);

    const err = await ledger(2)
      .commit({ raw: [], outputs: [out(0)], removedRaw: [] })
      .catch((e: unknown) => e);

    expect((err as Error).message).toMatch('1 of 1 items of a batch still unprocessed after 2 attempts');
    expect((err as Error).cause).toBe(throttled);
  });

  it('does not retry other errors', async () => {
    docMock
      .on(BatchWriteCommand)
      .rejects(Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' }));

    await expect(ledger().commit({ raw: [], outputs: [out(0)], removedRaw: [] })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    expect(sentBatches()).toHaveLength(1);
  });
});

describe('DynamoLock error paths', () => {
  const LOCK_TABLE = 'lakestep-test-lock';
  const lock = () => new DynamoLock(doc, LOCK_TABLE);
  const conditionFailed = () =>
    new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  beforeEach(() => docMock.reset());

  it('sends the conditional put with expiry in ms and a TTL attribute in s', async () => {
    docMock.on(PutCommand).resolves({});
    await lock().acquire('exec-a', 1_700_000_000_500, 60);
    expect(docMock.commandCalls(PutCommand)[0].args[0].input).toEqual({
      TableName: LOCK_TABLE,
      Item: {
        pk: 'lock#pipeline',
        sk: 'lock',
        holder: 'exec-a',
        acquiredAtMs: 1_700_000_000_500,
        expiresAtMs: 1_700_000_060_500,
        expiresAt: 1_700_000_061,
      },
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs < :now OR holder = :me',
      ExpressionAttributeValues: { ':now': 1_700_000_000_500, ':me': 'exec-a' },
    });
  });

  it('turns ConditionalCheckFailed into LockHeldError with the holder and expiry it reads back', async () => {
    docMock.on(PutCommand).rejects(conditionFailed());
    docMock
      .on(GetCommand)
      .resolves({ Item: { pk: 'lock#pipeline', sk: 'lock', holder: 'exec-a', expiresAtMs: 1_700_000_060_000 } });

    const err = await lock()
      .acquire('exec-b', 1_700_000_000_000, 60)
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(LockHeldError);
    expect(err).toMatchObject({ name: 'LockHeldError', holder: 'exec-a', expiresAtMs: 1_700_000_060_000 });
    expect((err as Error).message).toBe(
      'execution exec-a holds the lock until 2023-11-14T22:14:20.000Z; retry after it ends or expires',
    );
    expect(docMock.commandCalls(GetCommand)[0].args[0].input).toMatchObject({
      TableName: LOCK_TABLE,
      Key: { pk: 'lock#pipeline', sk: 'lock' },
      ConsistentRead: true,
    });
  });

  it('tries again when the holder released between the failed put and the read', async () => {
    docMock.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    docMock.on(GetCommand).resolves({});

    await lock().acquire('exec-b', 1000, 60);
    expect(docMock.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('release by a non-holder: the conditional delete fails and is swallowed', async () => {
    docMock.on(DeleteCommand).rejects(conditionFailed());
    await lock().release('exec-b');
    expect(docMock.commandCalls(DeleteCommand)[0].args[0].input).toEqual({
      TableName: LOCK_TABLE,
      Key: { pk: 'lock#pipeline', sk: 'lock' },
      ConditionExpression: 'holder = :me',
      ExpressionAttributeValues: { ':me': 'exec-b' },
    });
  });

  it('propagates other errors from acquire and release', async () => {
    const boom = Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
    docMock.on(PutCommand).rejects(boom);
    docMock.on(DeleteCommand).rejects(boom);
    await expect(lock().acquire('exec-a', 1000, 60)).rejects.toBe(boom);
    await expect(lock().release('exec-a')).rejects.toBe(boom);
  });
});
