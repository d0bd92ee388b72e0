/** A DynamoDB client for the embedded DynamoDB (dynaliteServer.ts), and the ledger and lock tables on it. */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_MAX_ATTEMPTS } from '../aws/clients';
import { type LedgerTableNames, tableDefinitions } from '../aws/ledgerTables';
import { LakestepError } from '../core/errors';

/**
 * A DynamoDBClient for a local endpoint: region `local`, static dummy credentials (no AWS account,
 * env credentials and profiles ignored), the same SDK retry settings as on AWS (clients.ts).
 */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    retryMode: 'adaptive',
  });
}

/**
 * Creates the ledger and lock tables that do not exist (`tableDefinitions(names)`) and waits until both are ACTIVE.
 * @param timeoutMs how long to wait for ACTIVE, per table
 * @throws LakestepError naming the table and its status when it is not ACTIVE within `timeoutMs`
 */
export async function ensureTables(client: DynamoDBClient, names: LedgerTableNames, timeoutMs = 10_000): Promise<void> {
  for (const def of tableDefinitions(names)) {
    const TableName = def.TableName!;
    try {
      await client.send(new CreateTableCommand(def));
    } catch (err) {
      // ResourceInUseException: the table exists already (or is being created by a concurrent caller).
      if ((err as Error).name !== 'ResourceInUseException') throw err;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      if (Date.now() > deadline) {
        throw new LakestepError(
          `DynamoDB table ${TableName} is ${Table?.TableStatus ?? 'missing'}, not ACTIVE, after ${timeoutMs} ms`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
