/**
 * Transient EMR clusters: one per execution when the stage has no long-lived cluster.
 *
 * Why both an idle auto-termination policy and an explicit terminate: stopping or timing out a Step
 * Functions execution does NOT terminate a cluster it created, and neither does a Lambda that dies. The
 * failure path calls terminateCluster; the AutoTerminationPolicy is the backstop when that path never runs
 * (execution aborted, timed out, the terminate call itself failed). The `lakestep:execution` tag lets an
 * operator (or a sweeper) find the cluster of an execution.
 */
import { RunJobFlowCommand, TerminateJobFlowsCommand, type EMRClient } from '@aws-sdk/client-emr';
import { LakestepError } from '../core/errors';

/** EMR's bounds for AutoTerminationPolicy.IdleTimeout, seconds (1 minute … 7 days). */
export const IDLE_TIMEOUT_BOUNDS_SECONDS = { min: 60, max: 604_800 } as const;
/** EMR's bounds for StepConcurrencyLevel. */
export const STEP_CONCURRENCY_BOUNDS = { min: 1, max: 256 } as const;

export interface TransientClusterOptions {
  /** Step Functions execution name; tagged `lakestep:execution` and part of the cluster name */
  executionId: string;
  /** deploy stage (`dev`, `prod`); tagged `lakestep:stage` */
  stage: string;
  /** EMR release with Spark 3.5, e.g. `emr-7.9.0` (src/config/emrRelease.ts) */
  releaseLabel: string;
  /** master (and core, unless coreInstanceType is given) instance type, e.g. `m5.xlarge` */
  instanceType: string;
  coreInstanceType?: string;
  /** total instances including the master, ≥ 1 */
  instanceCount: number;
  /** steps that run at once; must match the Map's MaxConcurrency (config.stepConcurrency) */
  stepConcurrency: number;
  /** the cluster terminates after this many seconds without a running step; 60 … 604,800 */
  idleTimeoutSeconds: number;
  /** EMR service role name or ARN, e.g. `lakestep-prod-emr-service` */
  serviceRole: string;
  /** EC2 instance profile name of the nodes, e.g. `lakestep-prod-emr-ec2` */
  jobFlowRole: string;
  /** `s3://…/` for step and cluster logs (where FailureDetails.LogFile points) */
  logUri?: string;
  /**
   * EC2 subnet, e.g. `subnet-0abc…`. It (with its VPC) must carry `for-use-with-amazon-emr-managed-policies=true`:
   * AmazonEMRServicePolicy_v2 launches instances only into tagged subnets and security groups.
   */
  subnetId: string;
}

/** The tag AmazonEMRServicePolicy_v2 requires on what EMR creates for the cluster (EMR propagates cluster tags). */
export const EMR_MANAGED_POLICY_TAG = { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' } as const;

/**
 * Starts a transient cluster (RunJobFlow) that waits for steps: KeepJobFlowAliveWhenNoSteps so it does not
 * end before the first AddJobFlowSteps arrives, AutoTerminationPolicy so it ends once idle.
 * No idempotency token exists for RunJobFlow: a retry after a lost response may start a second cluster,
 * which the idle policy ends and the tag identifies.
 * @returns the cluster id, e.g. `j-2AXXXXXXGAPLF` (state STARTING; steps added now queue until it is ready)
 * @throws LakestepError when idleTimeoutSeconds, stepConcurrency or instanceCount is out of EMR's bounds
 *   (checked here, because EMR's ValidationException does not say which parameter)
 */
export async function runTransientCluster(
  client: EMRClient,
  opts: TransientClusterOptions,
): Promise<{ clusterId: string }> {
  requireInRange('idleTimeoutSeconds', opts.idleTimeoutSeconds, IDLE_TIMEOUT_BOUNDS_SECONDS);
  requireInRange('stepConcurrency', opts.stepConcurrency, STEP_CONCURRENCY_BOUNDS);
  requireInRange('instanceCount', opts.instanceCount, { min: 1, max: 500 });
  const response = await client.send(
    new RunJobFlowCommand({
      Name: `lakestep-${opts.stage}-${opts.executionId}`.slice(0, 256),
      ReleaseLabel: opts.releaseLabel,
      Applications: [{ Name: 'Spark' }],
      LogUri: opts.logUri,
      ServiceRole: opts.serviceRole,
      JobFlowRole: opts.jobFlowRole,
      VisibleToAllUsers: true,
      StepConcurrencyLevel: opts.stepConcurrency,
      AutoTerminationPolicy: { IdleTimeout: opts.idleTimeoutSeconds },
      Instances: {
        MasterInstanceType: opts.instanceType,
        SlaveInstanceType: opts.coreInstanceType ?? opts.instanceType,
        InstanceCount: opts.instanceCount,
        KeepJobFlowAliveWhenNoSteps: true,
        TerminationProtected: false,
        Ec2SubnetId: opts.subnetId,
      },
      Tags: [
        { Key: 'lakestep:execution', Value: opts.executionId },
        { Key: 'lakestep:stage', Value: opts.stage },
        // Without it the service role may create nothing (instances, volumes, EMR-managed security groups).
        EMR_MANAGED_POLICY_TAG,
      ],
    }),
  );
  if (!response.JobFlowId)
    throw new LakestepError(`EMR RunJobFlow for execution ${opts.executionId} returned no cluster id`);
  return { clusterId: response.JobFlowId };
}

/**
 * Terminates a cluster (TerminateJobFlows). Idempotent: terminating a cluster that is already
 * terminating or terminated succeeds, so the failure path may call it whatever happened before.
 * @throws the SDK's errors (e.g. ValidationException for an unknown id)
 */
export async function terminateCluster(client: EMRClient, clusterId: string): Promise<void> {
  await client.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] }));
}

function requireInRange(name: string, value: number, bounds: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < bounds.min || value > bounds.max) {
    throw new LakestepError(
      `transient EMR cluster ${name} is ${value}; expected an integer in ${bounds.min}…${bounds.max} (set it in the stage parameters)`,
    );
  }
}
