import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import { LockHeldError } from '../../src/core/errors';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../functionFactory';
import { crashPoint } from '../../src/core/crashPoints';

/**
 * Takes the pipeline lock and records the execution as RUNNING.
 * An incremental run (the hourly schedule's) that finds the lock held returns `{ skipped }` instead, with one
 * log line: the holder will pick up what arrived, and the next scheduled run the rest; two alerts an hour
 * while a long backfill runs would only teach people to ignore alerts.
 * @throws LockHeldError when another execution holds the lock and this run is not incremental
 */
export const makeAcquireLock = (ports: Pick<Ports, 'lock' | 'ledger' | 'clock'>) =>
  lambda(async ({ run }: { run: RunInput }): Promise<{ skipped?: string }> => {
    try {
      await ports.lock.acquire(run.executionId, ports.clock.nowMs(), loadConfig().lockTtlSeconds);
    } catch (error) {
      if (!(error instanceof LockHeldError) || run.mode !== 'incremental') throw error;
      console.log(`skipping this incremental run: ${error.message}`);
      return { skipped: error.message };
    }
    await ports.ledger.putExecution({
      executionId: run.executionId,
      status: 'RUNNING',
      startedAtMs: run.startedAtMs,
      failedDays: [],
    });
    crashPoint('lock-acquired');
    return {};
  });

export const handler = makeAcquireLock(awsPorts(process.env));
