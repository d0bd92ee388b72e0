import { awsPorts } from '../../src/aws/ports';
import type { Ports } from '../../src/core/ports';
import type { RunInput } from '../../src/core/types';
import { lambda } from '../functionFactory';

/**
 * The cluster the steps run on: the stage's existing EMR cluster, or a transient one started for this
 * execution (`transient: true`: TerminateCluster ends it). Locally a no-op returning cluster `local`.
 * @example { clusterId: 'j-2AXXXXXXGAPLF', transient: true }
 */
export const makeEnsureCluster = (ports: Pick<Ports, 'clusters'>) =>
  lambda(async ({ run }: { run: RunInput }) => ports.clusters.ensure(run.executionId));

export const handler = makeEnsureCluster(awsPorts(process.env));
