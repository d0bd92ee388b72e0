/**
 * GlueSnapshotCatalog: a snapshot's Glue table (core/snapshots). `<table>__<name>` is created with
 * CreateTable from the source table the crawler made (same columns, SerDe, partition keys), with its
 * location under `snapshots/<name>/<table>/`, and the source's partitions of the snapshot's days are
 * added with BatchCreatePartition, each pointing at its copy. No crawler: the copy never changes.
 */
import {
  BatchCreatePartitionCommand,
  CreateTableCommand,
  DeleteTableCommand,
  GetTableCommand,
  paginateGetPartitions,
  type GlueClient,
  type PartitionInput,
  type StorageDescriptor,
} from '@aws-sdk/client-glue';
import { LakestepError } from '../core/errors';
import { isDay } from '../core/days';
import type { SnapshotCatalog, SnapshotRegistration } from '../core/ports';
import type { Day } from '../core/types';

/** BatchCreatePartition takes at most 100 partitions a call. */
const PARTITION_BATCH = 100;

/** The stage's Glue database: `lakestep_<stage>` (non `[a-z0-9_]` → `_`), as serverless.yml creates it. */
export const glueDatabaseName = (stage: string) => `lakestep_${stage.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;

export class GlueSnapshotCatalog implements SnapshotCatalog {
  /**
   * @param client a Glue client (see clients.ts); no I/O on construction
   * @param database e.g. `lakestep_prod`
   * @param bucket the lake bucket, e.g. `lakestep-prod-lake-123456789012`
   */
  constructor(
    private readonly client: GlueClient,
    private readonly database: string,
    private readonly bucket: string,
  ) {}

  /**
   * @throws LakestepError when the source table is not in the catalog (its crawler has not run), or a
   *   partition of the snapshot's days is missing from it; SDK errors as thrown
   */
  async register(snapshot: SnapshotRegistration): Promise<void> {
    const source = await this.client
      .send(new GetTableCommand({ DatabaseName: this.database, Name: snapshot.table }))
      .catch((error: Error) => {
        if (error.name !== 'EntityNotFoundException') throw error;
        throw new LakestepError(
          `Glue table ${this.database}.${snapshot.table} does not exist (its crawler has not published it yet): the snapshot's files are copied, but it cannot be registered; run the pipeline, then the same snapshot command again`,
        );
      });
    const table = source.Table!;
    const from = `s3://${this.bucket}/processed/${snapshot.table}/`;
    const to = `s3://${this.bucket}/${snapshot.prefix}`;
    const relocate = (sd: StorageDescriptor | undefined): StorageDescriptor => ({
      ...sd,
      Location: relocated(sd?.Location, from, to),
    });
    await this.unregister(snapshot.catalogTable); // a leftover of a cut attempt is replaced
    await this.client.send(
      new CreateTableCommand({
        DatabaseName: this.database,
        TableInput: {
          Name: snapshot.catalogTable,
          Description: `lakestep snapshot ${snapshot.name} of ${snapshot.table} (a frozen copy; never crawled)`,
          TableType: table.TableType ?? 'EXTERNAL_TABLE',
          Parameters: {
            ...(table.Parameters ?? {}),
            'lakestep:snapshot': snapshot.name,
            'lakestep:source': snapshot.table,
          },
          PartitionKeys: table.PartitionKeys,
          StorageDescriptor: relocate(table.StorageDescriptor),
        },
      }),
    );
    const wanted = new Set(snapshot.days);
    const partitions: PartitionInput[] = [];
    for await (const page of paginateGetPartitions(
      { client: this.client },
      { DatabaseName: this.database, TableName: snapshot.table },
    )) {
      for (const p of page.Partitions ?? []) {
        const day = dayOfValues(p.Values ?? []);
        if (!day || !wanted.has(day)) continue;
        wanted.delete(day);
        partitions.push({
          Values: p.Values,
          Parameters: p.Parameters,
          StorageDescriptor: relocate(p.StorageDescriptor),
        });
      }
    }
    if (wanted.size) {
      throw new LakestepError(
        `Glue table ${this.database}.${snapshot.table} has no partition for ${[...wanted].sort().join(', ')} (its crawler has not seen them yet): run its crawler, then the same snapshot command again`,
      );
    }
    for (let i = 0; i < partitions.length; i += PARTITION_BATCH) {
      const out = await this.client.send(
        new BatchCreatePartitionCommand({
          DatabaseName: this.database,
          TableName: snapshot.catalogTable,
          PartitionInputList: partitions.slice(i, i + PARTITION_BATCH),
        }),
      );
      const failed = out.Errors?.[0];
      if (failed)
        throw new LakestepError(
          `Glue BatchCreatePartition on ${this.database}.${snapshot.catalogTable}: ${failed.ErrorDetail?.ErrorCode}: ${failed.ErrorDetail?.ErrorMessage} (partition ${failed.PartitionValues?.join('/')})`,
        );
    }
  }

  async unregister(catalogTable: string): Promise<void> {
    try {
      await this.client.send(new DeleteTableCommand({ DatabaseName: this.database, Name: catalogTable }));
    } catch (error) {
      if ((error as Error).name !== 'EntityNotFoundException') throw error;
    }
  }
}

/** `s3://b/processed/t/year=…` → `s3://b/snapshots/n/t/year=…` (s3a:// or a missing slash alike). */
function relocated(location: string | undefined, from: string, to: string): string {
  const plain = (location ?? '').replace(/^s3a?:\/\//, 's3://');
  const withSlash = plain.endsWith('/') ? plain : `${plain}/`;
  if (!withSlash.startsWith(from))
    throw new LakestepError(`Glue location ${location} is not under ${from}: not the table lakestep publishes`);
  return to + withSlash.slice(from.length);
}

/** The day of partition values `[year, month, day]` (as a crawler types them: strings, padded or not), or `[record_date]`. */
function dayOfValues(values: string[]): Day | undefined {
  if (values.length === 1) return isDay(values[0]) ? values[0] : undefined;
  if (values.length !== 3 || values.some((v) => !/^\d+$/.test(v))) return undefined;
  const [y, m, d] = values.map(Number);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}
