import {
  AddJobFlowStepsCommand,
  DescribeStepCommand,
  EMRClient,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { makeEnsureCluster } from '../../../functions/ensureCluster/handler';
import { makeTerminateCluster } from '../../../functions/terminateCluster/handler';
import { emrClusterManagerFromEnv } from '../../../src/aws/emrClusters';
import { EmrStepRunner } from '../../../src/aws/emrStepRunner';
import { loadConfig } from '../../../src/config/config';
import { stepConcurrency } from '../../../src/config/stageEnv';
import type { StepSpec } from '../../../src/core/types';
import { LocalClusterManager } from '../../../src/local/localClusterManager';
import type { Context } from 'aws-lambda';
import { stepSpec } from '../../helpers/stepSpec';

const emr = mockClient(EMRClient);
const client = () => new EMRClient({ region: 'us-east-1' });
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:lakestep-prod-pipeline:run-42';
const TRANSIENT_ENV = {
  STAGE: 'prod',
  EMR_RELEASE_LABEL: 'emr-7.2.0',
  EMR_INSTANCE_TYPE: 'm5.xlarge',
  EMR_INSTANCE_COUNT: '3',
  EMR_IDLE_TIMEOUT_SECONDS: '900',
  EMR_SERVICE_ROLE: 'lakestep-prod-emr-service',
  EMR_JOB_FLOW_ROLE: 'lakestep-prod-emr-ec2',
  EMR_LOG_URI: 's3://art/emr-logs/',
  EMR_SUBNET_ID: 'subnet-0abc',
  STEP_CONCURRENCY: '4',
};
const ctx = {} as Context;

beforeEach(() => emr.reset());

describe('emrClusterManagerFromEnv', () => {
  it('existing mode: returns the stage cluster, starts nothing, and refuses to terminate it', async () => {
    const clusters = emrClusterManagerFromEnv({ EMR_CLUSTER_ID: 'j-EXISTING' }, client());

    expect(await clusters.ensure(EXECUTION)).toEqual({ clusterId: 'j-EXISTING', transient: false });
    await expect(clusters.terminate('j-EXISTING')).rejects.toThrow(/refusing to terminate j-EXISTING/);
    expect(emr.calls()).toHaveLength(0);
  });

  it('transient mode: RunJobFlow with the stage parameters, the stage and execution tags, the step concurrency, idle auto-termination', async () => {
    emr.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-NEW' });

    const result = await emrClusterManagerFromEnv(TRANSIENT_ENV, client()).ensure(EXECUTION);
    const sent = emr.commandCalls(RunJobFlowCommand)[0].args[0].input;

    expect(result).toEqual({ clusterId: 'j-NEW', transient: true });
    expect(sent.ReleaseLabel).toBe('emr-7.2.0');
    expect(sent.StepConcurrencyLevel).toBe(4);
    expect(sent.AutoTerminationPolicy).toEqual({ IdleTimeout: 900 });
    expect(sent.Instances?.InstanceCount).toBe(3);
    expect(sent.ServiceRole).toBe('lakestep-prod-emr-service');
    expect(sent.JobFlowRole).toBe('lakestep-prod-emr-ec2');
    expect(sent.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'lakestep:stage', Value: 'prod' },
        { Key: 'lakestep:execution', Value: 'run-42' },
      ]),
    );
  });

  it('transient mode: names the missing variable', async () => {
    const { EMR_RELEASE_LABEL: _, ...env } = TRANSIENT_ENV;

    await expect(emrClusterManagerFromEnv(env, client()).ensure(EXECUTION)).rejects.toThrow(
      /EMR_RELEASE_LABEL is not set/,
    );
  });

  it('transient mode: requires a subnet (the default VPC subnet lacks the tag the EMR managed policy needs)', async () => {
    const { EMR_SUBNET_ID: _, ...env } = TRANSIENT_ENV;

    await expect(emrClusterManagerFromEnv(env, client()).ensure(EXECUTION)).rejects.toThrow(
      /EMR_SUBNET_ID is not set; expected a subnet id .*for-use-with-amazon-emr-managed-policies=true/,
    );
    expect(emr.commandCalls(RunJobFlowCommand)).toHaveLength(0);
  });

  it("transient mode: terminates with TerminateCluster's environment, which has no EMR_* settings", async () => {
    emr.on(TerminateJobFlowsCommand).resolves({});

    await emrClusterManagerFromEnv({ STAGE: 'prod', EMR_CLUSTER_ID: '' }, client()).terminate('j-NEW');

    expect(emr.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW'] }]);
  });
});

