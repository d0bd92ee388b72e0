import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import { checkExports, type LaunchedExports } from '../../src/pipeline/exportPhase';
import { lambda } from '../functionFactory';
import { checkStep, type LaunchedStep } from '../../src/pipeline/steps';

/**
 * Renews the execution's lock (a backfill runs longer than the lock's TTL; without renewal the next hourly
 * run would take the lock and start a second writer on the same days), then polls the step:
 * PENDING/RUNNING (wait again), COMPLETED with per-day outcome, FAILED/CANCELLED. With `exportStep`
 * (CheckExports) it polls the export phase's step.
 * @throws LockHeldError when another execution took the lock (this one then fails; its days stay dirty)
 */
export const makeCheckStep = (ports: Pick<Ports, 'store' | 'steps' | 'lock' | 'clock'>) =>
  lambda(
    async ({
      step,
      exportStep,
      executionId,
    }: {
      step?: LaunchedStep;
      exportStep?: LaunchedExports;
      executionId?: string;
    }) => {
      // (executionId is absent from a CheckStep state of an older definition, in flight during a deploy)
      if (executionId) await ports.lock.acquire(executionId, ports.clock.nowMs(), loadConfig().lockTtlSeconds);
      return exportStep ? checkExports(ports, exportStep) : checkStep(ports, step as LaunchedStep);
    },
  );

export const handler = makeCheckStep(awsPorts(process.env));
