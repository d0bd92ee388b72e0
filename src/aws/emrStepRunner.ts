/**
 * EmrStepRunner: runs one transform step (a group of contiguous days of one dataset) as an EMR step
 * `command-runner.jar spark-submit <driver> …` on an existing or transient cluster.
 */
import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  DescribeStepCommand,
  type EMRClient,
  type FailureDetails,
  type StepState as EmrStepState,
} from '@aws-sdk/client-emr';
import type { LakestepConfig } from '../config/config';
import { LakestepError } from '../core/errors';
import type { StepRunner } from '../core/ports';
import { sparkSubmitArgs, sparkSubmitExportArgs } from '../core/sparkSubmitArgs';
import type { StepSpec, StepState, StepStatus } from '../core/types';

/** The PySpark driver, relative to the artifacts version folder (`spark/jobs/…` in the repo). */
export const DEFAULT_DRIVER_PATH = 'jobs/lakestep_driver.py';

/** EMR rejects a step Name longer than 256 characters. */
const MAX_STEP_NAME_CHARS = 256;

export interface EmrStepRunnerOptions {
  /**
   * the default cluster, e.g. `j-2AXXXXXXGAPLF` (the stage's existing cluster); a step's own `StepSpec.clusterId`
   * (the execution's transient cluster, from EnsureCluster) wins. Undefined in transient mode.
   */
  clusterId?: string;
  /** the deployed Spark code of this version, ending in `/`: `s3://<artifacts-bucket>/spark/<version>/` */
  artifactsUri: string;
  /** the lake bucket root, ending in `/`: `s3://<lake-bucket>/` */
  lakeRoot: string;
  config: LakestepConfig;
  /** driver path under `artifactsUri`; default DEFAULT_DRIVER_PATH */
  driverPath?: string;
}

export class EmrStepRunner implements StepRunner {
  private readonly artifactsUri: string;

  /**
   * @param client an EMR client (see clients.ts); no I/O on construction
   * @throws LakestepError when artifactsUri or lakeRoot is not an `s3://…/` URI (a deploy misconfiguration)
   */
  constructor(
    private readonly client: EMRClient,
    private readonly opts: EmrStepRunnerOptions,
  ) {
    this.artifactsUri = requireS3Folder('artifactsUri', opts.artifactsUri);
    requireS3Folder('lakeRoot', opts.lakeRoot);
  }

