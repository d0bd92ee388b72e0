/**
 * EmrClusterManager: the ClusterManager port on EMR, in one of two modes chosen per stage.
 * - existing: `EMR_CLUSTER_ID` names a long-lived cluster; ensure returns it, terminate is never asked.
 * - transient: no `EMR_CLUSTER_ID`; ensure starts a cluster for the execution (runTransientCluster), and the
 *   state machine terminates it after the Map and on the failure path (terminateCluster). The cluster also
 *   has an idle auto-termination policy, because an aborted or timed-out execution runs neither path.
 *
 * Environment (serverless.yml sets it from stage parameters; see README "Deploy"):
 * `EMR_CLUSTER_ID` (existing mode), or `EMR_RELEASE_LABEL`, `EMR_INSTANCE_TYPE`, `EMR_CORE_INSTANCE_TYPE`
 * (optional), `EMR_INSTANCE_COUNT`, `EMR_IDLE_TIMEOUT_SECONDS`, `EMR_SERVICE_ROLE`, `EMR_JOB_FLOW_ROLE`,
 * `EMR_LOG_URI` (optional), `EMR_SUBNET_ID`, `STAGE`, `STEP_CONCURRENCY` (transient mode).
 */
import type { EMRClient } from '@aws-sdk/client-emr';
import { loadConfig } from '../config/config';
import { stepConcurrency } from '../config/stageEnv';
import { LakestepError } from '../core/errors';
import type { ClusterManager } from '../core/ports';
import { runTransientCluster, terminateCluster, type TransientClusterOptions } from './emrClusterManager';

export type TransientSettings = Omit<TransientClusterOptions, 'executionId'>;

export class EmrClusterManager implements ClusterManager {
  /**
   * @param mode `{ existingClusterId }` or `{ transient }`; no I/O on construction
   */
  constructor(
    private readonly client: EMRClient,
    private readonly mode: { existingClusterId: string } | { transient: TransientSettings | (() => TransientSettings) },
  ) {}

  /**
   * @returns the existing cluster, or a new transient one (state STARTING; steps queue until it is ready)
   * @throws LakestepError from transient settings read lazily (a missing EMR_* variable), named
   */
  async ensure(executionId: string): Promise<{ clusterId: string; transient: boolean }> {
    if ('existingClusterId' in this.mode) return { clusterId: this.mode.existingClusterId, transient: false };
    const settings = typeof this.mode.transient === 'function' ? this.mode.transient() : this.mode.transient;
    const name = executionId.split(':').pop() ?? executionId; // the execution name: the ARN does not fit a readable cluster name
    const { clusterId } = await runTransientCluster(this.client, { ...settings, executionId: name });
    return { clusterId, transient: true };
  }

  /** TerminateJobFlows; refuses the stage's long-lived cluster, which this pipeline must never stop. */
  async terminate(clusterId: string): Promise<void> {
    if ('existingClusterId' in this.mode && this.mode.existingClusterId === clusterId) {
      throw new LakestepError(
        `refusing to terminate ${clusterId}: it is the stage's existing cluster (EMR_CLUSTER_ID), not one this execution created`,
      );
    }
    await terminateCluster(this.client, clusterId);
  }
}

/**
 * The stage's mode from the environment; called on first use, never at import. The transient settings are
 * read on ensure() only: TerminateCluster's Lambda has none of the EMR_* variables and needs none.
 * ensure() throws LakestepError naming a missing or malformed variable of transient mode.
 */
export function emrClusterManagerFromEnv(env: NodeJS.ProcessEnv, client: EMRClient): EmrClusterManager {
  const existing = env.EMR_CLUSTER_ID?.trim();
  if (existing) return new EmrClusterManager(client, { existingClusterId: existing });
  return new EmrClusterManager(client, { transient: () => transientSettingsFromEnv(env) });
}

function transientSettingsFromEnv(env: NodeJS.ProcessEnv): TransientSettings {
  const optional = (name: string) => env[name]?.trim() || undefined;
  return {
    stage: required(env, 'STAGE', 'the deploy stage, e.g. prod'),
    releaseLabel: required(env, 'EMR_RELEASE_LABEL', 'an EMR release with Spark 3.5, e.g. emr-7.9.0'),
    instanceType: required(env, 'EMR_INSTANCE_TYPE', 'an EC2 instance type, e.g. m5.xlarge'),
    coreInstanceType: optional('EMR_CORE_INSTANCE_TYPE'),
    instanceCount: integer(env, 'EMR_INSTANCE_COUNT'),
    stepConcurrency: stepConcurrency(loadConfig(), env),
    idleTimeoutSeconds: integer(env, 'EMR_IDLE_TIMEOUT_SECONDS'),
    serviceRole: required(env, 'EMR_SERVICE_ROLE', 'the EMR service role name, e.g. lakestep-prod-emr-service'),
    jobFlowRole: required(env, 'EMR_JOB_FLOW_ROLE', 'the EC2 instance profile name, e.g. lakestep-prod-emr-ec2'),
    logUri: optional('EMR_LOG_URI'),
    // Required: EMR's default-VPC subnet is untagged, and AmazonEMRServicePolicy_v2 launches only into tagged ones.
    subnetId: required(
      env,
      'EMR_SUBNET_ID',
      'a subnet id (subnet-…) tagged for-use-with-amazon-emr-managed-policies=true, as AmazonEMRServicePolicy_v2 requires',
    ),
  };
}

function required(env: NodeJS.ProcessEnv, name: string, what: string): string {
  const value = env[name]?.trim();
  if (!value)
    throw new LakestepError(
      `environment variable ${name} is not set; expected ${what} (transient EMR mode: EMR_CLUSTER_ID is empty)`,
    );
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string): number {
  const text = required(env, name, 'a whole number');
  const value = Number(text);
  if (!Number.isInteger(value))
    throw new LakestepError(`environment variable ${name} is "${text}"; expected a whole number`);
  return value;
}
