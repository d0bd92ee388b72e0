/**
 * The CLI against a deployed stage (`--stage`): the state machine found by its conventional name,
 * executions started with the same input a local run builds, followed until they end with per-day progress
 * from the history, listed, rerun; the ledger read from the stage's DynamoDB table.
 *
 * DynamoDB is moto_server's. Step Functions is aws-sdk-client-mock's: moto 5.1 answers creationDate /
 * startDate as ISO strings, which this SDK's awsJson deserializer rejects ("Expected real number"), and
 * moto never runs an execution anyway.
 */
import { PassThrough } from 'node:stream';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoLedger } from '../../../src/aws/dynamoLedger';
import { DynamoLock } from '../../../src/aws/dynamoLock';
import { ledgerTableNames, tableDefinitions } from '../../../src/aws/ledgerTables';
import { allTableNames, loadConfig } from '../../../src/config/config';
import { TerminalReporter } from '../../../src/cli/reporter';
import type { Io } from '../../../src/cli/io';
import { makeProgram } from '../../../src/cli/program';
import type { StageIo } from '../../../src/cli/stageProgram';
import { currentStageVersions } from '../../../src/pipeline/stageFiles';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';

const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:lakestep-ci-pipeline';
const EXECUTION_PREFIX = 'arn:aws:states:us-east-1:123456789012:execution:lakestep-ci-pipeline:';
const sfnMock = mockClient(SFNClient);

const exited = (id: number, name: string, output: unknown): HistoryEvent => ({
  id,
  type: 'TaskStateExited',
  timestamp: new Date(1_700_000_000_000 + id),
  stateExitedEventDetails: { name, output: JSON.stringify(output) },
});
/** What the real state machine's history holds for a plan of two days in one step, both ok. */
const HISTORY: HistoryEvent[] = [
  { id: 1, type: 'ExecutionStarted', timestamp: new Date(1_700_000_000_000) },
  {
    id: 2,
    type: 'TaskStateEntered',
    timestamp: new Date(1_700_000_000_001),
    stateEnteredEventDetails: { name: 'Discover' },
  },
  exited(3, 'Discover', {
    plan: {
      planKey: 'p',
      dirtyDays: 2,
      deferredDays: 0,
      stepConcurrency: 2,
      phases: [{ phase: 0, groups: [{ groupId: 'g1' }] }],
      steps: 1,
      ignoredKeys: 0,
      ignoredKeyExamples: [],
      skippedKeys: 0,
      skippedKeyExamples: [],
    },
  }),
  exited(4, 'CheckStep', {
    group: { groupId: 'g1', dataset: 'access_records' },
    status: {
      state: 'COMPLETED',
      seconds: 40,
      days: [
        { day: '2024-03-01', status: 'succeeded', recordsOut: 1200, rejected: 3 },
        { day: '2024-03-02', status: 'succeeded', recordsOut: 900, rejected: 0 },
      ],
    },
  }),
];

/** DescribeExecution of an execution that SUCCEEDED with `output`. */
const succeeded = (name: string, output: unknown) => ({
  executionArn: `${EXECUTION_PREFIX}${name}`,
  stateMachineArn: SM,
  name,
  status: 'SUCCEEDED' as const,
  startDate: new Date(1_700_000_000_000),
  stopDate: new Date(1_700_000_010_000),
  output: JSON.stringify(output),
});

/** DescribeExecution of an execution that ended `status` (FAILED, TIMED_OUT …), with its error and cause if any. */
const ended = (name: string, status: 'FAILED' | 'TIMED_OUT', more: { error?: string; cause?: string } = {}) => ({
  executionArn: `${EXECUTION_PREFIX}${name}`,
  stateMachineArn: SM,
  name,
  status,
  startDate: new Date(),
  stopDate: new Date(),
  ...more,
});

interface Cli {
  run(args: string[]): Promise<number>;
  stdout(): string;
  stderr(): string;
}

