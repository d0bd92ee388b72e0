/**
 * The `lakestep` command. Thin: each command parses its options and calls one function.
 * Exit codes: 0 ok, 1 bad input, 2 run failed.
 * Over 300 lines: one command declaration each (options and help), read together as the CLI's surface.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadConfig, PACKAGE_ROOT } from '../config/config';
import { activeProject, defaultLake, findProject, projectOption, projectRoot, useProject } from '../config/project';
import { addDays, dayOfEpochMs, parseDay } from '../core/days';
import { ConfigError, InputError } from '../core/errors';
import { sampleProject, startQueries } from '../sample/projectSample';
import { EXIT } from './exitCodes';
import { queryCommand, queryText } from './queryCommand';
import { QUERY_FORMATS, type QueryFormat } from './queryFormat';
import { addReportCommand } from './reportCommand';
import { TerminalReporter, type Reporter } from './reporter';
import { runCommand, type RunCommandOptions } from './runCommand';
import { lockLine, readStatus, statusCommand, type StatusCommandOptions } from './statusCommand';
import { terminalConfirm, unlockCommand } from './unlockCommand';
import { readStageStatus, runOnAws } from './awsCommands';
import { addStageCommands, awsDeps, stageOption } from './stageProgram';
import { addAdoptCommand } from './adoptCommand';
import { addSnapshotCommand } from './snapshotCommand';
import { initCommand } from './initCommand';
import { deployCommand, type DeployCommandOptions } from './deployCommand';
import type { Io } from './io';

// no value default: the lake is the project's (found when the command runs, in useProjectOf)
const lakeOption = () => new Option('--lake <dir>', 'the lake folder (default: $LAKESTEP_LAKE, else <project>/lake)');

/**
 * Before a command runs: finds its project (`--project`, else walking up from the current folder),
 * makes it the one loadConfig() reads, and sets `--lake` to the project's lake when not given.
 * `init` makes a project, so it needs none.
 * @throws InputError when no project is found
 */
function useProjectOf(program: Command, command: Command): void {
  if (command.name() === 'init') return;
  const { project } = program.opts<{ project?: string }>();
  const root = project !== undefined ? projectOption(project) : findProject(process.cwd());
  useProject(root);
  if (command.options.some((o) => o.attributeName() === 'lake') && command.getOptionValue('lake') === undefined) {
    command.setOptionValue('lake', defaultLake(root));
  }
}
const dayArg = (field: string) => (value: string) => {
  try {
    return parseDay(value, field);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};
const positiveInt = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
};

const EXAMPLES = `
Exit codes: 0 ok, 1 bad input, 2 run failed.

Examples:
  $ lakestep init demo && cd demo
  $ lakestep sample --days 3
  $ lakestep run
  $ lakestep run --from 2024-03-01 --to 2024-03-07 --force
  $ lakestep run --dry-run
  $ lakestep status
  $ lakestep report --open
  $ lakestep deploy --stage dev --param emrSubnetId=subnet-0abc…
  $ lakestep query "SELECT record_date, client, count(*) AS n FROM access_records GROUP BY ALL ORDER BY ALL"`;

function sampleDefaults(days: number) {
  return { start: addDays(dayOfEpochMs(Date.now()), -days), days };
}

/** Raw files for the project in use (its own generator, or drawn from its declared datasets). */
async function sample(
  opts: { lake: string; days: number; start?: string; recordsPerHour: number; seed: number },
  reporter: Reporter,
) {
  const projectDir = activeProject() ?? projectRoot();
  const { lines } = await sampleProject({
    lakeDir: opts.lake,
    days: opts.days,
    start: opts.start ?? sampleDefaults(opts.days).start,
    recordsPerHour: opts.recordsPerHour,
    seed: opts.seed,
    config: loadConfig(),
    projectDir,
  });
  lines.forEach((line) => {
    reporter.line(line);
  });
}

