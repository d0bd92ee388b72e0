import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import { recordFailure, type CaughtError } from '../../src/pipeline/failure';
import { lambda } from '../functionFactory';

/** Marks the execution FAILED with its failed days and composes the alert (execution, days, cause). */
export const makeRecordFailure = (ports: Pick<Ports, 'store' | 'ledger' | 'clock'>) =>
  lambda(
    async ({
      state,
      executionId,
    }: {
      state: { error?: CaughtError; plan?: { planKey?: string } };
      executionId: string;
    }) => recordFailure(ports, state, executionId, loadConfig()),
  );

export const handler = makeRecordFailure(awsPorts(process.env));
