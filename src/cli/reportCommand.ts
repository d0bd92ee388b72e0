/**
 * `lakestep report [EXECUTION] [--lake DIR] [--json] [--open]`: the newest (or the named) run
 * report of a local lake — a text summary on stdout, the JSON with --json, or the HTML page opened
 * with the system's opener with --open (its path printed when there is no opener).
 */
import { describeEstimate } from '../core/costEstimate';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Command, Option } from 'commander';
import { InputError } from '../core/errors';
import { FolderObjectStore } from '../local/folderObjectStore';
import type { RunReport } from '../report/runReport';
import { chainReports, latestReport, listReports, readRunReport } from '../report/reportStore';
import { plural } from './plural';

export interface ReportCommandOptions {
  lake: string;
  json?: boolean;
  open?: boolean;
}

/**
 * The command that opens a file with the desktop's default application: `$LAKESTEP_OPENER` when
 * set (`none` disables opening), else `open` (macOS), `cmd /c start` (Windows), or `xdg-open`
 * when it is on PATH; undefined when there is none (a server, a container, CI).
 */
export function systemOpener(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): { command: string; args: string[] } | undefined {
  const chosen = env.LAKESTEP_OPENER;
  if (chosen !== undefined) return chosen === '' || chosen === 'none' ? undefined : { command: chosen, args: [] };
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return onPath('xdg-open', env.PATH ?? '') ? { command: 'xdg-open', args: [] } : undefined;
}