function cli(moto: Moto): Cli {
  let out = '';
  let err = '';
  let code = 0;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const clients = { ...moto.clients, dynamodb: moto.clients.dynamodb, sfn: new SFNClient({ region: 'us-east-1' }) };
  const io: Io & StageIo = {
    stdout,
    reporter: new TerminalReporter(stderr),
    setExitCode: (c) => (code = c),
    awsClients: () => clients,
    pollMs: 10,
  };
  return {
    run: async (args) => {
      code = 0;
      await makeProgram(io).parseAsync(['node', 'lakestep', ...args]);
      return code;
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describeIfMoto('stageCli.moto.test.ts')('lakestep --stage', () => {
  let moto: Moto;

  const started = () => sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input);
  const executions = async () => started();

  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    sfnMock.reset();
    sfnMock.on(ListStateMachinesCommand).resolves({
      stateMachines: [
        {
          name: 'lakestep-other-pipeline',
          stateMachineArn: SM.replace('-ci-', '-other-'),
          type: 'STANDARD',
          creationDate: new Date(),
        },
        { name: 'lakestep-ci-pipeline', stateMachineArn: SM, type: 'STANDARD', creationDate: new Date() },
      ],
    });
    sfnMock.on(StartExecutionCommand).callsFake((input: { name: string }) => ({
      executionArn: `${EXECUTION_PREFIX}${input.name}`,
      startDate: new Date(),
    }));
  });

  it('run --stage starts the stage state machine with the local run input and follows it, one line per day', async () => {
    const describe = (status: 'RUNNING' | 'SUCCEEDED') => ({
      executionArn: `${EXECUTION_PREFIX}run-x`,
      stateMachineArn: SM,
      name: 'run-x',
      status,
      startDate: new Date(1_700_000_000_000),
      ...(status === 'SUCCEEDED' ? { stopDate: new Date(1_700_000_090_000) } : {}),
    });
    sfnMock.on(DescribeExecutionCommand).resolvesOnce(describe('RUNNING')).resolves(describe('SUCCEEDED'));
    sfnMock
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({ events: HISTORY.slice(0, 3) })
      .resolves({ events: HISTORY });
    const c = cli(moto);

    const code = await c.run(['run', '--stage', 'ci', '--from', '2024-03-01', '--to', '2024-03-02', '--force']);

    expect(code).toBe(0);
    expect(started()).toEqual([
      expect.objectContaining({ stateMachineArn: SM, input: '{"from":"2024-03-01","to":"2024-03-02","force":true}' }),
    ]);
    expect(c.stderr()).toContain('plan: 2 days in 1 step\n');
    // one step ran both days: its time once, on its last day
    expect(c.stderr()).toContain('[1/2] 2024-03-01 access_records ok 1,200 rows, 3 rejected\n');
    expect(c.stderr()).toContain('[2/2] 2024-03-02 access_records ok 900 rows (step of 2 days 40.0s)');
    expect(c.stderr().match(/plan: /g)).toHaveLength(1); // events seen in an earlier poll are not repeated
    expect(c.stderr()).toContain('done: execution run-x SUCCEEDED in 90 s');
  });

  it('run --stage follows a run cut into several executions, from each to the one its ContinueRun started', async () => {
    const next = `${EXECUTION_PREFIX}run-x-after-2024-05-19`;
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: `${EXECUTION_PREFIX}run-x`,
      stateMachineArn: SM,
      name: 'run-x',
      status: 'SUCCEEDED',
      startDate: new Date(1_700_000_000_000),
      stopDate: new Date(1_700_000_090_000),
      output: JSON.stringify({ continuedBy: { ExecutionArn: next, StartDate: 1_700_000_100 } }),
    });
    sfnMock.on(DescribeExecutionCommand, { executionArn: next }).resolves({
      executionArn: next,
      stateMachineArn: SM,
      name: 'run-x-after-2024-05-19',
      status: 'SUCCEEDED',
      startDate: new Date(1_700_000_100_000),
      stopDate: new Date(1_700_000_160_000),
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: HISTORY });
    const c = cli(moto);

    const code = await c.run(['run', '--stage', 'ci', '--from', '2024-01-01', '--to', '2024-12-31', '--force']);

    expect(code).toBe(0);
    expect(c.stderr()).toContain('done: execution run-x SUCCEEDED in 90 s');
    expect(c.stderr()).toContain('the run goes on in execution run-x-after-2024-05-19');
    expect(c.stderr()).toContain('done: execution run-x-after-2024-05-19 SUCCEEDED in 60 s');
    expect(c.stderr().match(/plan: /g)).toHaveLength(2); // each execution's history, once
  });

  it('run --stage --dry-run prints the cost of the plan at the stage settings, from the plan Discover stored in the lake bucket', async () => {
    const bucket = 'lakestep-ci-lake-123456789012'; // the stack's bucket, named from the state machine's account
    await moto.clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const group = {
      groupId: 'g1',
      dataset: 'access_records',
      phase: 0,
      period: 'day',
      days: ['2024-03-01', '2024-03-02'],
      rawDays: [],
      reads: [],
    };
    const plan = { groups: [group], days: [{}, {}], rawPartitions: [{}, {}, {}], removedRawDays: [] };
    await moto.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'plans/run-d.json', Body: JSON.stringify(plan) }),
    );
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(succeeded('run-d', { plan: { planKey: 'plans/run-d.json', dirtyDays: 2 } }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const c = cli(moto);

    expect(await c.run(['run', '--stage', 'ci', '--dry-run'])).toBe(0);
    expect(await c.run(['run', '--stage', 'ci', '--dry-run', '--json'])).toBe(0);

    expect(c.stderr()).toMatch(/cost on AWS of this plan: about \$\d+\.\d\d \(AWS list prices, us-east-1/);
    // one step of 60 + 2 × 120 s (assumed: the bucket has no run report)
    expect(c.stderr()).toContain('note: EMR seconds assumed');
    const { estimate } = JSON.parse(c.stdout());
    // one 300 s step polled 6 times (30, 60, 90, 135, 203, 300 s: core/stepPolling's back-off)
    // 5 + 2 + 1 + 2 + 3 × 6 + 6 + 2 (LaunchExports, ExportsLaunched: no export due) + 3 × 2 = 42 transitions
    expect(estimate.stateTransitions.count).toBe(42);
    expect(estimate.emr.instances.map((i: { type: string; count: number }) => `${i.count} × ${i.type}`)).toEqual([
      '1 × m5.xlarge',
      '2 × m5.xlarge',
    ]);
  });

  it('run --stage exits 2 when the execution fails, with its error and cause', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(ended('run-y', 'FAILED', { error: 'DaysFailedError', cause: '1 day failed: 2024-03-02' }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const c = cli(moto);

    expect(await c.run(['run', '--stage', 'ci'])).toBe(2);
    expect(c.stderr()).toContain('error: execution run-y failed: 1 day failed: 2024-03-02\n');
    expect(c.stderr()).not.toContain('DaysFailedError');
  });

  it('run --stage prints a failure as a local run does: the cause once with its stage SQL line, no class name, the rerun command', async () => {
    const bucket = 'lakestep-ci-lake-123456789012'; // the stack's bucket, named from the state machine's account
    await moto.clients.s3.send(new CreateBucketCommand({ Bucket: bucket })).catch(() => undefined);
    const sqlError = 'spark/sql/access_records.sql line 12: [UNRESOLVED_COLUMN] `sesion_id` cannot be resolved';
    const summary = {
      executionId: `${EXECUTION_PREFIX}run-s`,
      warnings: [],
      days: [
        { dataset: 'access_records', day: '2024-03-01' },
        { dataset: 'access_records', day: '2024-03-02' },
      ],
      failedDays: [
        { dataset: 'access_records', day: '2024-03-01', error: `InputError: ${sqlError}` },
        { dataset: 'access_records', day: '2024-03-02', error: `InputError: ${sqlError}` },
      ],
    };
    await moto.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: '_runs/run-s/summary.json', Body: JSON.stringify(summary) }),
    );
    sfnMock.on(DescribeExecutionCommand).resolves(
      ended('run-s', 'FAILED', {
        error: 'DaysFailedError',
        // a Lambda's Cause is its JSON error
        cause: JSON.stringify({ errorType: 'DaysFailedError', errorMessage: '2 days failed', trace: [] }),
      }),
    );
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const c = cli(moto);

    expect(await c.run(['run', '--stage', 'ci'])).toBe(2);

    const lines = c.stderr().split('\n');
    expect(lines).toContain(
      `error: execution run-s failed: 2 of 2 days failed: access_records 2024-03-01…2024-03-02 (${sqlError})`,
    );
    expect(lines).toContain('retry them: lakestep run --rerun run-s --stage ci');
    expect(c.stderr().split(sqlError)).toHaveLength(2); // the cause once
    expect(c.stderr()).not.toMatch(/[A-Za-z]+Error: /);
  });

  it('run --stage names a timed-out execution without a made-up error class', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(ended('run-t', 'TIMED_OUT'));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });
    const c = cli(moto);

    expect(await c.run(['run', '--stage', 'ci'])).toBe(2);
    expect(c.stderr()).toContain('error: execution run-t failed: it ended TIMED_OUT (Step Functions gives no error)');
  });

  it('rerun --stage reruns an execution given by name, as the ledger knows it (its ARN)', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: 'a', stateMachineArn: SM, name: 'n', status: 'ABORTED', startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    const code = await cli(moto).run(['rerun', '--stage', 'ci', 'run-20240305T101112Z-1a2b']);

    expect(code).toBe(2);
    expect(JSON.parse(started()[0].input ?? '')).toEqual({
      mode: 'rerun',
      executionId: `${EXECUTION_PREFIX}run-20240305T101112Z-1a2b`,
    });
  });

  it('executions --stage lists them newest first with their status', async () => {
    sfnMock.on(ListExecutionsCommand, { stateMachineArn: SM }).resolves({
      executions: [
        {
          executionArn: `${EXECUTION_PREFIX}run-2`,
          stateMachineArn: SM,
          name: 'run-2',
          status: 'RUNNING',
          startDate: new Date(2_000),
        },
        {
          executionArn: `${EXECUTION_PREFIX}run-1`,
          stateMachineArn: SM,
          name: 'run-1',
          status: 'FAILED',
          startDate: new Date(1_000),
          stopDate: new Date(1_500),
        },
      ],
    });
    const c = cli(moto);

    await c.run(['executions', '--stage', 'ci']);

    expect(
      c
        .stdout()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/\s+/).slice(0, 2)),
    ).toEqual([
      ['run-2', 'RUNNING'],
      ['run-1', 'FAILED'],
    ]);
  });

  it('fails on a bad input before starting anything, naming the field', async () => {
    await expect(cli(moto).run(['run', '--stage', 'ci', '--from', '2024-03-05', '--to', '2024-03-01'])).rejects.toThrow(
      /from/,
    );
    expect(await executions()).toEqual([]);
  });

  it('names the missing state machine of an unknown stage', async () => {
    await expect(cli(moto).run(['executions', '--stage', 'nope'])).rejects.toThrow(
      /no state machine lakestep-nope-pipeline in us-east-1/,
    );
  });

  it("status --stage reads the stage's ledger table", async () => {
    const tables = ledgerTableNames('ci');
    for (const definition of tableDefinitions(tables))
      await moto.clients.dynamodb.send(new CreateTableCommand(definition));
    const version = currentStageVersions(Object.values(loadConfig().datasets)).access_records;
    const output = (day: string, stageVersion: string) => ({
      dataset: 'access_records',
      day,
      stageVersion,
      executionId: `${EXECUTION_PREFIX}run-1`,
      committedAtMs: Date.UTC(2024, 2, 6),
      recordsIn: 12,
      recordsOut: 10,
      duplicatesDropped: 2,
      rejected: 0,
    });
    await new DynamoLedger(moto.clients.dynamodb, tables.ledger).commit({
      raw: [{ dataset: 'access_records', day: '2024-03-05', fingerprint: 'f', objectCount: 3, bytes: 300 }],
      outputs: [output('2024-03-04', 'old'), output('2024-03-05', version)],
      removedRaw: [],
    });
    const c = cli(moto);

    await c.run(['status', '--stage', 'ci', '--json']);
    const statuses = JSON.parse(c.stdout());
    const [status] = statuses;

    // every table, as the local status lists them: datasets first, then aggregates
    expect(statuses.map((s: { table: string }) => s.table)).toEqual(allTableNames(loadConfig()));
    expect(status.table).toBe('access_records');
    expect(status.raw).toEqual([{ day: '2024-03-05', state: 'processed', objects: 3, bytes: 300 }]);
    expect(status.outputs.map((o: { day: string; state: string }) => [o.day, o.state])).toEqual([
      ['2024-03-04', 'stale'],
      ['2024-03-05', 'ok'],
    ]);
  });

  it("unlock --stage clears a dead execution's lock (and marks it ABORTED), and refuses while that execution still runs", async () => {
    const tables = ledgerTableNames('ci');
    for (const definition of tableDefinitions(tables)) {
      await moto.clients.dynamodb.send(new CreateTableCommand(definition)).catch((err: Error) => {
        if (err.name !== 'ResourceInUseException') throw err;
      });
    }
    const holder = `${EXECUTION_PREFIX}run-dead`;
    await new DynamoLock(moto.clients.dynamodb, tables.lock).acquire(holder, Date.now(), 3600);
    const ledger = new DynamoLedger(moto.clients.dynamodb, tables.ledger);
    await ledger.putExecution({ executionId: holder, status: 'RUNNING', startedAtMs: Date.now(), failedDays: [] });
    const described = (status: 'RUNNING' | 'FAILED') =>
      sfnMock
        .on(DescribeExecutionCommand)
        .resolves({ executionArn: holder, name: 'run-dead', status, startDate: new Date(), stateMachineArn: SM });
    const c = cli(moto);

    await c.run(['status', '--stage', 'ci']);
    described('RUNNING');
    await expect(c.run(['unlock', '--stage', 'ci', '--yes'])).rejects.toThrow(
      /run-dead is still RUNNING and holds the lock; stop it first/,
    );
    described('FAILED');
    const code = await c.run(['unlock', '--stage', 'ci', '--yes']);

    expect(c.stdout()).toContain('lock: held by run-dead since');
    expect(code).toBe(0);
    expect(c.stderr()).toContain('the lock is released; run-dead is marked ABORTED');
    expect(await new DynamoLock(moto.clients.dynamodb, tables.lock).describe()).toBeUndefined();
    expect(await ledger.getExecution(holder)).toMatchObject({ status: 'ABORTED' });
  });
});
