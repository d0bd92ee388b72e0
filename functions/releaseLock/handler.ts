import { awsPorts } from '../../src/aws/ports';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../functionFactory';

/** Releases the lock if this execution holds it; a no-op otherwise (safe on the failure path). */
export const makeReleaseLock = (ports: Pick<Ports, 'lock'>) =>
  lambda(async ({ executionId }: { executionId: string }) => {
    await ports.lock.release(executionId);
    return {};
  });

export const handler = makeReleaseLock(awsPorts(process.env));
