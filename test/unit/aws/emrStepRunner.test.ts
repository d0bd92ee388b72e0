import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  DescribeStepCommand,
  EMRClient,
  type StepStatus as EmrStepStatus,
} from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import type { LakestepConfig } from '../../../src/config/config';
import type { StepSpec } from '../../../src/core/types';

// EmrStepRunner's own job is where the SQL and driver live and how the step is wrapped; the argument
// list itself is sparkSubmitArgs' (tested with it in emrStepRunner.args.test.ts). This stand-in echoes
// what it was given, so the assertions below see exactly what the runner passed.
const sparkSubmitArgs = jest.fn((input: { spec: StepSpec; lakeRoot: string; sqlUri: string; driverUri: string }) => [
  'spark-submit',
  input.driverUri,
  '--spec',
  JSON.stringify(input.spec),
  '--lake-root',
  input.lakeRoot,
  '--sql',
  input.sqlUri,
]);
jest.mock('../../../src/core/sparkSubmitArgs', () => ({ sparkSubmitArgs }));

// Imported after the mock so the runner gets the stand-in.
import { EmrStepRunner, stepName } from '../../../src/aws/emrStepRunner';
import { stepSpec } from '../../helpers/stepSpec';

const emr = mockClient(EMRClient);
const config: LakestepConfig = {
  datasets: {},
  aggregates: {},
  exports: {},
  maxDaysPerStep: 7,
  maxStepsPerExecution: 20,
  stepTimeoutMinutes: 120,
  stepConcurrency: 2,
  lockTtlSeconds: 21600,
};
const runner = () =>
  new EmrStepRunner(new EMRClient({ region: 'us-east-1' }), {
    clusterId: 'j-CLUSTER1',
    artifactsUri: 's3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/',
    lakeRoot: 's3://lakestep-prod-lake/',
    config,
  });
const spec: StepSpec = stepSpec({
  executionId: 'exec-7f3a',
  groupId: 'access_records-2024-03-05',
  dataset: 'access_records',
  days: ['2024-03-05', '2024-03-06', '2024-03-07'],
  rawDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'],
  stageSql: 'spark/sql/access_records.sql',
  stageVersion: 'v1',
  resultKey: 'runs/exec-7f3a/steps/access_records-2024-03-05.json',
});

beforeEach(() => {
  emr.reset();
  sparkSubmitArgs.mockClear();
});

describe('EmrStepRunner.submit', () => {
  it('adds one CONTINUE step running spark-submit through command-runner.jar with the stage SQL of the deployed version', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: ['s-STEP1'] });

    const result = await runner().submit(spec);

    expect(result).toEqual({ stepId: 's-STEP1' });
    const sqlUri = 's3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/sql/access_records.sql';
    const driverUri = 's3://lakestep-prod-artifacts/spark/0.1.0-ab12cd3/jobs/lakestep_driver.py';
    expect(sparkSubmitArgs).toHaveBeenCalledWith({
      spec,
      lakeRoot: 's3://lakestep-prod-lake/',
      sqlUri,
      driverUri,
      config,
    });
    expect(emr.commandCalls(AddJobFlowStepsCommand)[0].args[0].input).toEqual({
      JobFlowId: 'j-CLUSTER1',
      Steps: [
        {
          Name: 'access_records 2024-03-05…2024-03-07 (exec-7f3a)',
          ActionOnFailure: 'CONTINUE',
          HadoopJarStep: {
            Jar: 'command-runner.jar',
            Args: [
              'spark-submit',
              driverUri,
              '--spec',
              JSON.stringify(spec),
              '--lake-root',
              's3://lakestep-prod-lake/',
              '--sql',
              sqlUri,
            ],
          },
        },
      ],
    });
  });

  it('fails clearly when EMR returns no step id', async () => {
    emr.on(AddJobFlowStepsCommand).resolves({ StepIds: [] });

    await expect(runner().submit(spec)).rejects.toThrow(/AddJobFlowSteps on j-CLUSTER1 returned no step id/);
  });

  it('propagates a terminated cluster as the SDK error', async () => {
    emr.on(AddJobFlowStepsCommand).rejects(
      Object.assign(new Error('A job flow that is shutting down, terminated, or finished may not be modified.'), {
        name: 'ValidationException',
      }),
    );

    await expect(runner().submit(spec)).rejects.toThrow(/may not be modified/);
  });
});

describe('EmrStepRunner constructor', () => {
  it('refuses an artifacts URI that is not an s3 folder', () => {
    expect(
      () =>
        new EmrStepRunner(new EMRClient({}), {
          clusterId: 'j-1',
          artifactsUri: 's3://bucket/spark/v1',
          lakeRoot: 's3://lake/',
          config,
        }),
    ).toThrow(/artifactsUri "s3:\/\/bucket\/spark\/v1" is not an S3 folder URI/);
  });
});

