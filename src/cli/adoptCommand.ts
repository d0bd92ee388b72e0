/**
 * `lakestep adopt [--since YYYY-MM-DD] [--dataset X…] [--stage S]`: takes over an existing lake (or one
 * whose ledger was lost) without reprocessing anything (pipeline/adopt).
 */
import type { Command, Option } from 'commander';
import { loadConfig } from '../config/config';
import { formatDayRanges, parseDay } from '../core/days';
import { withLocalRuntime } from '../local/localRuntime';
import { adopt, type AdoptOptions, type AdoptReport } from '../pipeline/adopt';
import { stagePorts } from './awsCommands';
import type { Io } from './io';
import { awsDeps, stageOption, type StageIo } from './stageProgram';
import { plural } from './plural';

/** Adoption's outcome as lines: per table what was recorded, then what needs a look. */
export function describeAdoption(report: AdoptReport): string[] {
  const lines = [
    `adopted as ${report.adoptionId}${report.since ? `; days before ${report.since} archived (never planned or rewritten again)` : ''}`,
  ];
  for (const t of report.tables) {
    lines.push(
      `  ${t.table}: ${plural(t.outputDays, 'processed day')}, ${plural(t.rawPartitions, 'raw partition')} recorded${t.removedRaw ? `, ${t.removedRaw} stale ledger entries removed` : ''}`,
    );
    if (t.processedWithoutRaw.length)
      lines.push(
        `    processed without raw data: ${formatDayRanges(t.processedWithoutRaw)} (recorded; a forced run of these days would empty them)`,
      );
    if (t.rawWithoutOutput.length)
      lines.push(
        `    raw data never processed: ${formatDayRanges(t.rawWithoutOutput)} (not recorded: the next run computes them)`,
      );
  }
  return lines;
}

export function addAdoptCommand(program: Command, io: Io & StageIo, lakeOption: () => Option): void {
  program
    .command('adopt')
    .description(
      'take over an existing lake, or recover a lost ledger: record the raw partitions and processed days as they are, reprocessing nothing',
    )
    .addOption(lakeOption())
    .option(
      '--since <YYYY-MM-DD>',
      'archive the days before it: never planned, rewritten or listed again',
      (v: string) => parseDay(v, '--since'),
    )
    .option('--dataset <name...>', 'only these tables')
    .option('--json', 'print the report as JSON on stdout')
    .addOption(stageOption())
    .action(async (opts: { lake: string; since?: string; dataset?: string[]; json?: boolean; stage?: string }) => {
      const options: AdoptOptions = { since: opts.since, tables: opts.dataset };
      const report = opts.stage
        ? await adopt(await stagePorts(opts.stage, awsDeps(io)), loadConfig(), options)
        : await withLocalRuntime({ lakeDir: opts.lake, existing: true }, (runtime) =>
            adopt(runtime.ports, runtime.config, options),
          );
      if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else for (const line of describeAdoption(report)) io.reporter.line(line);
    });
}
