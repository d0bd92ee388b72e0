import { awsPorts } from '../../src/aws/ports';
import { loadConfig } from '../../src/config/config';
import { commitLedger, type CommitPorts } from '../../src/pipeline/commitLedger';
import { lambda } from '../../src/pipeline/functionFactory';

/**
 * Commits the succeeded days, writes the due exports and sends the completion event; DaysFailedError
 * names the failed days, which stay dirty for a rerun.
 */
export const makeCommitLedger = (ports: CommitPorts) =>
  lambda(async ({ planKey }: { planKey: string }) => commitLedger(ports, planKey, loadConfig()));

export const handler = makeCommitLedger(awsPorts(process.env));