/** The version in package.json (the CLI runs from the sources: no build step stamps it). */
const packageVersion = () =>
  (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const hasRawData = (lake: string) => existsSync(join(lake, 'raw')) && readdirSync(join(lake, 'raw')).length > 0;

export function makeProgram(
  io: Io = { stdout: process.stdout, reporter: new TerminalReporter(), setExitCode: (c) => (process.exitCode = c) },
): Command {
  const program: Command = new Command('lakestep')
    .description(
      'Incremental, idempotent day partitions from raw S3 events: Step Functions + Spark, or all on this machine.',
    )
    .version(packageVersion(), '-V, --version', 'print the lakestep version')
    // a one-line pointer, not the whole usage, after a mistyped option or command
    .showHelpAfterError('(lakestep --help lists the commands; lakestep <command> --help, its options)')
    .configureOutput({ writeOut: (text) => io.stdout.write(text) })
    .exitOverride()
    .option(
      '--project <dir>',
      'the project folder (holding lakestep.config.yml); default: the nearest one at or above the current folder',
    )
    .hook('preAction', (root, command) => useProjectOf(root, command))
    .addHelpText('after', EXAMPLES);

  program
    .command('init')
    .description(
      'start a project in DIR (new or empty): lakestep.config.yml with a starter dataset, its stage SQL, .gitignore, README',
    )
    .argument('<dir>', 'the project folder to create')
    .action((dir: string) => initCommand(dir, io.reporter));

  program
    .command('sample')
    .description(
      "write raw files for every dataset of the project (duplicates, late and malformed records included): the project's own generator if its config names one, else drawn from the declared columns",
    )
    .addOption(lakeOption())
    .option('--days <n>', 'arrival days', positiveInt, 3)
    .option('--start <YYYY-MM-DD>', 'first arrival day (default: <days> days ago)', dayArg('--start'))
    .option('--records-per-hour <k>', 'records per arrival hour (a daily dump holds 24 × this)', positiveInt, 400)
    .option('--seed <s>', 'random seed (same seed, same files)', positiveInt, 42)
    .action((opts) => sample(opts, io.reporter));

  program
    .command('run')
    .description(
      'run the pipeline once (on the local runtime, or on a deployed stage with --stage): discover, transform, publish, commit',
    )
    .addOption(lakeOption())
    .option('--from <YYYY-MM-DD>', 'first day of a backfill range', dayArg('--from'))
    .option('--to <YYYY-MM-DD>', 'last day of a backfill range', dayArg('--to'))
    .option('--force', 'recompute the range even if nothing changed')
    // one mode at a time: a rerun ignores a range, and a stale run a rerun
    .addOption(
      new Option(
        '--stale',
        'recompute days made by an older version of their stage SQL (within --from/--to when given)',
      ).conflicts(['rerun']),
    )
    .addOption(
      new Option('--rerun <execution>', 'recompute the days an earlier execution failed').conflicts(['from', 'to']),
    )
    .option(
      '--dataset <name...>',
      'only these tables, and the days of the tables reading them that read a recomputed day',
    )
    .option('--no-downstream', 'with --dataset: only those tables, not the tables that read them')
    .option('--dry-run', 'print the plan (each day and why) and change nothing')
    .option(
      '--accept-raw-removal',
      'recompute the days whose raw input was deleted since they were published (they keep their rows otherwise)',
    )
    .option(
      '--full',
      'list every raw arrival day, not only the last few that can still change (finds a changed or deleted raw day anywhere)',
    )
    .addOption(new Option('--engine <engine>', 'run the Spark steps on').choices(['duckdb', 'spark']).default('duckdb'))
    .option('--json', 'print the result as JSON on stdout')
    .addOption(stageOption())
    .action(async (opts: RunCommandOptions & { stage?: string }) =>
      io.setExitCode(
        opts.stage
          ? await runOnAws({ ...opts, stage: opts.stage }, awsDeps(io))
          : await runCommand(opts, io.reporter, io.stdout),
      ),
    );

  program
    .command('status')
    .description(
      "each table's days by state (ok, stale, failed, raw new or changed, missing raw) as day ranges, from the ledger",
    )
    .addOption(lakeOption())
    .option('--dataset <name...>', 'only these tables')
    .option('--from <YYYY-MM-DD>', 'first day shown', dayArg('--from'))
    .option('--to <YYYY-MM-DD>', 'last day shown', dayArg('--to'))
    .option('--days', 'each output day on a line of its own (rows, stage version, execution)')
    .option('--json', 'print as JSON on stdout')
    .addOption(stageOption())
    .action(async (opts: StatusCommandOptions & { stage?: string; dataset?: string[] }) => {
      const statuses = opts.stage ? await readStageStatus(opts.stage, awsDeps(io)) : await readStatus(opts.lake);
      await statusCommand(statuses, { ...opts, datasets: opts.dataset, local: !opts.stage }, io.stdout, () =>
        lockLine(opts, () => awsDeps(io)),
      );
    });

  program
    .command('unlock')
    .description(
      'clear the pipeline lock a killed or crashed run left (shows the holder and asks first); marks that execution ABORTED',
    )
    .addOption(lakeOption())
    .option('--yes', 'do not ask')
    .addOption(stageOption())
    .action(async (opts: { lake: string; yes?: boolean; stage?: string }) =>
      io.setExitCode(await unlockCommand(opts, io.reporter, io.confirm ?? terminalConfirm, () => awsDeps(io))),
    );

  program
    .command('query')
    .description("SQL over the catalog: every table of lakestep.config.yml and each dataset's rejected_<table>")
    .argument('[sql]', 'one SQL statement (or -f FILE)')
    .option('-f, --file <path>', 'read the statement from this file')
    .addOption(lakeOption())
    .addOption(
      new Option('--format <format>', 'table (aligned, for reading), csv or json')
        .choices(QUERY_FORMATS)
        .default('table'),
    )
    .option('--json', 'the same as --format json')
    .action((sql: string | undefined, opts: { lake: string; file?: string; format: QueryFormat; json?: boolean }) =>
      queryCommand(opts.lake, queryText(sql, opts.file), opts.json ? 'json' : opts.format, io.stdout),
    );

  program
    .command('start')
    .description('make sample data if the lake has none, run the pipeline, show how to query it (npm start)')
    .addOption(lakeOption())
    .action(async (opts: { lake: string }) => {
      const lake = resolve(opts.lake);
      if (!hasRawData(lake)) await sample({ lake, ...sampleDefaults(3), recordsPerHour: 400, seed: 42 }, io.reporter);
      const code = await runCommand({ lake }, io.reporter, io.stdout);
      io.setExitCode(code);
      if (code === EXIT.ok) {
        const queries = startQueries(loadConfig(), activeProject() ?? projectRoot()).map(
          (q) => `  npx lakestep query ${JSON.stringify(q)}\n`,
        );
        io.reporter.line(
          `\nThe lake is in ${lake}. Try:\n  npx lakestep status\n${queries.join('')}  npx lakestep report`,
        );
      }
    });

  program
    .command('deploy')
    .description(
      "deploy lakestep's service to AWS with this project's config and stage SQL (crawlers and roles for its tables); --package-only packages it offline",
    )
    .requiredOption('--stage <name>', 'the stage: dev, prod, … (lower-case letters, digits, -)')
    .option('--region <region>', 'AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)')
    .option(
      '--param <key=value...>',
      "a serverless.yml parameter, e.g. emrSubnetId=subnet-… or alertEmail=you@example.org (README 'Deploy')",
    )
    .option('--package-only', 'package the service and the Spark artifacts without deploying (no AWS account needed)')
    .option('--out <dir>', 'where --package-only writes (default: <project>/.lakestep-deploy/<stage>)')
    .action((opts: DeployCommandOptions) => deployCommand(opts, activeProject() ?? projectRoot(), io.reporter));

  addReportCommand(program, () => io.stdout, lakeOption);
  addStageCommands(program, io, lakeOption);
  addAdoptCommand(program, io, lakeOption);
  addSnapshotCommand(program, io, lakeOption);
  return program;
}

/** A mistake of the user's (an argument, the config file, a query), as opposed to a failed run. */
const isBadInput = (err: Error) => err instanceof InputError || err instanceof ConfigError;

/** The AWS SDK's bare setup errors (a --stage command without a region or credentials) as the input errors they are. */
function withHint(err: Error): Error {
  if (err.message === 'Region is missing') {
    return new InputError(
      'AWS_REGION',
      'no AWS region is set (expected AWS_REGION or AWS_DEFAULT_REGION, or a region in your AWS profile, for --stage)',
    );
  }
  if (err.name === 'CredentialsProviderError' && err.message.startsWith('Could not load credentials')) {
    return new InputError(
      'AWS credentials',
      'none found (expected AWS_PROFILE, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an SSO login, for --stage)',
    );
  }
  return err;
}

/** Runs the CLI: one `error: …` line on failure, the stack only with --debug. */
export async function main(argv: string[], io?: Io): Promise<void> {
  const debug = argv.includes('--debug');
  const setExitCode = io?.setExitCode ?? ((code: number) => (process.exitCode = code));
  const program = makeProgram(io);
  const callersProject = activeProject(); // main() may run in-process (tests): the project is this command's only
  try {
    await program.parseAsync(argv.filter((a) => a !== '--debug'));
  } catch (error) {
    // Commander has already printed its own message (and help) for bad arguments.
    if (error instanceof CommanderError) return setExitCode(error.exitCode === 0 ? EXIT.ok : EXIT.badInput);
    const err = withHint(error as Error);
    // the message says what and where; the class name (the Retry/Catch contract) is no help to a person
    process.stderr.write(`error: ${err.message}\n`);
    if (debug) process.stderr.write(`${err.stack}\n`);
    setExitCode(isBadInput(err) ? EXIT.badInput : EXIT.runFailed);
  } finally {
    useProject(callersProject);
  }
}
