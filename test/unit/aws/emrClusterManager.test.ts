import { EMRClient, RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import {
  runTransientCluster,
  terminateCluster,
  type TransientClusterOptions,
} from '../../../src/aws/emrClusterManager';

const emr = mockClient(EMRClient);
const client = () => new EMRClient({ region: 'us-east-1' });
const opts: TransientClusterOptions = {
  executionId: 'exec-7f3a',
  stage: 'prod',
  releaseLabel: 'emr-7.2.0',
  instanceType: 'm5.xlarge',
  instanceCount: 3,
  stepConcurrency: 2,
  idleTimeoutSeconds: 1800,
  serviceRole: 'lakestep-prod-emr-service',
  jobFlowRole: 'lakestep-prod-emr-ec2',
  logUri: 's3://lakestep-prod-logs/emr/',
  subnetId: 'subnet-0abc',
};

beforeEach(() => emr.reset());

describe('runTransientCluster', () => {
  it('starts a Spark cluster in the given subnet that waits for steps, ends itself when idle, tagged with the execution and for the EMR managed policy', async () => {
    emr.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-NEW' });

    const result = await runTransientCluster(client(), opts);

    expect(result).toEqual({ clusterId: 'j-NEW' });
    const input = emr.commandCalls(RunJobFlowCommand)[0].args[0].input;
    expect(input).toMatchObject({
      Name: 'lakestep-prod-exec-7f3a',
      ReleaseLabel: 'emr-7.2.0',
      Applications: [{ Name: 'Spark' }],
      ServiceRole: 'lakestep-prod-emr-service',
      JobFlowRole: 'lakestep-prod-emr-ec2',
      LogUri: 's3://lakestep-prod-logs/emr/',
      StepConcurrencyLevel: 2,
      AutoTerminationPolicy: { IdleTimeout: 1800 },
      Instances: {
        MasterInstanceType: 'm5.xlarge',
        SlaveInstanceType: 'm5.xlarge',
        InstanceCount: 3,
        KeepJobFlowAliveWhenNoSteps: true,
        TerminationProtected: false,
        Ec2SubnetId: 'subnet-0abc',
      },
    });
    // AmazonEMRServicePolicy_v2 creates instances and volumes only with this tag (EMR propagates cluster tags)
    expect(input.Tags).toEqual([
      { Key: 'lakestep:execution', Value: 'exec-7f3a' },
      { Key: 'lakestep:stage', Value: 'prod' },
      { Key: 'for-use-with-amazon-emr-managed-policies', Value: 'true' },
    ]);
  });

  it.each([
    ['idleTimeoutSeconds', { idleTimeoutSeconds: 30 }, /idleTimeoutSeconds is 30; expected an integer in 60…604800/],
    ['stepConcurrency', { stepConcurrency: 0 }, /stepConcurrency is 0; expected an integer in 1…256/],
    ['instanceCount', { instanceCount: 1.5 }, /instanceCount is 1.5/],
  ])('refuses an out-of-bounds %s before calling EMR', async (_name, bad, message) => {
    await expect(runTransientCluster(client(), { ...opts, ...bad })).rejects.toThrow(message);

    expect(emr.commandCalls(RunJobFlowCommand)).toHaveLength(0);
  });
});

describe('terminateCluster', () => {
  it('terminates exactly the given cluster', async () => {
    emr.on(TerminateJobFlowsCommand).resolves({});

    await terminateCluster(client(), 'j-NEW');

    expect(emr.commandCalls(TerminateJobFlowsCommand)[0].args[0].input).toEqual({ JobFlowIds: ['j-NEW'] });
  });
});