describe('ensureCluster and terminateCluster handlers', () => {
  it('terminates a transient cluster, and leaves an existing one alone', async () => {
    emr.on(TerminateJobFlowsCommand).resolves({});
    const clusters = emrClusterManagerFromEnv(TRANSIENT_ENV, client());
    const terminate = makeTerminateCluster({ clusters });

    expect(await terminate({ cluster: { clusterId: 'j-NEW', transient: true } }, ctx)).toEqual({ terminated: true });
    expect(await terminate({ cluster: { clusterId: 'j-EXISTING', transient: false } }, ctx)).toEqual({
      terminated: false,
    });
    expect(emr.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([{ JobFlowIds: ['j-NEW'] }]);
  });

  it('is a no-op locally: cluster "local"', async () => {
    const clusters = new LocalClusterManager();

    expect(await makeEnsureCluster({ clusters })({ run: { executionId: EXECUTION } as never }, ctx)).toEqual({
      clusterId: 'local',
      transient: false,
    });
    expect(
      await makeTerminateCluster({ clusters })({ cluster: { clusterId: 'local', transient: false } }, ctx),
    ).toEqual({ terminated: false });
  });
});

describe('EmrStepRunner with a per-step cluster', () => {
  const spec: StepSpec = stepSpec({
    executionId: EXECUTION,
    groupId: 'g1',
    dataset: 'access_records',
    days: ['2024-03-05'],
    rawDays: ['2024-03-04', '2024-03-05', '2024-03-06'],
    stageSql: 'spark/sql/access_records.sql',
    stageVersion: 'v1',
    resultKey: '_runs/run-42/steps/g1.json',
    clusterId: 'j-NEW',
  });
  const runner = (clusterId?: string) =>
    new EmrStepRunner(client(), {
      clusterId,
      artifactsUri: 's3://art/spark/v/',
      lakeRoot: 's3://lake/',
      config: loadConfig(),
    });

  it("submits to and describes on the step's own cluster (transient mode, no EMR_CLUSTER_ID)", async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-1'] });
    emr.on(DescribeStepCommand).resolves({ Step: { Status: { State: 'RUNNING' } } });

    await runner(undefined).submit(spec);
    await runner(undefined).describe('s-1', 'j-NEW');

    expect(emr.commandCalls(AddJobFlowStepsCommand)[0].args[0].input.JobFlowId).toBe('j-NEW');
    expect(emr.commandCalls(DescribeStepCommand)[0].args[0].input).toEqual({ ClusterId: 'j-NEW', StepId: 's-1' });
  });

  it('falls back to the default cluster, and says so when there is none', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-1'] });

    await runner('j-EXISTING').submit({ ...spec, clusterId: undefined });

    expect(emr.commandCalls(AddJobFlowStepsCommand)[0].args[0].input.JobFlowId).toBe('j-EXISTING');
    await expect(runner(undefined).describe('s-1')).rejects.toThrow(/names no EMR cluster and EMR_CLUSTER_ID is empty/);
  });
});

describe('stepConcurrency', () => {
  it("is the stage's STEP_CONCURRENCY, else the config's", () => {
    expect(stepConcurrency({ stepConcurrency: 2 }, { STEP_CONCURRENCY: '4' })).toBe(4);
    expect(stepConcurrency({ stepConcurrency: 2 }, {})).toBe(2);
    expect(() => stepConcurrency({ stepConcurrency: 2 }, { STEP_CONCURRENCY: '41' })).toThrow(
      /STEP_CONCURRENCY is "41"; expected an integer in 1…40/,
    );
  });
});
