/**
 * `lakestep status`: each table's raw partitions (datasets) (processed / new / changed since) and output
 * days (ok / stale) from the ledger, compared with the lake and the stage SQL as they are now.
 */
import { resolve } from 'node:path';
import { allTableNames, isDataset, loadConfig, tableConfig } from '../config/config';
import { rawPartitionState } from '../core/fingerprint';
import { groupRawPartitions } from '../core/rawKeys';
import { ledgerStoreDir, withLocalRuntime } from '../local/localRuntime';
import { executionName } from '../pipeline/runKeys';
import { currentStageVersions } from '../pipeline/stageFiles';
import { runningEndpoint } from '../local/dynaliteServer';
import { FolderObjectStore } from '../local/folderObjectStore';
import { latestReport } from '../report/reportStore';
import type { RunReport } from '../report/runReport';
import { plural } from './plural';
import { DynamoLock } from '../aws/dynamoLock';
import { ledgerTableNames } from '../aws/ledgerTables';
import { describeLockState } from '../local/staleLock';
import type { AwsDeps } from './awsCommands';

export interface DatasetStatus {
  dataset: string;
  stageVersion: string;
  raw: { day: string; state: 'processed' | 'new' | 'changed'; objects: number; bytes: number }[];
  outputs: { day: string; state: 'ok' | 'stale'; records: number; stageVersion: string; executionId: string; committedAt: string }[];
}

export async function readStatus(lake: string): Promise<DatasetStatus[]> {
  const config = loadConfig();
  const tables = allTableNames(config).map((name) => tableConfig(config, name));
  const versions = currentStageVersions(tables);
  return withLocalRuntime({ lakeDir: lake, existing: true, joinRunningLedger: true }, async ({ ports }) =>
    Promise.all(
      tables.map(async (ds) => {
        const outputs = await ports.ledger.outputDays(ds.name);
        // an aggregate has no raw partitions of its own
        const [ledgerRaw, objects] = isDataset(ds) ? await Promise.all([ports.ledger.rawPartitions(ds.name), ports.store.list(ds.raw.prefix)]) : [[], []];
        const known = new Map(ledgerRaw.map((r) => [r.day, r.fingerprint]));
        const raw = (isDataset(ds) ? groupRawPartitions(ds.name, objects, ds.raw.prefix).partitions : []).map(rawPartitionState).map((r) => ({
          day: r.day,
          state: !known.has(r.day) ? ('new' as const) : known.get(r.day) === r.fingerprint ? ('processed' as const) : ('changed' as const),
          objects: r.objectCount,
          bytes: r.bytes,
        }));
        return {
          dataset: ds.name,
          stageVersion: versions[ds.name],
          raw,
          outputs: outputs.map((o) => ({
            day: o.day,
            state: o.stageVersion === versions[ds.name] ? ('ok' as const) : ('stale' as const),
            records: o.recordsOut,
            stageVersion: o.stageVersion,
            executionId: executionName(o.executionId),
            committedAt: new Date(o.committedAtMs).toISOString(),
          })),
        };
      }),
    ),
  );
}

export function printStatus(statuses: DatasetStatus[], out: NodeJS.WritableStream): void {
  const reporter = { line: (text: string) => out.write(`${text}\n`) };
  for (const s of statuses) {
    const pending = s.raw.filter((r) => r.state !== 'processed');
    const stale = s.outputs.filter((o) => o.state === 'stale');
    reporter.line(`${s.dataset} (stage version ${s.stageVersion})`);
    if (s.raw.length) reporter.line(`  raw partitions: ${s.raw.length} (${pending.length} new or changed${pending.length ? `: ${pending.map((r) => `${r.day} ${r.state}`).join(', ')}` : ''})`);
    reporter.line(`  output days: ${s.outputs.length} (${stale.length} stale${stale.length ? ' — `lakestep run --stale` recomputes them' : ''})`);
    for (const o of s.outputs) reporter.line(`    ${o.day}  ${o.state.padEnd(5)} ${String(o.records).padStart(10)} rows  version ${o.stageVersion}  ${o.executionId}`);
  }
}

/**
 * The lake's last run, from its newest report: what failed and how to retry it, so `status`
 * explains raw partitions that stay new after a failed run. Undefined without a report.
 */
export function describeLastRun(report: RunReport | undefined): string | undefined {
  if (!report) return undefined;
  const when = report.endedAt ? ` (${report.endedAt})` : '';
  if (report.status === 'SUCCEEDED') return `last run: ${report.execution} SUCCEEDED${when}`;
  const failed = report.failedDays.length;
  // a rerun over the same raw data fails the same way: the data or the threshold has to change first
  const threshold = report.failedDays.some((d) => d.error.startsWith('RejectThresholdError'))
    ? `; days over the reject threshold fail again until their raw files are fixed or rejectThreshold is raised (their quarantined records are in _runs/${report.execution}/rejected/)`
    : '';
  return (
    `last run: ${report.execution} FAILED${when}, ${plural(failed, 'day')} failed` +
    `${failed ? `; \`lakestep report\` says why, \`lakestep run --rerun ${report.execution}\` retries them${threshold}` : '; `lakestep report` says why'}`
  );
}

/**
 * describeLastRun of the lake's newest report, after a line saying a run is in progress when
 * another process serves the lake's ledger now (call it after readStatus, whose own server is gone).
 */
export async function lastRunLine(lake: string): Promise<string | undefined> {
  const last = describeLastRun((await latestReport(new FolderObjectStore(lake)))?.report);
  const running = await runningEndpoint(ledgerStoreDir(resolve(lake)));
  const now = running ? 'a run is in progress in this lake now: its days show here once it commits' : undefined;
  return [now, last].filter(Boolean).join('\n') || undefined;
}

/**
 * The pipeline lock when someone holds it (holder, since, expiry), else undefined. Locally a lock
 * held while no run is using the lake is a dead run's: the line says so and what clears it.
 */
export async function lockLine(opts: { lake: string; stage?: string }, aws: () => Pick<AwsDeps, 'clients' | 'env'>): Promise<string | undefined> {
  if (opts.stage) {
    const deps = aws();
    const state = await new DynamoLock(deps.clients.dynamodb, deps.env?.LOCK_TABLE?.trim() || ledgerTableNames(opts.stage).lock).describe();
    return state && `${describeLockState(state, Date.now())} (\`lakestep unlock --stage ${opts.stage}\` clears it once that execution has ended)`;
  }
  return withLocalRuntime({ lakeDir: opts.lake, existing: true, joinRunningLedger: true }, async ({ lock, ownsStore }) => {
    const state = await lock.describe();
    if (!state) return undefined;
    const dead = ownsStore ? '; no run is using this lake, so its run was killed or crashed: the next run takes the lock over (or `lakestep unlock` clears it)' : '';
    return `${describeLockState(state, Date.now())}${dead}`;
  });
}
