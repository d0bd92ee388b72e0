/**
 * `lakestep status`: each table's raw partitions (datasets) (processed / new / changed since) and output
 * days (ok / stale) from the ledger, compared with the lake and the stage SQL as they are now.
 */
import { resolve } from 'node:path';
import { allTableNames, loadConfig, tableConfig } from '../config/config';
import { formatDayRanges, type Day } from '../core/days';
import { InputError } from '../core/errors';
import { rawPartitionState } from '../core/fingerprint';
import { groupRawPartitions } from '../core/rawKeys';
import { ledgerStoreDir, withLocalRuntime } from '../local/localRuntime';
import { currentStageVersions } from '../pipeline/stageFiles';
import { runningEndpoint } from '../local/dynaliteServer';
import { FolderObjectStore } from '../local/folderObjectStore';
import { latestReport } from '../report/reportStore';
import type { RunReport } from '../report/runReport';
import { readTableStatuses, stateDays, type DatasetStatus } from '../report/tableStatus';
import { plural } from './plural';
import { DynamoLock } from '../aws/dynamoLock';
import { ledgerTableNames } from '../aws/ledgerTables';
import { describeLockState } from '../local/staleLock';
import type { AwsDeps } from './awsDeps';

/** Every table's status in the local lake: its ledger against the raw partitions the lake holds now. */
export async function readStatus(lake: string): Promise<DatasetStatus[]> {
  const config = loadConfig();
  const tables = allTableNames(config).map((name) => tableConfig(config, name));
  return withLocalRuntime(
    { lakeDir: lake, existing: true, joinRunningLedger: true, readOnly: true },
    async ({ ports }) =>
      readTableStatuses(ports.ledger, tables, currentStageVersions(tables), async (ds) =>
        groupRawPartitions(ds.name, await ports.store.list(ds.raw.prefix), ds.raw.prefix).partitions.map(
          rawPartitionState,
        ),
      ),
  );
}

/** What `lakestep status` shows: some tables (all without `datasets`), days within `from`…`to` (inclusive, YYYY-MM-DD). */
export interface StatusSelection {
  datasets?: string[];
  from?: Day;
  to?: Day;
}

/**
 * `statuses` narrowed to the selected tables and days.
 * @throws InputError for a table name that is not in the config (the message lists the known ones)
 */
export function selectStatus(statuses: DatasetStatus[], selection: StatusSelection): DatasetStatus[] {
  const known = statuses.map((s) => s.dataset);
  const unknown = (selection.datasets ?? []).filter((d) => !known.includes(d));
  if (unknown.length)
    throw new InputError(
      '--dataset',
      `${unknown.join(', ')} is not a table of lakestep.config.yml (expected one of ${known.join(', ')})`,
    );
  const inRange = (day: Day) => (!selection.from || day >= selection.from) && (!selection.to || day <= selection.to);
  return statuses
    .filter((s) => !selection.datasets?.length || selection.datasets.includes(s.dataset))
    .map((s) => ({ ...s, raw: s.raw.filter((r) => inRange(r.day)), outputs: s.outputs.filter((o) => inRange(o.day)) }));
}

/**
 * Prints each table compactly, one line per state with its day ranges (`ok  2024-01-01…2024-03-31
 * (91 days, 4,382,120 rows)`); with `days`, each output day on a line of its own after them.
 * `failedDays` maps a table to the days its last run failed.
 */
export function printStatus(
  statuses: DatasetStatus[],
  out: NodeJS.WritableStream,
  options: { days?: boolean; failedDays?: Map<string, Day[]> } = {},
): void {
  const line = (text: string) => out.write(`${text}\n`);
  for (const s of statuses) {
    line(`${s.dataset} (stage version ${s.stageVersion})`);
    const states = stateDays(s, options.failedDays?.get(s.dataset) ?? []);
    if (!states.length) line('  no days yet');
    for (const st of states) {
      const rows = st.records === undefined ? '' : `, ${plural(st.records, 'row')}`;
      line(`  ${st.state.padEnd(11)}  ${formatDayRanges(st.days)} (${plural(st.days.length, 'day')}${rows})`);
    }
    if (states.some((st) => st.state === 'stale')) line('  stale days: `lakestep run --stale` recomputes them');
    if (!options.days) continue;
    for (const o of s.outputs)
      line(
        `    ${o.day}  ${o.state.padEnd(5)} ${o.records.toLocaleString('en-US').padStart(12)} rows  version ${o.stageVersion}  ${o.executionId}`,
      );
  }
}

