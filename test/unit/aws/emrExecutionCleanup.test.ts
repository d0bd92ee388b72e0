import {
  CancelStepsCommand,
  DescribeClusterCommand,
  EMRClient,
  ListClustersCommand,
  ListStepsCommand,
  TerminateJobFlowsCommand,
} from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { makeCleanupExecution } from '../../../functions/cleanupExecution/handler';
import { cleanUpExecution } from '../../../src/aws/emrExecutionCleanup';
import type { ExecutionRecord } from '../../../src/core/ports';

const emr = mockClient(EMRClient);
const client = () => new EMRClient({ region: 'us-east-1' });
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:lakestep-prod-pipeline:run-42';
const tags = (stage: string, execution: string) => [
  { Key: 'lakestep:stage', Value: stage },
  { Key: 'lakestep:execution', Value: execution },
];

beforeEach(() => emr.reset());

describe('cleanUpExecution', () => {
  it('transient mode: terminates the active clusters tagged with the execution and the stage, and no other', async () => {
    emr.on(ListClustersCommand).resolves({
      Clusters: [
        { Id: 'j-MINE', Name: 'lakestep-prod-run-42' },
        { Id: 'j-OTHER-RUN', Name: 'lakestep-prod-run-43' },
        { Id: 'j-OTHER-STAGE', Name: 'lakestep-prod-run-42x' },
        { Id: 'j-FOREIGN', Name: 'etl-nightly' },
      ],
    });
    emr
      .on(DescribeClusterCommand, { ClusterId: 'j-MINE' })
      .resolves({ Cluster: { Tags: tags('prod', 'run-42') } as never });
    emr
      .on(DescribeClusterCommand, { ClusterId: 'j-OTHER-RUN' })
      .resolves({ Cluster: { Tags: tags('prod', 'run-43') } as never });
    emr
      .on(DescribeClusterCommand, { ClusterId: 'j-OTHER-STAGE' })
      .resolves({ Cluster: { Tags: tags('dev', 'run-42') } as never });
    emr.on(TerminateJobFlowsCommand).resolves({});

    const result = await cleanUpExecution(client(), { stage: 'prod' }, EXECUTION);

    expect(result).toEqual({ terminatedClusters: ['j-MINE'], cancelledSteps: [] });
    expect(emr.commandCalls(ListClustersCommand)[0].args[0].input.ClusterStates).toEqual([
      'STARTING',
      'BOOTSTRAPPING',
      'RUNNING',
      'WAITING',
    ]);
    expect(emr.commandCalls(DescribeClusterCommand).map((c) => c.args[0].input.ClusterId)).not.toContain('j-FOREIGN');
    expect(emr.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input)).toEqual([
      { JobFlowIds: ['j-MINE'] },
    ]);
  });

  it("existing mode: cancels the execution's pending and running steps, never the cluster", async () => {
    emr.on(ListStepsCommand).resolves({
      Steps: [
        { Id: 's-1', Name: `access_records 2024-03-01…2024-03-02 (${EXECUTION})` },
        { Id: 's-2', Name: `access_records 2024-03-03…2024-03-03 (${EXECUTION}-2)` },
        { Id: 's-3', Name: 'someone else' },
      ],
    });
    emr.on(CancelStepsCommand).resolves({});

    const result = await cleanUpExecution(client(), { existingClusterId: 'j-LONG' }, EXECUTION);

    expect(result).toEqual({ terminatedClusters: [], cancelledSteps: ['s-1'] });
    expect(emr.commandCalls(ListStepsCommand)[0].args[0].input).toEqual({
      ClusterId: 'j-LONG',
      StepStates: ['PENDING', 'RUNNING'],
    });
    expect(emr.commandCalls(CancelStepsCommand).map((c) => c.args[0].input)).toEqual([
      { ClusterId: 'j-LONG', StepIds: ['s-1'] },
    ]);
    expect(emr.commandCalls(TerminateJobFlowsCommand)).toHaveLength(0);
  });
});

describe('cleanupExecution handler', () => {
  const run = async (status: string, recorded?: ExecutionRecord['status']) => {
    const released: string[] = [];
    const published: { subject: string; message: Record<string, unknown> }[] = [];
    const ports = {
      lock: { acquire: async () => undefined, release: async (id: string) => released.push(id) > 0 },
      ledger: { getExecution: async () => (recorded ? ({ status: recorded } as ExecutionRecord) : undefined) } as never,
      notifier: {
        publish: async (subject: string, message: Record<string, unknown>) => void published.push({ subject, message }),
      },
    };
    const stopped: string[] = [];
    const handler = makeCleanupExecution(ports, async (id) => stopped.push(id), 'prod');
    await handler(
      { detail: { executionArn: EXECUTION, stateMachineArn: 'sm', name: 'run-42', status } },
      {} as Context,
    );
    return { released, published, stopped };
  };

  it('releases the lock and stops EMR work whatever the status', async () => {
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED']) {
      const { released, stopped } = await run(status, 'FAILED');

      expect(released).toEqual([EXECUTION]);
      expect(stopped).toEqual([EXECUTION]);
    }
  });

  it('alerts for a timeout, a stop, or a failure the state machine did not record; not twice for one it did', async () => {
    expect((await run('TIMED_OUT', 'RUNNING')).published.map((p) => p.subject)).toEqual([
      'lakestep prod: execution run-42 ended TIMED_OUT',
    ]);
    expect((await run('ABORTED', 'RUNNING')).published).toHaveLength(1);
    expect((await run('FAILED', 'RUNNING')).published).toHaveLength(1); // failed outside the Catch path
    expect((await run('FAILED', 'FAILED')).published).toEqual([]); // RecordFailure + NotifyFailure alerted already
  });
});
