/**
 * What an execution that ended without its own clean-up (stopped, timed out, or failed outside the Catch
 * path) leaves on EMR, found and stopped after the fact (the CleanupExecution Lambda, on EventBridge):
 * - transient mode: its clusters, found by the `lakestep:execution` and `lakestep:stage` tags
 *   runTransientCluster sets, terminated (the idle policy would end them only once no step runs);
 * - existing mode: its pending and running steps on the stage's cluster, found by the execution id in the
 *   step name (stepName), cancelled.
 */
import {
  CancelStepsCommand,
  DescribeClusterCommand,
  paginateListClusters,
  paginateListSteps,
  TerminateJobFlowsCommand,
  type EMRClient,
} from '@aws-sdk/client-emr';
import { executionName } from '../core/runKeys';

const ACTIVE_CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;

export interface ExecutionCleanupResult {
  /** transient clusters terminated, e.g. `['j-2AXXXXXXGAPLF']` */
  terminatedClusters: string[];
  /** steps cancelled on the existing cluster, e.g. `['s-1ABC']` */
  cancelledSteps: string[];
}

/**
 * @param mode the stage's: `{ existingClusterId }`, or `{ stage }` for transient clusters
 * @param executionId the execution ARN (steps name it; clusters are tagged with its name)
 * @throws the SDK's errors (the caller's Lambda is retried by EventBridge's asynchronous invoke)
 */
export async function cleanUpExecution(
  client: EMRClient,
  mode: { existingClusterId: string } | { stage: string },
  executionId: string,
): Promise<ExecutionCleanupResult> {
  if ('existingClusterId' in mode) {
    const ClusterId = mode.existingClusterId;
    const mine: string[] = [];
    for await (const page of paginateListSteps({ client }, { ClusterId, StepStates: ['PENDING', 'RUNNING'] })) {
      for (const step of page.Steps ?? []) if (step.Id && step.Name?.includes(`(${executionId})`)) mine.push(step.Id); // stepName: `<dataset> <days> (<execution>)`
    }
    if (mine.length > 0) await client.send(new CancelStepsCommand({ ClusterId, StepIds: mine }));
    return { terminatedClusters: [], cancelledSteps: mine };
  }
  const name = executionName(executionId);
  const mine: string[] = [];
  for await (const page of paginateListClusters({ client }, { ClusterStates: [...ACTIVE_CLUSTER_STATES] })) {
    for (const summary of page.Clusters ?? []) {
      if (!summary.Id || !summary.Name?.startsWith(`lakestep-${mode.stage}-`)) continue; // the cluster name runTransientCluster gives
      const { Cluster } = await client.send(new DescribeClusterCommand({ ClusterId: summary.Id }));
      const tag = (key: string) => Cluster?.Tags?.find((t) => t.Key === key)?.Value;
      if (tag('lakestep:stage') === mode.stage && tag('lakestep:execution') === name) mine.push(summary.Id);
    }
  }
  if (mine.length > 0) await client.send(new TerminateJobFlowsCommand({ JobFlowIds: mine }));
  return { terminatedClusters: mine, cancelledSteps: [] };
}
