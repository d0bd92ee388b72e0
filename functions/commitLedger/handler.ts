import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import type { Ports } from '../../src/core/ports';
import { commitLedger, type CostContext } from '../../src/pipeline/commitLedger';
import { lambda } from '../../src/pipeline/functionFactory';

/** Commits the succeeded days; DaysFailedError names the others, which stay dirty for a rerun. */
export const makeCommitLedger = (ports: Pick<Ports, 'store' | 'ledger' | 'clock' | 'notifier'>, cost: CostContext = { env: {}, stepsOn: 'the local engine' }) =>
  lambda(async ({ planKey }: { planKey: string }) => commitLedger(ports, planKey, loadConfig(), cost));

// the run report's cost reads the stage's EMR settings from the environment (serverless.yml)
export const handler = makeCommitLedger(awsPorts(process.env), { env: process.env, stepsOn: 'EMR' });
