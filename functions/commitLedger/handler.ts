import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import { commitLedger, type CommitPorts, type CostContext } from '../../src/pipeline/commitLedger';
import { lambda } from '../functionFactory';

/**
 * Commits the succeeded days, writes the due exports and sends the completion event; DaysFailedError
 * names the failed days, which stay dirty for a rerun.
 */
export const makeCommitLedger = (ports: CommitPorts, cost: CostContext = { env: {}, stepsOn: 'the local engine' }) =>
  lambda(async ({ planKey }: { planKey: string }) => commitLedger(ports, planKey, loadConfig(), cost));

// the run report's cost reads the stage's EMR settings from the environment (serverless.yml)
export const handler = makeCommitLedger(awsPorts(process.env), { env: process.env, stepsOn: 'EMR' });
