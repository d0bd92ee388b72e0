import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import { commitLedger } from '../../src/pipeline/commitLedger';
import { lambda } from '../../src/pipeline/functionFactory';

/** Commits the succeeded days; DaysFailedError names the others, which stay dirty for a rerun. */
export const makeCommitLedger = (ports: Pick<Ports, 'store' | 'ledger' | 'clock' | 'notifier'>) =>
  lambda(async ({ planKey }: { planKey: string }) => commitLedger(ports, planKey, loadConfig()));

export const handler = makeCommitLedger(awsPorts(process.env));
