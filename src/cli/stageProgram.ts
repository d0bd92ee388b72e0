/**
 * The CLI's deployed-stage side: the `--stage` option of `run` and `status`, and the `executions` and
 * `rerun` commands. Kept apart from program.ts so the local commands stay as they are.
 */
import { Option, type Command } from 'commander';
import { awsClients, type AwsClients } from '../aws/clients';
import { listStageExecutions, runOnAws } from './awsCommands';
import type { AwsDeps } from './awsDeps';
import type { Io } from './io';
import { runCommand } from './runCommand';

/** What the stage commands need beyond Io; tests pass moto's clients and a short poll. */
export interface StageIo {
  awsClients?: () => AwsClients;
  pollMs?: number;
}

export const stageOption = () =>
  new Option(
    '--stage <name>',
    'a deployed stage (AWS): state machine lakestep-<name>-pipeline, table lakestep-<name>-ledger, in $AWS_REGION',
  );

export function awsDeps(io: Io & StageIo): AwsDeps {
  return {
    clients: io.awsClients?.() ?? awsClients(process.env),
    reporter: io.reporter,
    stdout: io.stdout,
    env: process.env,
    pollMs: io.pollMs,
  };
}

const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`"${value}" is not a positive integer`);
  return n;
};

export function addStageCommands(program: Command, io: Io & StageIo, lakeOption: () => Option): void {
  program
    .command('executions')
    .description('recent executions of a deployed stage, newest first, with their status')
    .addOption(stageOption().makeOptionMandatory())
    .option('--max <n>', 'how many', positiveInt, 20)
    .option('--json', 'print as JSON on stdout')
    .action((opts: { stage: string; max: number; json?: boolean }) => listStageExecutions(opts, awsDeps(io)));

  program
    .command('rerun')
    .description('recompute the days an earlier execution failed (same as run --rerun EXECUTION)')
    .argument('<execution>', 'execution name (as `lakestep executions` lists it) or ARN')
    .addOption(lakeOption())
    .addOption(stageOption())
    .option('--json', 'print the result as JSON on stdout (local runs)')
    .action(async (execution: string, opts: { lake: string; stage?: string; json?: boolean }) =>
      io.setExitCode(
        opts.stage
          ? await runOnAws({ stage: opts.stage, rerun: execution }, awsDeps(io))
          : await runCommand({ lake: opts.lake, rerun: execution, json: opts.json }, io.reporter, io.stdout),
      ),
    );
}
