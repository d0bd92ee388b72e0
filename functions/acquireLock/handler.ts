import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../../src/pipeline/functionFactory';
import { crashPoint } from '../../src/core/crashPoints';

/** Takes the pipeline lock (LockHeldError if another execution holds it) and records the execution as RUNNING. */
export const makeAcquireLock = (ports: Pick<Ports, 'lock' | 'ledger' | 'clock'>) =>
  lambda(async ({ run }: { run: RunInput }) => {
    await ports.lock.acquire(run.executionId, ports.clock.nowMs(), loadConfig().lockTtlSeconds);
    await ports.ledger.putExecution({ executionId: run.executionId, status: 'RUNNING', startedAtMs: run.startedAtMs, failedDays: [] });
    crashPoint('lock-acquired');
    return {};
  });

export const handler = makeAcquireLock(awsPorts(process.env));
