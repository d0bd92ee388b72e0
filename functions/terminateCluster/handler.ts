import { awsPorts } from '../../src/aws/ports';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../functionFactory';

/**
 * Terminates the execution's transient cluster (idempotent); leaves an existing cluster alone.
 * Runs after the Map and on the failure path; the idle auto-termination policy covers an aborted execution.
 */
export const makeTerminateCluster = (ports: Pick<Ports, 'clusters'>) =>
  lambda(async ({ cluster }: { cluster: { clusterId: string; transient: boolean } }) => {
    if (cluster.transient) await ports.clusters.terminate(cluster.clusterId);
    return { terminated: cluster.transient };
  });

export const handler = makeTerminateCluster(awsPorts(process.env));
