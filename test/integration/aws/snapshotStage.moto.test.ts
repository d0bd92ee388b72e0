/**
 * `lakestep snapshot --stage` on moto's S3, DynamoDB (the lock) and Glue: the partitions are copied in
 * the stage's bucket, the Glue table TABLE__NAME is created from the crawler's table with its columns,
 * partition keys and each partition relocated under snapshots/; list and remove work there too.
 */
import { PassThrough } from 'node:stream';
import { CreateTableCommand as CreateDynamoTable } from '@aws-sdk/client-dynamodb';
import {
  BatchCreatePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  GetPartitionsCommand,
  GetTableCommand,
} from '@aws-sdk/client-glue';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ledgerTableNames, tableDefinitions } from '../../../src/aws/ledgerTables';
import { S3ObjectStore } from '../../../src/aws/s3ObjectStore';
import type { Io } from '../../../src/cli/io';
import { makeProgram } from '../../../src/cli/program';
import { TerminalReporter } from '../../../src/cli/reporter';
import type { StageIo } from '../../../src/cli/stageProgram';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';

const BUCKET = 'lakestep-ci-lake-123456789012';
const SM = 'arn:aws:states:us-east-1:123456789012:stateMachine:lakestep-ci-pipeline';
const DB = 'lakestep_ci';
const columns = [
  { Name: 'node_id', Type: 'bigint' },
  { Name: 'project_id', Type: 'bigint' },
];
const serde = { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' };
const location = (rest: string) => `s3://${BUCKET}/${rest}`;

describeIfMoto('snapshotStage.moto.test.ts')('lakestep snapshot --stage', () => {
  let moto: Moto;
  const env = { ...process.env };
  const run = async (...args: string[]) => {
    let out = '';
    let err = '';
    const io: Io & StageIo = {
      stdout: new PassThrough().on('data', (d) => (out += d)),
      reporter: new TerminalReporter(new PassThrough().on('data', (d) => (err += d))),
      setExitCode: () => undefined,
      awsClients: () => moto.clients,
    };
    await makeProgram(io).parseAsync(['node', 'lakestep', ...args]);
    return { out, err };
  };

  beforeAll(async () => {
    moto = await startMoto();
    process.env.LAKESTEP_STATE_MACHINE_ARN = SM;
    delete process.env.LAKE_BUCKET;
    for (const table of tableDefinitions(ledgerTableNames('ci')))
      await moto.clients.dynamodb.send(new CreateDynamoTable(table));
    await moto.clients.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const day of ['01', '02']) {
      await moto.clients.s3.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: `processed/node_snapshots/year=2024/month=03/day=${day}/part-0.parquet`,
          Body: `rows of ${day}`,
        }),
      );
    }
    // the table and partitions the stage's crawler made
    await moto.clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DB } }));
    await moto.clients.glue.send(
      new CreateTableCommand({
        DatabaseName: DB,
        TableInput: {
          Name: 'node_snapshots',
          TableType: 'EXTERNAL_TABLE',
          Parameters: { classification: 'parquet' },
          PartitionKeys: [
            { Name: 'year', Type: 'string' },
            { Name: 'month', Type: 'string' },
            { Name: 'day', Type: 'string' },
          ],
          StorageDescriptor: { Columns: columns, Location: location('processed/node_snapshots/'), SerdeInfo: serde },
        },
      }),
    );
    await moto.clients.glue.send(
      new BatchCreatePartitionCommand({
        DatabaseName: DB,
        TableName: 'node_snapshots',
        PartitionInputList: ['01', '02'].map((day) => ({
          Values: ['2024', '03', day],
          StorageDescriptor: {
            Columns: columns,
            Location: location(`processed/node_snapshots/year=2024/month=03/day=${day}/`),
            SerdeInfo: serde,
          },
        })),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    process.env = env;
    await moto?.stop();
  });

  it('copies the partitions and creates the Glue table with the source schema and relocated partitions', async () => {
    const made = JSON.parse((await run('snapshot', 'node_snapshots', 'q1', '--stage', 'ci', '--json')).out);

    expect(made).toMatchObject({
      catalogTable: 'node_snapshots__q1',
      days: ['2024-03-01', '2024-03-02'],
      prefix: 'snapshots/q1/node_snapshots/',
    });
    const store = new S3ObjectStore(moto.clients.s3, BUCKET);
    expect((await store.list('snapshots/q1/')).map((o) => o.key)).toEqual([
      'snapshots/q1/node_snapshots/_snapshot.json',
      'snapshots/q1/node_snapshots/year=2024/month=03/day=01/part-0.parquet',
      'snapshots/q1/node_snapshots/year=2024/month=03/day=02/part-0.parquet',
    ]);
    const { Table } = await moto.clients.glue.send(
      new GetTableCommand({ DatabaseName: DB, Name: 'node_snapshots__q1' }),
    );
    expect(Table?.StorageDescriptor?.Location).toBe(location('snapshots/q1/node_snapshots/'));
    expect(Table?.StorageDescriptor?.Columns).toEqual(columns);
    expect(Table?.PartitionKeys?.map((k) => k.Name)).toEqual(['year', 'month', 'day']);
    expect(Table?.Parameters).toMatchObject({
      classification: 'parquet',
      'lakestep:snapshot': 'q1',
      'lakestep:source': 'node_snapshots',
    });
    const { Partitions } = await moto.clients.glue.send(
      new GetPartitionsCommand({ DatabaseName: DB, TableName: 'node_snapshots__q1' }),
    );
    expect(Partitions?.map((p) => p.StorageDescriptor?.Location).sort()).toEqual([
      location('snapshots/q1/node_snapshots/year=2024/month=03/day=01/'),
      location('snapshots/q1/node_snapshots/year=2024/month=03/day=02/'),
    ]);
  });

  it('lists and removes it: the manifest, the Glue table and the copies', async () => {
    const listed = await run('snapshot', '--list', '--stage', 'ci');
    await run('snapshot', '--remove', 'q1', '--stage', 'ci');

    expect(listed.out).toMatch(/^q1 +node_snapshots +node_snapshots__q1 {2}2024-03-01…2024-03-02 {2}2 files/m);
    await expect(
      moto.clients.glue.send(new GetTableCommand({ DatabaseName: DB, Name: 'node_snapshots__q1' })),
    ).rejects.toThrow(/not found|EntityNotFound/i);
    expect(await new S3ObjectStore(moto.clients.s3, BUCKET).list('snapshots/')).toEqual([]);
  });
});