  /**
   * The S3 URIs of a step's SQL and driver under the deployed version: the repo's `spark/sql/x.sql` is
   * uploaded as `<artifactsUri>sql/x.sql`, so an old execution rerun finds the code it ran with.
   * @example sqlUri('spark/sql/access_records.sql') // 's3://art/spark/0.1.0-ab12cd3/sql/access_records.sql'
   */
  sqlUri(stageSql: string): string {
    return this.artifactsUri + stageSql.replace(/^spark\//, '');
  }

  driverUri(): string {
    return this.artifactsUri + (this.opts.driverPath ?? DEFAULT_DRIVER_PATH);
  }

  /**
   * Adds one step to the cluster (AddJobFlowSteps).
   * Not retried on ambiguity beyond the SDK's own retry: EMR has no idempotency token for steps, so a
   * retried request after a lost response may add a second step for the same days. That is safe for the
   * data (a day is a pure function of its inputs, and the last writer replaces the whole day), only costly.
   * @returns the EMR step id, e.g. `s-1A2B3C4D5E6F`
   * @throws the SDK's errors (e.g. ValidationException when the cluster is terminated)
   */
  async submit(spec: StepSpec): Promise<{ stepId: string }> {
    const args = sparkSubmitArgs({
      spec,
      lakeRoot: this.opts.lakeRoot,
      sqlUri: this.sqlUri(spec.stageSql),
      driverUri: this.driverUri(),
      config: this.opts.config,
    });
    return this.addStep(this.clusterOf(spec.clusterId, `step ${stepName(spec)}`), stepName(spec), args);
  }

  /**
   * The export phase's step: the driver's export mode on the ExportSpec at `<lakeRoot><exportSpecKey>`
   * (spark/jobs/lakestep_export.py), which writes each package under `exports/` and its ExportResult.
   * @returns the EMR step id; @throws as submit
   */
  async submitExports(exportSpecKey: string, clusterId?: string): Promise<{ stepId: string }> {
    const args = sparkSubmitExportArgs({
      lakeRoot: this.opts.lakeRoot,
      exportSpecUri: this.opts.lakeRoot + exportSpecKey,
      driverUri: this.driverUri(),
    });
    const name = `exports (${exportSpecKey})`.slice(0, MAX_STEP_NAME_CHARS);
    return this.addStep(this.clusterOf(clusterId, `step ${name}`), name, args);
  }

  private async addStep(clusterId: string, name: string, args: string[]): Promise<{ stepId: string }> {
    const response = await this.client.send(
      new AddJobFlowStepsCommand({
        JobFlowId: clusterId,
        Steps: [
          {
            Name: name,
            // With StepConcurrencyLevel > 1 EMR only accepts CONTINUE; it also keeps one failed group from
            // cancelling the others' steps or terminating the cluster: the state machine decides.
            ActionOnFailure: 'CONTINUE',
            HadoopJarStep: { Jar: 'command-runner.jar', Args: args },
          },
        ],
      }),
    );
    const stepId = response.StepIds?.[0];
    if (!stepId) {
      throw new LakestepError(`EMR AddJobFlowSteps on ${clusterId} returned no step id for ${name}; expected one`);
    }
    return { stepId };
  }

  /**
   * The step's state (DescribeStep). EMR → lakestep: PENDING → PENDING; RUNNING, CANCEL_PENDING → RUNNING
   * (not final yet); COMPLETED → COMPLETED; CANCELLED → CANCELLED; FAILED, INTERRUPTED → FAILED (an
   * interrupted step never resumes: its cluster was terminated or lost its node).
   * @returns failureMessage on FAILED/CANCELLED: `<Reason>: <Message> (log: <LogFile>)` from FailureDetails
   * @throws LakestepError on a state this code does not know (rather than polling it forever)
   */
  async describe(stepId: string, stepClusterId?: string): Promise<StepStatus> {
    const clusterId = this.clusterOf(stepClusterId, `step ${stepId}`);
    const response = await this.client.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }));
    const status = response.Step?.Status;
    const emrState = status?.State;
    if (!emrState || !(emrState in STATE_MAP)) {
      throw new LakestepError(
        `EMR step ${stepId} on ${clusterId} is in state ${String(emrState)}; expected one of ${Object.keys(STATE_MAP).join(', ')}`,
      );
    }
    return emrStepStatus(stepId, emrState, failureText(status?.FailureDetails) ?? status?.StateChangeReason?.Message);
  }

  /**
   * Cancels a step (CancelSteps, TERMINATE_PROCESS: a hung step may ignore SIGTERM; the driver's publish
   * journal makes a kill mid-publish safe). EMR answers per step: SUBMITTED, or FAILED with a reason when the
   * step cannot be cancelled, usually because it ended meanwhile; then DescribeStep decides.
   * @returns `cancelling` (accepted, or cancelling already) or `ended` (refused, the step is in a final state)
   * @throws LakestepError when EMR refuses and the step still runs; the SDK's errors
   */
  async cancel(stepId: string, stepClusterId?: string): Promise<'cancelling' | 'ended'> {
    const clusterId = this.clusterOf(stepClusterId, `step ${stepId}`);
    const response = await this.client.send(
      new CancelStepsCommand({ ClusterId: clusterId, StepIds: [stepId], StepCancellationOption: 'TERMINATE_PROCESS' }),
    );
    const info = response.CancelStepsInfoList?.find((i) => i.StepId === stepId);
    if (info?.Status === 'SUBMITTED') return 'cancelling';
    const described = await this.client.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }));
    const emrState = described.Step?.Status?.State;
    // CANCEL_PENDING: an earlier request (a retried CheckStep) is under way
    if (emrState === 'CANCEL_PENDING') return 'cancelling';
    if (emrState !== 'PENDING' && emrState !== 'RUNNING') return 'ended';
    throw new LakestepError(
      `EMR refused to cancel step ${stepId} on ${clusterId} (${info?.Reason ?? 'no reason given'}) and it is still ${emrState.toLowerCase()}; cancel it in the EMR console (aws emr cancel-steps)`,
    );
  }

  /** The step's own cluster (a real one, not the local runtime's `local`), else the default. @throws LakestepError when neither */
  private clusterOf(stepClusterId: string | undefined, what: string): string {
    const clusterId = stepClusterId && stepClusterId !== 'local' ? stepClusterId : this.opts.clusterId;
    if (!clusterId) {
      throw new LakestepError(
        `${what} names no EMR cluster and EMR_CLUSTER_ID is empty; expected EnsureCluster's clusterId in the step (transient mode) or EMR_CLUSTER_ID (existing mode)`,
      );
    }
    return clusterId;
  }
}

const STATE_MAP: Record<EmrStepState, StepState> = {
  PENDING: 'PENDING',
  CANCEL_PENDING: 'RUNNING',
  RUNNING: 'RUNNING',
  COMPLETED: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  INTERRUPTED: 'FAILED',
};

/**
 * What CheckStep sees of an EMR step state (STATE_MAP), with the failure message EMR gave, or a
 * default naming the state (an interrupted step: its cluster was terminated or lost its node).
 * Shared with the local fault script (src/local/stepFaults.ts), so a rehearsed failure reads as EMR's.
 */
export function emrStepStatus(stepId: string, emrState: EmrStepState, message?: string): StepStatus {
  const state = STATE_MAP[emrState];
  if (state !== 'FAILED' && state !== 'CANCELLED') return { stepId, state };
  return {
    stepId,
    state,
    failureMessage:
      message ??
      (emrState === 'INTERRUPTED'
        ? 'step interrupted (cluster terminated or node lost)'
        : `step ${emrState.toLowerCase()}`),
  };
}

/** `access_records 2024-03-01…2024-03-07 (exec-7f3a)`: what the EMR console lists, so an operator finds the execution. */
export function stepName(spec: StepSpec): string {
  const range = spec.days.length === 0 ? '(no days)' : `${spec.days[0]}…${spec.days[spec.days.length - 1]}`;
  const name = `${spec.dataset} ${range} (${spec.executionId})`;
  return name.length <= MAX_STEP_NAME_CHARS ? name : `${name.slice(0, MAX_STEP_NAME_CHARS - 1)}…`;
}

function failureText(details: FailureDetails | undefined): string | undefined {
  if (!details || (!details.Reason && !details.Message && !details.LogFile)) return undefined;
  const head = [details.Reason, details.Message].filter(Boolean).join(': ') || 'step failed';
  return details.LogFile ? `${head} (log: ${details.LogFile})` : head;
}

function requireS3Folder(name: string, uri: string): string {
  if (!/^s3:\/\/[^/]+\/(.*\/)?$/.test(uri)) {
    throw new LakestepError(
      `EmrStepRunner ${name} "${uri}" is not an S3 folder URI (expected s3://bucket/…/ ending in "/")`,
    );
  }
  return uri;
}