/** Days each table failed in `report`, the last run; empty without one. */
export function failedDaysOf(report: RunReport | undefined): Map<string, Day[]> {
  const byTable = new Map<string, Day[]>();
  for (const f of report?.failedDays ?? []) byTable.set(f.table, [...(byTable.get(f.table) ?? []), f.day]);
  return byTable;
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
  const threshold = report.failedDays.some((d) => d.error.name === 'RejectThresholdError')
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

/** Options of `lakestep status`. */
export interface StatusCommandOptions extends StatusSelection {
  lake: string;
  json?: boolean;
  /** each output day on a line of its own */
  days?: boolean;
}

/**
 * `lakestep status` over `statuses` (read from the local lake, or from a stage's ledger): as JSON, or
 * compact text with the failed days of the lake's last run, the held lock (`lockText`, see lockLine)
 * and, locally, the last run's line.
 * @throws InputError for an unknown `--dataset`
 */
export async function statusCommand(
  statuses: DatasetStatus[],
  opts: StatusCommandOptions & { local: boolean },
  stdout: NodeJS.WritableStream,
  lockText: () => Promise<string | undefined>,
): Promise<void> {
  const selected = selectStatus(statuses, opts);
  if (opts.json) {
    // every JSON output names a table `table` (docs/json-output.md)
    stdout.write(
      `${JSON.stringify(
        selected.map(({ dataset, ...rest }) => ({ table: dataset, ...rest })),
        null,
        2,
      )}\n`,
    );
    return;
  }
  const failedDays = opts.local
    ? failedDaysOf((await latestReport(new FolderObjectStore(opts.lake)))?.report)
    : new Map<string, Day[]>();
  const inRange = (day: Day) => (!opts.from || day >= opts.from) && (!opts.to || day <= opts.to);
  for (const [table, days] of failedDays) failedDays.set(table, days.filter(inRange));
  printStatus(selected, stdout, { days: opts.days, failedDays });
  const lock = await lockText();
  if (lock) stdout.write(`${lock}\n`);
  const lastRun = opts.local ? await lastRunLine(opts.lake) : undefined;
  if (lastRun) stdout.write(`${lastRun}\n`);
}

/**
 * The pipeline lock when someone holds it (holder, since, expiry), else undefined. Locally a lock
 * held while no run is using the lake is a dead run's: the line says so and what clears it.
 */
export async function lockLine(
  opts: { lake: string; stage?: string },
  aws: () => Pick<AwsDeps, 'clients' | 'env'>,
): Promise<string | undefined> {
  if (opts.stage) {
    const deps = aws();
    const state = await new DynamoLock(
      deps.clients.dynamodb,
      deps.env?.LOCK_TABLE?.trim() || ledgerTableNames(opts.stage).lock,
    ).describe();
    return (
      state &&
      `${describeLockState(state, Date.now())} (\`lakestep unlock --stage ${opts.stage}\` clears it once that execution has ended)`
    );
  }
  return withLocalRuntime(
    { lakeDir: opts.lake, existing: true, joinRunningLedger: true, readOnly: true },
    async ({ lock, ownsStore }) => {
      const state = await lock.describe();
      if (!state) return undefined;
      const dead = ownsStore
        ? '; no run is using this lake, so its run was killed or crashed: the next run takes the lock over (or `lakestep unlock` clears it)'
        : '';
      return `${describeLockState(state, Date.now())}${dead}`;
    },
  );
}