function onPath(name: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const fmt = (v: number | undefined) => (v ?? 0).toLocaleString('en-US');

/** The report as a few lines of text: header, totals, one line per table and day, checks, warnings. */
export function formatReportText(report: RunReport): string[] {
  const t = report.totals;
  const lines: string[] = [];
  const when = report.startedAt
    ? ` ${report.startedAt}${report.endedAt ? ` → ${report.endedAt}` : ''}${report.durationSeconds !== undefined ? ` (${report.durationSeconds} s)` : ''}`
    : '';
  lines.push(`run ${report.execution} ${report.status}${when}`);
  if (report.continuedBy) {
    lines.push(
      `continued by execution ${report.continuedBy.execution} (${plural(report.continuedBy.deferredDays, 'day partition')} left; lakestep report ${report.continuedBy.execution})`,
    );
  }
  const reasons = Object.entries(report.rejectedByReason).map(([r, n]) => `${r} ${fmt(n)}`);
  const failedRejects = t.rejectedOnFailedDays
    ? ` (+${fmt(t.rejectedOnFailedDays)} on failed days, not published)`
    : '';
  lines.push(
    `totals: ${plural(t.days - t.daysFailed, 'day')} ok, ${fmt(t.daysFailed)} failed; ${fmt(t.recordsIn)} in, ${fmt(t.recordsOut)} out, ${fmt(t.duplicates)} duplicates, ${fmt(t.rejected)} rejected${failedRejects}, ${fmt(t.unattributed)} unattributed${reasons.length ? `; rejected by reason, all days: ${reasons.join(', ')}` : ''}`,
  );
  for (const table of report.tables) {
    lines.push(table.table);
    for (const d of table.days) {
      const extra = [
        d.duplicates ? `${fmt(d.duplicates)} dup` : '',
        d.rejected ? `${fmt(d.rejected)} rejected` : '',
        d.unattributed !== undefined ? `${fmt(d.unattributed)} unattributed` : '',
        d.error?.message ?? '',
      ]
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${d.day}  ${d.status === 'succeeded' ? 'ok    ' : 'FAILED'} ${fmt(d.recordsIn).padStart(12)} in ${fmt(d.recordsOut).padStart(12)} out${extra ? `  ${extra}` : ''}`,
      );
    }
  }
  const notPassed = report.checks.filter((c) => c.status !== 'passed');
  lines.push(
    `checks: ${t.checksFailed} failed, ${t.checkWarnings} warnings${report.checks.length ? '' : ' (every check passed)'}`,
  );
  for (const c of notPassed)
    lines.push(
      `  ${c.status === 'failed' ? 'FAILED' : 'warning'} '${c.name}' ${c.table} ${c.day}: ${fmt(c.failingRows)} rows`,
    );
  if (report.warnings.length) lines.push(`warnings: ${report.warnings.length}`);
  for (const w of report.warnings)
    lines.push(
      `  ${[w.name, w.table, w.day].filter(Boolean).join(' ')}${w.name || w.table || w.day ? ': ' : ''}${w.message}`,
    );
  if (report.cost) lines.push(...describeEstimate(report.cost, 'cost on AWS of this work: about'));
  return lines;
}

/**
 * Where a report stands in a run cut into several executions: one line per execution (status,
 * days, rows out), this one marked. Nothing for a run that was not cut.
 */
export function formatChain(report: RunReport, chain: RunReport[]): string[] {
  if (chain.length < 2) return [];
  const width = Math.max(...chain.map((r) => r.execution.length));
  return [
    `the run is ${chain.length} executions (maxStepsPerExecution):`,
    ...chain.map((r) => {
      const t = r.totals;
      const mark = r.execution === report.execution ? '*' : ' ';
      return `${mark} ${r.execution.padEnd(width)}  ${r.status.padEnd(9)}  ${plural(t.days - t.daysFailed, 'day')} ok, ${fmt(t.daysFailed)} failed, ${fmt(t.recordsOut)} out`;
    }),
  ];
}

/**
 * Prints the report; opens its page with --open.
 * @param execution the execution's name (or ARN); default the newest report
 * @throws InputError when the lake has no report, or none by that name (lists the names it has)
 */
export async function reportCommand(
  execution: string | undefined,
  opts: ReportCommandOptions,
  stdout: NodeJS.WritableStream,
): Promise<void> {
  const store = new FolderObjectStore(opts.lake);
  const found = execution ? await readRunReport(store, execution) : await latestReport(store);
  if (!found) {
    const names = await listReports(store);
    if (!names.length)
      throw new InputError('execution', `no run report in ${store.lakeDir}/_reports yet (run \`lakestep run\` first)`);
    throw new InputError(
      'execution',
      `no run report "${execution}" in ${store.lakeDir}/_reports (expected one of: ${names.slice(-10).join(', ')})`,
    );
  }
  if (opts.json) stdout.write(`${JSON.stringify(found.report, null, 2)}\n`);
  else
    stdout.write(
      `${[...formatReportText(found.report), ...formatChain(found.report, await chainReports(store, found.report.execution))].join('\n')}\n`,
    );
  if (!opts.open) return;
  if (!found.htmlKey)
    throw new InputError('--open', `report ${found.report.execution} has no HTML page (only ${found.jsonKey})`);
  const path = store.localPath(found.htmlKey);
  // with --json, stdout is the JSON document alone: the page's path goes to stderr
  const note = opts.json ? process.stderr : stdout;
  const opener = systemOpener();
  if (!opener) {
    note.write(`${path}\n`);
    return;
  }
  // Detached and unref'd: the browser outlives the command.
  const child = spawn(opener.command, [...opener.args, path], { detached: true, stdio: 'ignore' });
  child.on('error', () => note.write(`${path}\n`)); // the opener vanished since the PATH check
  child.unref();
  note.write(`opened ${path}\n`);
}

/** Registers `lakestep report` on the program. */
export function addReportCommand(
  program: Command,
  stdout: () => NodeJS.WritableStream,
  lakeOption: () => Option,
): void {
  program
    .command('report')
    .description('show the newest (or the named) run report: text summary, --json, or --open its HTML page')
    .argument('[execution]', "the execution's name (default: the newest report)")
    .addOption(lakeOption())
    .option('--json', 'print the report as JSON on stdout')
    .option('--open', 'open the HTML page with the system opener (prints its path when there is none)')
    .action((execution: string | undefined, opts: ReportCommandOptions) => reportCommand(execution, opts, stdout()));
}
