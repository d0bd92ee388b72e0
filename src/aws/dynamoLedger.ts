/**
 * The ledger on DynamoDB (AWS, and locally on dynalite with the same code).
 *
 * One table (`ledgerTableNames(stage).ledger`), string keys `pk` / `sk`:
 *
 * | item             | pk               | sk               | other attributes                                              |
 * |------------------|------------------|------------------|---------------------------------------------------------------|
 * | raw partition    | `raw#<dataset>`  | `<day>`          | dataset, day, fingerprint, objectCount, bytes                 |
 * | output day       | `out#<dataset>`  | `<day>`          | dataset, day, stageVersion, executionId, committedAtMs, recordsIn, recordsOut, duplicatesDropped, rejected |
 * | execution        | `exec`           | `<executionId>`  | executionId, status, startedAtMs, endedAtMs?, failedDays[{dataset, day}], cause? |
 * | archive boundary | `archive`        | `<table>`        | table, before (first day not archived; `lakestep adopt --since`) |
 *
 * Days are `YYYY-MM-DD`, so `sk` order is calendar order and a Query returns a dataset's days ascending.
 * Times are epoch milliseconds (`…Ms`). Absent optional fields are omitted, never stored as NULL.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type BatchWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ExecutionRecord, Ledger } from '../core/ports';
import type { Day, OutputDayState, RawPartitionState } from '../core/types';
import { LakestepError } from '../core/errors';
import { crashPoint } from '../core/crashPoints';

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

/** BatchWriteItem accepts at most 25 requests per call (a DynamoDB limit). */
export const BATCH_WRITE_MAX_ITEMS = 25;

/** Retry of UnprocessedItems in `commit`. Delays are full-jitter: random in [0, min(maxDelayMs, baseDelayMs·2^attempt)]. */
export interface BatchRetryOptions {
  /** calls per chunk, the first included */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** injectable for tests */
  sleep: (ms: number) => Promise<void>;
  /** in [0, 1); injectable for tests */
  random: () => number;
}

export const BATCH_RETRY_DEFAULTS: BatchRetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * Error names DynamoDB uses for throttling. The SDK's standard retry strategy already retries
 * these per request (clients.ts, `DEFAULT_MAX_ATTEMPTS`); `commit` also
 * treats a batch that still fails with one of them as "all items unprocessed" and backs off.
 */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);

/**
 * A document client over `client`: plain JS values in and out. A given DynamoDBDocumentClient is used as is
 * (so tests can mock it); items are built without `undefined` values so its marshall options do not matter.
 */
export function documentClient(client: DynamoDBDocumentClient | DynamoDBClient): DynamoDBDocumentClient {
  return client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
}

export class DynamoLedger implements Ledger {
  private readonly doc: DynamoDBDocumentClient;
  private readonly retry: BatchRetryOptions;

