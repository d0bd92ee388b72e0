/**
 * The ledger's and the lock's DynamoDB tables: one naming rule and one key schema, shared by the
 * local runner (`ensureTables` on dynalite) and whoever writes `serverless.yml` for AWS.
 *
 * Both tables: partition key `pk` (S), sort key `sk` (S), on-demand billing. The item layouts
 * are documented at the top of `dynamoLedger.ts` and `dynamoLock.ts`.
 */
import type { CreateTableCommandInput, UpdateTimeToLiveCommandInput } from '@aws-sdk/client-dynamodb';
import { InputError } from '../core/errors';

/** Table names of one stage, e.g. `{ ledger: 'lakestep-dev-ledger', lock: 'lakestep-dev-lock' }`. */
export interface LedgerTableNames {
  ledger: string;
  lock: string;
}

/**
 * The attribute DynamoDB TTL reads on the lock table: epoch SECONDS (TTL ignores milliseconds).
 * Clean-up only: TTL deletes up to days late, so expiry itself is decided by `expiresAtMs` in the
 * conditional write (see dynamoLock.ts).
 */
export const LOCK_TTL_ATTRIBUTE = 'expiresAt';

// DynamoDB table names allow [a-zA-Z0-9_.-], 3–255 chars; the prefix and suffix take 16.
const STAGE_PATTERN = /^[A-Za-z0-9_.-]{1,200}$/;

/**
 * @param stage deployment stage, e.g. `dev`, `prod`, or `local` for the embedded runtime
 * @returns `{ ledger: 'lakestep-<stage>-ledger', lock: 'lakestep-<stage>-lock' }`
 * @throws InputError when `stage` has characters a DynamoDB table name cannot hold
 */
export function ledgerTableNames(stage: string): LedgerTableNames {
  if (!STAGE_PATTERN.test(stage)) {
    throw new InputError(
      'stage',
      `"${stage}" cannot be part of a DynamoDB table name (expected 1–200 of A-Z a-z 0-9 _ . -)`,
    );
  }
  return { ledger: `lakestep-${stage}-ledger`, lock: `lakestep-${stage}-lock` };
}

/** CreateTable inputs for both tables: `pk`/`sk` strings, PAY_PER_REQUEST. Ledger first, then lock. */
export function tableDefinitions(names: LedgerTableNames): CreateTableCommandInput[] {
  return [names.ledger, names.lock].map((TableName) => ({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
  }));
}

/**
 * UpdateTimeToLive inputs, for AWS only (in serverless.yml: the lock table's
 * `TimeToLiveSpecification`). dynalite rejects UpdateTimeToLive, so the local runner never sends it.
 */
export function timeToLiveDefinitions(names: LedgerTableNames): UpdateTimeToLiveCommandInput[] {
  return [{ TableName: names.lock, TimeToLiveSpecification: { AttributeName: LOCK_TTL_ATTRIBUTE, Enabled: true } }];
}