describe('EmrStepRunner.describe', () => {
  const describeAs = (Status: EmrStepStatus) => {
    emr
      .on(DescribeStepCommand, { ClusterId: 'j-CLUSTER1', StepId: 's-STEP1' })
      .resolves({ Step: { Id: 's-STEP1', Status } });
    return runner().describe('s-STEP1');
  };

  it.each([
    ['PENDING', 'PENDING'],
    ['CANCEL_PENDING', 'RUNNING'],
    ['RUNNING', 'RUNNING'],
    ['COMPLETED', 'COMPLETED'],
  ] as const)('maps %s to %s without a failure message', async (emrState, state) => {
    expect(await describeAs({ State: emrState })).toEqual({ stepId: 's-STEP1', state });
  });

  it('maps FAILED with FailureDetails to reason, message and log file', async () => {
    const status = await describeAs({
      State: 'FAILED',
      FailureDetails: {
        Reason: 'Unknown error.',
        Message: 'Exception in thread "main" org.apache.spark.SparkException: Job aborted.',
        LogFile: 's3://lakestep-prod-logs/j-CLUSTER1/steps/s-STEP1/stderr.gz',
      },
    });

    expect(status).toEqual({
      stepId: 's-STEP1',
      state: 'FAILED',
      failureMessage:
        'Unknown error.: Exception in thread "main" org.apache.spark.SparkException: Job aborted. (log: s3://lakestep-prod-logs/j-CLUSTER1/steps/s-STEP1/stderr.gz)',
    });
  });

  it('maps INTERRUPTED to FAILED: an interrupted step never resumes', async () => {
    expect(await describeAs({ State: 'INTERRUPTED' })).toEqual({
      stepId: 's-STEP1',
      state: 'FAILED',
      failureMessage: 'step interrupted (cluster terminated or node lost)',
    });
  });

  it('maps CANCELLED with the state change reason', async () => {
    expect(await describeAs({ State: 'CANCELLED', StateChangeReason: { Message: 'Cancelled by user' } })).toEqual({
      stepId: 's-STEP1',
      state: 'CANCELLED',
      failureMessage: 'Cancelled by user',
    });
  });

  it('throws on a state it does not know instead of polling forever', async () => {
    emr.on(DescribeStepCommand).resolves({ Step: { Id: 's-STEP1', Status: {} } });

    await expect(runner().describe('s-STEP1')).rejects.toThrow(
      /EMR step s-STEP1 on j-CLUSTER1 is in state undefined; expected one of PENDING/,
    );
  });
});

describe('EmrStepRunner.cancel', () => {
  const refused = () =>
    emr.on(CancelStepsCommand).resolves({
      CancelStepsInfoList: [{ StepId: 's-STEP1', Status: 'FAILED', Reason: 'Cannot cancel a step in a final state' }],
    });

  it('cancels on the step cluster, killing the process (a hung step may ignore SIGTERM)', async () => {
    emr.on(CancelStepsCommand).resolves({ CancelStepsInfoList: [{ StepId: 's-STEP1', Status: 'SUBMITTED' }] });

    expect(await runner().cancel('s-STEP1', 'j-TRANSIENT')).toBe('cancelling');
    expect(emr.commandCalls(CancelStepsCommand)[0].args[0].input).toEqual({
      ClusterId: 'j-TRANSIENT',
      StepIds: ['s-STEP1'],
      StepCancellationOption: 'TERMINATE_PROCESS',
    });
  });

  it('says the step ended when EMR refuses because it completed meanwhile', async () => {
    refused();
    emr.on(DescribeStepCommand).resolves({ Step: { Id: 's-STEP1', Status: { State: 'COMPLETED' } } });

    expect(await runner().cancel('s-STEP1')).toBe('ended');
  });

  it('counts a cancel already under way (a retried CheckStep) as cancelling', async () => {
    refused();
    emr.on(DescribeStepCommand).resolves({ Step: { Id: 's-STEP1', Status: { State: 'CANCEL_PENDING' } } });

    expect(await runner().cancel('s-STEP1')).toBe('cancelling');
  });

  it('throws, naming the step, the reason and what to do, when EMR refuses and the step still runs', async () => {
    emr
      .on(CancelStepsCommand)
      .resolves({ CancelStepsInfoList: [{ StepId: 's-STEP1', Status: 'FAILED', Reason: 'Step is not cancellable' }] });
    emr.on(DescribeStepCommand).resolves({ Step: { Id: 's-STEP1', Status: { State: 'RUNNING' } } });

    await expect(runner().cancel('s-STEP1')).rejects.toThrow(
      'EMR refused to cancel step s-STEP1 on j-CLUSTER1 (Step is not cancellable) and it is still running; cancel it in the EMR console',
    );
  });

  it('propagates the SDK error (throttling): the CheckStep Lambda fails and is retried', async () => {
    emr.on(CancelStepsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    await expect(runner().cancel('s-STEP1')).rejects.toThrow('Rate exceeded');
  });
});

describe('stepName', () => {
  it("names one day once and caps the name at EMR's 256 characters", () => {
    expect(stepName({ ...spec, days: ['2024-03-05'] })).toBe('access_records 2024-03-05…2024-03-05 (exec-7f3a)');
    expect(stepName({ ...spec, executionId: 'x'.repeat(300) })).toHaveLength(256);
  });
});