  /**
   * @param tableName the ledger table, e.g. `ledgerTableNames('dev').ledger`
   * @param retry overrides of `BATCH_RETRY_DEFAULTS` (tests shorten the delays)
   */
  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
    retry: Partial<BatchRetryOptions> = {},
  ) {
    this.doc = documentClient(client);
    this.retry = { ...BATCH_RETRY_DEFAULTS, ...retry };
  }

  /** Every raw partition the ledger knows for `dataset`, days ascending. */
  async rawPartitions(dataset: string): Promise<RawPartitionState[]> {
    const items = await this.queryAll(`raw#${dataset}`);
    return items.map((i) => ({
      dataset: i.dataset,
      day: i.day,
      fingerprint: i.fingerprint,
      objectCount: i.objectCount,
      bytes: i.bytes,
    }));
  }

  /** Every committed output day of `dataset`, days ascending. */
  async outputDays(dataset: string): Promise<OutputDayState[]> {
    const items = await this.queryAll(`out#${dataset}`);
    return items.map((i) => ({
      dataset: i.dataset,
      day: i.day,
      stageVersion: i.stageVersion,
      executionId: i.executionId,
      committedAtMs: i.committedAtMs,
      recordsIn: i.recordsIn,
      recordsOut: i.recordsOut,
      duplicatesDropped: i.duplicatesDropped,
      rejected: i.rejected,
    }));
  }

  /**
   * Puts `outputs`, then puts `raw` and deletes `removedRaw`, in BatchWriteItem chunks of 25; output
   * days and raw fingerprints never share a chunk. Why this order: a raw fingerprint is what makes a
   * raw partition clean, so it goes only after every output day it reaches is recorded. A commit cut
   * anywhere (a crash, a throttled chunk) leaves the raw partitions dirty and the next run recomputes
   * their days; the other way round it left output days unrecorded for good.
   * Each item is idempotent, so a retried commit converges.
   * A key listed twice is written once (BatchWriteItem rejects duplicate keys): raw puts win over a removal.
   * @throws LakestepError when items stay unprocessed after `maxAttempts` calls; names how many were left
   */
  async commit(entries: {
    raw: RawPartitionState[];
    outputs: OutputDayState[];
    removedRaw: { dataset: string; day: Day }[];
  }): Promise<void> {
    const outputs = new Map<string, WriteRequest>();
    for (const o of entries.outputs) outputs.set(`${o.dataset}|${o.day}`, { PutRequest: { Item: outputItem(o) } });
    const raw = new Map<string, WriteRequest>();
    for (const r of entries.removedRaw)
      raw.set(`${r.dataset}|${r.day}`, { DeleteRequest: { Key: { pk: `raw#${r.dataset}`, sk: r.day } } });
    for (const r of entries.raw) raw.set(`${r.dataset}|${r.day}`, { PutRequest: { Item: rawItem(r) } });
    let batch = 0;
    for (const requests of [[...outputs.values()], [...raw.values()]]) {
      for (let i = 0; i < requests.length; i += BATCH_WRITE_MAX_ITEMS) {
        await this.writeChunk(requests.slice(i, i + BATCH_WRITE_MAX_ITEMS));
        crashPoint(`ledger-batch-${++batch}`);
      }
    }
  }

  /** Creates or replaces the execution's record. */
  async putExecution(record: ExecutionRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: executionItem(record) }));
  }

  /** @returns undefined when no execution `executionId` was recorded */
  async getExecution(executionId: string): Promise<ExecutionRecord | undefined> {
    const { Item: i } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: 'exec', sk: executionId }, ConsistentRead: true }),
    );
    return i && executionRecord(i);
  }

  /** Every recorded execution, by id (the lake page's run history). */
  async executions(): Promise<ExecutionRecord[]> {
    return (await this.queryAll('exec')).map(executionRecord);
  }

  /** table → first day not archived, for every table `lakestep adopt --since` archived. */
  async archives(): Promise<Record<string, Day>> {
    const items = await this.queryAll('archive');
    return Object.fromEntries(items.map((i) => [i.table, i.before]));
  }

  /** Creates or replaces `table`'s archive boundary. */
  async putArchive(table: string, before: Day): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.tableName, Item: { pk: 'archive', sk: table, table, before } }),
    );
  }

  /** All items of one partition key, following LastEvaluatedKey (a Query page stops at 1 MB). */
  private async queryAll(pk: string): Promise<Record<string, any>[]> {
    const items: Record<string, any>[] = [];
    let startKey: Record<string, any> | undefined;
    do {
      // ConsistentRead: discovery reads right after the previous run's commit; a stale fingerprint would recompute days needlessly.
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /**
   * Writes ≤ 25 requests, re-sending UnprocessedItems with exponential backoff and full jitter.
   *
   * Why this loop is ours and not the SDK's: the SDK retries a *failed request* (throttling, 5xx,
   * network), but a BatchWriteItem that returns 200 with UnprocessedItems is a success to it: the
   * partial failure is in the response body, and only the caller can re-send those items.
   * A throttling error that outlives the SDK's own attempts counts here as one attempt with every item unprocessed.
   */
  private async writeChunk(chunk: WriteRequest[]): Promise<void> {
    const { maxAttempts, baseDelayMs, maxDelayMs, sleep, random } = this.retry;
    let pending = chunk;
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) await sleep(Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt)));
      try {
        const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
        lastError = undefined;
      } catch (err) {
        if (!THROTTLING_ERROR_NAMES.has((err as Error)?.name)) throw err;
        lastError = err;
      }
      if (pending.length === 0) return;
    }
    throw new LakestepError(
      `ledger commit to table ${this.tableName}: ${pending.length} of ${chunk.length} items of a batch still unprocessed ` +
        `after ${maxAttempts} attempts (DynamoDB throttling or capacity); nothing was rolled back — rerun the commit, it is idempotent`,
      { cause: lastError },
    );
  }
}

function rawItem(r: RawPartitionState): Record<string, unknown> {
  return {
    pk: `raw#${r.dataset}`,
    sk: r.day,
    dataset: r.dataset,
    day: r.day,
    fingerprint: r.fingerprint,
    objectCount: r.objectCount,
    bytes: r.bytes,
  };
}

function outputItem(o: OutputDayState): Record<string, unknown> {
  return {
    pk: `out#${o.dataset}`,
    sk: o.day,
    dataset: o.dataset,
    day: o.day,
    stageVersion: o.stageVersion,
    executionId: o.executionId,
    committedAtMs: o.committedAtMs,
    recordsIn: o.recordsIn,
    recordsOut: o.recordsOut,
    duplicatesDropped: o.duplicatesDropped,
    rejected: o.rejected,
  };
}

function executionItem(e: ExecutionRecord): Record<string, unknown> {
  return withoutUndefined({
    pk: 'exec',
    sk: e.executionId,
    executionId: e.executionId,
    status: e.status,
    startedAtMs: e.startedAtMs,
    endedAtMs: e.endedAtMs,
    failedDays: e.failedDays.map((f) => ({ dataset: f.dataset, day: f.day })),
    cause: e.cause,
  });
}

function withoutUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function executionRecord(i: Record<string, any>): ExecutionRecord {
  return withoutUndefined({
    executionId: i.executionId,
    status: i.status,
    startedAtMs: i.startedAtMs,
    endedAtMs: i.endedAtMs,
    failedDays: (i.failedDays ?? []).map((f: { dataset: string; day: Day }) => ({ dataset: f.dataset, day: f.day })),
    cause: i.cause,
  }) as ExecutionRecord;
}
