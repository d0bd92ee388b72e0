/**
 * `lakestep adopt --stage` on moto's S3 and DynamoDB: the stage's bucket (named from the state machine's
 * account) is listed, the ledger table records it, and discovery over the same S3 then plans nothing.
 */
import { PassThrough } from 'node:stream';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoLedger } from '../../../src/aws/dynamoLedger';
import { ledgerTableNames, tableDefinitions } from '../../../src/aws/ledgerTables';
import { S3ObjectStore } from '../../../src/aws/s3ObjectStore';
import type { Io } from '../../../src/cli/io';
import { makeProgram } from '../../../src/cli/program';
import { TerminalReporter } from '../../../src/cli/reporter';
import type { StageIo } from '../../../src/cli/stageProgram';
import { loadConfig } from '../../../src/config/config';
import { validateRunInput } from '../../../src/core/input';
import { discover } from '../../../src/pipeline/discover';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';

const BUCKET = 'lakestep-ci-lake-123456789012';
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:lakestep-ci-pipeline';

describeIfMoto('adoptStage.moto.test.ts')('lakestep adopt --stage', () => {
  let moto: Moto;
  const env = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    process.env.LAKESTEP_STATE_MACHINE_ARN = SM;
    delete process.env.LAKE_BUCKET;
    for (const table of tableDefinitions(ledgerTableNames('ci')))
      await moto.clients.dynamodb.send(new CreateTableCommand(table));
    await moto.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const put = (Key: string) => moto.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: 'x' }));
    // node snapshots (lateness 0): dumps 03-01 … 03-03, processed 03-01 and 03-02 only
    for (const day of ['01', '02', '03']) await put(`raw/node_snapshots/year=2024/month=03/day=${day}/nodes.csv.gz`);
    for (const day of ['01', '02']) await put(`processed/node_snapshots/year=2024/month=03/day=${day}/part-0.parquet`);
    await put('processed/node_snapshots/year=2024/month=02/day=20/part-0.parquet'); // before --since, no raw
  }, 60_000);
  afterAll(async () => {
    process.env = env;
    await moto?.stop();
  });

  it('records the stage lake in the stage ledger; discovery then plans only the raw day never processed', async () => {
    let out = '';
    const stdout = new PassThrough().on('data', (d) => (out += d));
    const io: Io & StageIo = {
      stdout,
      reporter: new TerminalReporter(new PassThrough()),
      setExitCode: () => undefined,
      awsClients: () => moto.clients,
    };

    await makeProgram(io).parseAsync([
      'node',
      'lakestep',
      'adopt',
      '--stage',
      'ci',
      '--since',
      '2024-03-01',
      '--dataset',
      'node_snapshots',
      '--json',
    ]);

    const report = JSON.parse(out);
    expect(report.tables).toEqual([
      {
        table: 'node_snapshots',
        rawPartitions: 2,
        outputDays: 2,
        removedRaw: 0,
        processedWithoutRaw: [],
        rawWithoutOutput: ['2024-03-03'],
      },
    ]);
    const ledger = new DynamoLedger(moto.clients.dynamodb, ledgerTableNames('ci').ledger);
    expect((await ledger.rawPartitions('node_snapshots')).map((r) => r.day)).toEqual(['2024-03-01', '2024-03-02']);
    expect((await ledger.outputDays('node_snapshots')).map((o) => [o.day, o.executionId])).toEqual([
      ['2024-03-01', report.adoptionId],
      ['2024-03-02', report.adoptionId],
    ]);
    expect(await ledger.archives()).toEqual({ node_snapshots: '2024-03-01' });
    const run = validateRunInput(
      { datasets: ['node_snapshots'] },
      { executionId: 'exec-1', startedAtMs: Date.UTC(2024, 2, 10), knownDatasets: ['node_snapshots'] },
    );
    const store = new S3ObjectStore(moto.clients.s3, BUCKET);
    const plan = await discover({ store, ledger, clock: { nowMs: () => Date.UTC(2024, 2, 10) } }, run, loadConfig());
    expect(plan.dirtyDays).toBe(1); // 03-03, reported as never processed
  });
});
