import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  describeExecution,
  executionHistory,
  listExecutions,
  startExecution,
} from '../../../src/aws/stepFunctionsClient';

const sfn = mockClient(SFNClient);
const client = () => new SFNClient({ region: 'us-east-1' });
const arn = 'arn:aws:states:us-east-1:123456789012:stateMachine:lakestep-prod-pipeline';
const execArn = 'arn:aws:states:us-east-1:123456789012:execution:lakestep-prod-pipeline:exec-7f3a';

beforeEach(() => sfn.reset());

describe('startExecution', () => {
  it('sends the input as JSON with the given name', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: execArn, startDate: new Date(1_700_000_000_000) });

    const result = await startExecution(
      client(),
      arn,
      { mode: 'backfill', from: '2024-01-01', to: '2024-03-31' },
      'exec-7f3a',
    );

    expect(result).toEqual({ executionArn: execArn, startedAtMs: 1_700_000_000_000 });
    expect(sfn.commandCalls(StartExecutionCommand)[0].args[0].input).toEqual({
      stateMachineArn: arn,
      input: '{"mode":"backfill","from":"2024-01-01","to":"2024-03-31"}',
      name: 'exec-7f3a',
    });
  });

  it('refuses an input over 256 KiB and a bad name before calling AWS', async () => {
    await expect(startExecution(client(), arn, { pad: 'x'.repeat(300_000) })).rejects.toThrow(
      /input: is \d+ bytes of JSON; Step Functions accepts at most 262144/,
    );
    await expect(startExecution(client(), arn, {}, 'has space')).rejects.toThrow(
      /name: "has space" is not a valid execution name/,
    );

    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('describeExecution', () => {
  it('parses input and output and keeps error and cause', async () => {
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: execArn,
      stateMachineArn: arn,
      name: 'exec-7f3a',
      status: 'FAILED',
      startDate: new Date(1000),
      stopDate: new Date(5000),
      input: '{"mode":"rerun"}',
      error: 'DaysFailedError',
      cause: '2 days failed',
    });

    expect(await describeExecution(client(), execArn)).toEqual({
      executionArn: execArn,
      name: 'exec-7f3a',
      status: 'FAILED',
      startedAtMs: 1000,
      stoppedAtMs: 5000,
      input: { mode: 'rerun' },
      error: 'DaysFailedError',
      cause: '2 days failed',
    });
  });
});

describe('listExecutions', () => {
  const item = (i: number) => ({
    executionArn: `${execArn}-${i}`,
    stateMachineArn: arn,
    name: `e${i}`,
    status: 'SUCCEEDED' as const,
    startDate: new Date(i),
  });

  it('follows nextToken and stops at max', async () => {
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [item(1), item(2)], nextToken: 'n1' })
      .resolvesOnce({ executions: [item(3), item(4)], nextToken: 'n2' })
      .resolvesOnce({ executions: [item(5)] });

    const executions = await listExecutions(client(), arn, 3);

    expect(executions.map((e) => e.name)).toEqual(['e1', 'e2', 'e3']);
    expect(sfn.commandCalls(ListExecutionsCommand)).toHaveLength(2);
    expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({
      stateMachineArn: arn,
      maxResults: 3,
    });
  });
});

describe('executionHistory', () => {
  it('collects every page, oldest first', async () => {
    const event = (id: number) => ({ id, type: 'TaskStateEntered' as const, timestamp: new Date(id) });
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: Array.from({ length: 1000 }, (_, i) => event(i + 1)), nextToken: 'h1' })
      .resolvesOnce({ events: [event(1001)] });

    const events = await executionHistory(client(), execArn);

    expect(events).toHaveLength(1001);
    expect(events[1000].id).toBe(1001);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0].args[0].input).toMatchObject({
      executionArn: execArn,
      maxResults: 1000,
    });
  });
});
