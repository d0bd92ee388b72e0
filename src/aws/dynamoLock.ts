/**
 * The pipeline lock on DynamoDB (AWS, and locally on dynalite with the same code).
 *
 * One item per lock in the lock table (`ledgerTableNames(stage).lock`):
 * `{ pk: 'lock#<lockName>', sk: 'lock', holder: <executionId>, acquiredAtMs, expiresAtMs, expiresAt }`
 * — `…Ms` epoch milliseconds; `expiresAt` epoch seconds, read only by DynamoDB TTL on AWS.
 *
 * Expiry is decided in the conditional write (`expiresAtMs < :now`), never by TTL: TTL deletes
 * items up to days late, and dynalite rejects UpdateTimeToLive altogether.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lock } from '../core/ports';
import { InputError, LockHeldError } from '../core/errors';
import { LOCK_TTL_ATTRIBUTE } from './ledgerTables';
import { documentClient } from './dynamoLedger';

const lockIsFree = 'attribute_not_exists(pk)';
const lockExpired = 'expiresAtMs < :now';
const heldByMe = 'holder = :me';

/** The lock item as `describe` reads it; times epoch ms. */
export interface LockState {
  holder: string;
  acquiredAtMs: number;
  expiresAtMs: number;
}

// How often acquire re-tries when the holder released between our failed put and our read.
const ACQUIRE_ATTEMPTS = 3;

export class DynamoLock implements Lock {
  private readonly doc: DynamoDBDocumentClient;

  /**
   * @param tableName the lock table, e.g. `ledgerTableNames('dev').lock`
   * @param lockName one lock per name; the pipeline uses one
   */
  constructor(
    client: DynamoDBDocumentClient | DynamoDBClient,
    private readonly tableName: string,
    private readonly lockName = 'pipeline',
  ) {
    this.doc = documentClient(client);
  }

  private get key() {
    return { pk: `lock#${this.lockName}`, sk: 'lock' };
  }

  /**
   * Takes the lock until `nowMs + ttlSeconds·1000` when it is free, expired, or already ours (then extends it).
   * @param nowMs epoch ms, from the Clock port
   * @param ttlSeconds > 0
   * @throws LockHeldError (holder, expiresAtMs) when another execution holds an unexpired lock
   * @throws InputError when ttlSeconds is not a positive number
   */
  async acquire(executionId: string, nowMs: number, ttlSeconds: number): Promise<void> {
    if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
      throw new InputError('lockTtlSeconds', `${ttlSeconds} is not a positive number of seconds`);
    }
    const expiresAtMs = nowMs + ttlSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...this.key,
              holder: executionId,
              acquiredAtMs: nowMs,
              expiresAtMs,
              [LOCK_TTL_ATTRIBUTE]: Math.ceil(expiresAtMs / 1000),
            },
            ConditionExpression: [lockIsFree, lockExpired, heldByMe].join(' OR '),
            ExpressionAttributeValues: { ':now': nowMs, ':me': executionId },
          }),
        );
        return;
      } catch (err) {
        if ((err as Error)?.name !== 'ConditionalCheckFailedException') throw err;
      }
      const { Item } = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true }),
      );
      // The holder released between our put and our read: the lock is free, try again.
      if (Item || attempt >= ACQUIRE_ATTEMPTS) {
        throw new LockHeldError(String(Item?.holder ?? 'unknown'), Number(Item?.expiresAtMs ?? nowMs));
      }
    }
  }

  /**
   * Deletes the lock if `executionId` holds it, whatever its expiry; a no-op when another execution
   * holds it or nobody does. Also how a dead holder's lock is cleared (`lakestep unlock`, a local run
   * taking over a stale lock): conditional on the holder, so a run that took the lock since keeps it.
   * @returns true when this call deleted the lock
   */
  async release(executionId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.key,
          ConditionExpression: heldByMe,
          ExpressionAttributeValues: { ':me': executionId },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error)?.name !== 'ConditionalCheckFailedException') throw err;
      return false;
    }
  }

  /** The lock item as it is (expired or not), or undefined when nobody holds the lock. Consistent read. */
  async describe(): Promise<LockState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return {
      holder: String(Item.holder),
      acquiredAtMs: Number(Item.acquiredAtMs),
      expiresAtMs: Number(Item.expiresAtMs),
    };
  }
}
