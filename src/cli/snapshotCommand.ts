/**
 * `lakestep snapshot TABLE NAME | --list | --remove NAME [TABLE]` (locally and with `--stage`): stable
 * checkpoints of a table (pipeline/snapshot).
 */
import type { Command, Option } from 'commander';
import { GlueSnapshotCatalog, glueDatabaseName } from '../aws/glueSnapshotCatalog';
import { S3ObjectStore } from '../aws/s3ObjectStore';
import { loadConfig } from '../config/config';
import { formatDayRanges } from '../core/days';
import { InputError } from '../core/errors';
import type { FoundSnapshot, SnapshotManifest } from '../core/snapshots';
import { DuckDbCatalogCrawler } from '../local/duckDbCatalogCrawler';
import { FolderObjectStore } from '../local/folderObjectStore';
import { withLocalRuntime } from '../local/localRuntime';
import { createSnapshot, listSnapshots, removeSnapshot, type SnapshotPorts } from '../pipeline/snapshot';
import { stageLakeBucket, stagePorts } from './awsCommands';
import type { Io } from './io';
import { awsDeps, stageOption, type StageIo } from './stageProgram';
import { plural } from './plural';

interface SnapshotOptions {
  lake: string;
  list?: boolean;
  remove?: string;
  json?: boolean;
  stage?: string;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** One line a snapshot for `--list`. */
export function describeSnapshot(s: FoundSnapshot): string {
  if (!s.manifest)
    return `${s.name.padEnd(20)} ${s.table.padEnd(26)} INCOMPLETE (a cut snapshot: ${plural(s.files, 'file')}; \`lakestep snapshot --remove ${s.name} ${s.table}\` clears it)`;
  const m = s.manifest;
  return `${s.name.padEnd(20)} ${s.table.padEnd(26)} ${m.catalogTable}  ${formatDayRanges(m.days)}  ${plural(s.files, 'file')}, ${mb(s.bytes)}  made ${m.createdAt}`;
}

/** What the command runs on: the lake folder and its DuckDB catalog, or the stage's bucket and Glue. */
async function withSnapshotPorts<T>(
  opts: SnapshotOptions,
  io: Io & StageIo,
  fn: (ports: SnapshotPorts) => Promise<T>,
): Promise<T> {
  if (opts.stage) {
    const deps = awsDeps(io);
    const bucket = await stageLakeBucket(opts.stage, deps);
    const { lock, clock } = await stagePorts(opts.stage, deps);
    return fn({
      store: new S3ObjectStore(deps.clients.s3, bucket),
      catalog: new GlueSnapshotCatalog(deps.clients.glue, glueDatabaseName(opts.stage), bucket),
      lock,
      clock,
    });
  }
  return withLocalRuntime({ lakeDir: opts.lake, existing: true }, (runtime) =>
    fn({
      store: new FolderObjectStore(runtime.lakeDir),
      catalog: new DuckDbCatalogCrawler({ lakeDir: runtime.lakeDir, config: runtime.config }),
      lock: runtime.ports.lock,
      clock: runtime.ports.clock,
    }),
  );
}

export function addSnapshotCommand(program: Command, io: Io & StageIo, lakeOption: () => Option): void {
  program
    .command('snapshot')
    .description(
      'freeze a table as a stable checkpoint: its partitions copied under snapshots/NAME/TABLE/, queryable as TABLE__NAME; --list, --remove',
    )
    .argument('[table]', 'the table to freeze (with --remove: only this table of the snapshot)')
    .argument('[name]', 'the snapshot name: a lower-case identifier, e.g. release_2024q1')
    .addOption(lakeOption())
    .option('--list', 'list the snapshots')
    .option('--remove <name>', 'remove snapshot NAME (of every table, or of TABLE)')
    .option('--json', 'print the result as JSON on stdout')
    .addOption(stageOption())
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 bad input (a bad name, an unknown table, a snapshot that exists), 2 failed.

Examples:
  $ lakestep snapshot access_records release_2024q1
  $ lakestep query "SELECT count(*) FROM access_records__release_2024q1"
  $ lakestep snapshot --list
  $ lakestep snapshot --remove release_2024q1 access_records
  $ lakestep snapshot access_records release_2024q1 --stage prod`,
    )
    .action(async (table: string | undefined, name: string | undefined, opts: SnapshotOptions) => {
      const config = loadConfig();
      if (opts.list) {
        if (table || opts.remove) throw new InputError('--list', 'takes no TABLE, NAME or --remove');
        const found = await withSnapshotPorts(opts, io, (ports) => listSnapshots(ports.store));
        if (opts.json) io.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
        else if (!found.length) io.reporter.line('no snapshots (lakestep snapshot TABLE NAME makes one)');
        else for (const s of found) io.stdout.write(`${describeSnapshot(s)}\n`);
        return;
      }
      if (opts.remove) {
        if (name) throw new InputError('--remove', `takes NAME and at most a TABLE (got also "${name}")`);
        const removed = await withSnapshotPorts(opts, io, (ports) =>
          removeSnapshot(ports, config, opts.remove!, table),
        );
        if (opts.json) io.stdout.write(`${JSON.stringify(removed, null, 2)}\n`);
        else
          for (const s of removed)
            io.reporter.line(
              `removed snapshot ${s.name} of ${s.table} (${plural(s.files, 'file')}, catalog table ${s.table}__${s.name})`,
            );
        return;
      }
      if (!table || !name)
        throw new InputError(
          'TABLE',
          'expected TABLE and NAME (e.g. `lakestep snapshot access_records release_2024q1`), --list or --remove NAME',
        );
      const made: SnapshotManifest = await withSnapshotPorts(opts, io, (ports) =>
        createSnapshot(ports, config, table, name),
      );
      if (opts.json) io.stdout.write(`${JSON.stringify(made, null, 2)}\n`);
      else {
        io.reporter.line(
          `snapshot ${made.name} of ${made.table}: ${plural(made.days.length, 'day')} (${formatDayRanges(made.days)}), ${plural(made.files.length, 'file')} copied to ${made.prefix}`,
        );
        io.reporter.line(
          `  query it as ${made.catalogTable}${opts.stage ? ` (Glue database ${glueDatabaseName(opts.stage)})` : `: lakestep query "SELECT count(*) FROM ${made.catalogTable}"`}`,
        );
      }
    });
}
