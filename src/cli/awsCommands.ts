/**
 * The `lakestep` commands against a deployed stage (`--stage NAME`): start and follow an execution, list
 * executions, rerun one, read the ledger. Same inputs and the same output as the local commands.
 *
 * Finding the stage's resources (naming convention, set in serverless.yml):
 * - state machine `lakestep-<stage>-pipeline`, looked up by name with ListStateMachines in the current region
 *   (`AWS_REGION`); `LAKESTEP_STATE_MACHINE_ARN` overrides the lookup;
 * - ledger table `lakestep-<stage>-ledger` (ledgerTableNames); `LEDGER_TABLE` overrides it.
 * - lake bucket `lakestep-<stage>-lake-<account>` (stageLakeBucket); `LAKE_BUCKET` overrides it.
 * Credentials and region: the AWS SDK's default chain (`AWS_PROFILE`, `AWS_REGION`, …).
 */
import { paginateListStateMachines } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { DynamoLedger } from '../aws/dynamoLedger';
import { DynamoLock } from '../aws/dynamoLock';
import { ledgerTableNames } from '../aws/ledgerTables';
import {
  describeExecution,
  executionHistory,
  listExecutions,
  startExecution,
  type ExecutionDescription,
} from '../aws/stepFunctionsClient';
import { allTableNames, loadConfig, tableConfig } from '../config/config';
import { InputError } from '../core/errors';
import { validateRunInput } from '../core/input';
import type { EventLog } from '../local/executeStateMachine';
import { newExecutionName } from '../local/executeStateMachine';
import { causeMessage } from '../pipeline/failure';
import { executionName, summaryKey } from '../core/runKeys';
import type { RunSummary } from '../core/summary';
import { failureLines } from './failureText';
import { currentStageVersions } from '../pipeline/stageFiles';
import { EXIT } from './exitCodes';
import type { AwsDeps } from './awsDeps';
import { executionInput, type RunCommandOptions } from './runCommand';
import { S3ObjectStore } from '../aws/s3ObjectStore';
import { describeEstimate } from '../core/costEstimate';
import type { Ports } from '../core/ports';
import type { Plan } from '../core/types';
import { estimatePlan } from '../pipeline/costInputs';
import { readTableStatuses, type DatasetStatus } from '../report/tableStatus';

/** ms between two polls of a running execution (DescribeExecution + GetExecutionHistory). */
export const DEFAULT_POLL_MS = 10_000;

export const stateMachineName = (stage: string) => `lakestep-${stage}-pipeline`;

/**
 * The stage's state machine ARN: `LAKESTEP_STATE_MACHINE_ARN`, or the one named `lakestep-<stage>-pipeline`.
 * @throws InputError when the stage has no state machine in this region
 */
export async function stateMachineArnOf(stage: string, deps: Pick<AwsDeps, 'clients' | 'env'>): Promise<string> {
  const override = deps.env?.LAKESTEP_STATE_MACHINE_ARN?.trim();
  if (override) return override;
  const name = stateMachineName(stage);
  for await (const page of paginateListStateMachines({ client: deps.clients.sfn }, {})) {
    const found = page.stateMachines?.find((m) => m.name === name);
    if (found?.stateMachineArn) return found.stateMachineArn;
  }
  const region = await deps.clients.sfn.config.region();
  throw new InputError(
    'stage',
    `"${stage}" has no state machine ${name} in ${region} (deploy it with \`lakestep deploy --stage ${stage}\`, or set AWS_REGION / LAKESTEP_STATE_MACHINE_ARN)`,
  );
}

/**
 * The lake bucket of a deployed stage: `LAKE_BUCKET`, else the bucket the stack creates,
 * `lakestep-<stage>-lake-<account>` (the account read from the stage's state machine ARN).
 */
export async function stageLakeBucket(stage: string, deps: Pick<AwsDeps, 'clients' | 'env'>): Promise<string> {
  const override = deps.env?.LAKE_BUCKET?.trim();
  if (override) return override;
  const account = (await stateMachineArnOf(stage, deps)).split(':')[4];
  return `lakestep-${stage}-lake-${account}`;
}

/** The ports a stage-side command needs that reads and records the lake: S3, the ledger and the lock tables. */
export async function stagePorts(
  stage: string,
  deps: Pick<AwsDeps, 'clients' | 'env'>,
): Promise<Pick<Ports, 'store' | 'ledger' | 'lock' | 'clock'>> {
  const names = ledgerTableNames(stage);
  return {
    store: new S3ObjectStore(deps.clients.s3, await stageLakeBucket(stage, deps)),
    ledger: new DynamoLedger(deps.clients.dynamodb, deps.env?.LEDGER_TABLE?.trim() || names.ledger),
    lock: new DynamoLock(deps.clients.dynamodb, deps.env?.LOCK_TABLE?.trim() || names.lock),
    clock: { nowMs: () => Date.now() },
  };
}

/**
 * The execution ARN of an execution given by name (as `lakestep executions` lists it) or by ARN.
 * @example executionArnOf('arn:aws:states:eu-west-1:1:stateMachine:lakestep-prod-pipeline', 'run-42')
 * // 'arn:aws:states:eu-west-1:1:execution:lakestep-prod-pipeline:run-42'
 */
export function executionArnOf(stateMachineArn: string, execution: string): string {
  if (execution.startsWith('arn:')) return execution;
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution}`;
}

/**
 * `lakestep run --stage NAME …` (and `rerun --stage`): starts an execution with the input the local run
 * builds, then follows it until it ends, printing per-day progress from its history.
 * @returns 0 when it succeeded, 2 otherwise
 * @throws InputError for a bad input (checked here with the ValidateInput state's own validation)
 */
export async function runOnAws(
  opts: Omit<RunCommandOptions, 'lake'> & { stage: string },
  deps: AwsDeps,
): Promise<number> {
  const stateMachineArn = await stateMachineArnOf(opts.stage, deps);
  const input = executionInput({ ...opts, lake: '', rerun: opts.rerun && executionArnOf(stateMachineArn, opts.rerun) });
  validateRunInput(input, { executionId: 'cli', startedAtMs: 0, knownDatasets: allTableNames(loadConfig()) });
  const name = newExecutionName(Date.now());
  const { executionArn } = await startExecution(deps.clients.sfn, stateMachineArn, input, name);
  deps.reporter.line(`started ${name} on ${opts.stage} with input ${JSON.stringify(input)}`);
  deps.reporter.line(`  console: ${consoleUrl(executionArn)}`);
  const code = await followExecution(executionArn, opts.stage, deps);
  if (opts.dryRun && code === EXIT.ok) await printStageEstimate(executionArn, opts, deps);
  return code;
}

/**
 * A dry run's cost on AWS at the stage's settings (serverless.yml params of the stage), from the plan
 * its Discover stored in the lake bucket, with the seconds per table-day the stage's run reports measured.
 * --json: `{ "estimate": … }` on stdout.
 */
async function printStageEstimate(
  executionArn: string,
  opts: { stage: string; json?: boolean },
  deps: AwsDeps,
): Promise<void> {
  const output = (await describeExecution(deps.clients.sfn, executionArn)).output as
    | { plan?: { planKey?: string } }
    | undefined;
  const planKey = output?.plan?.planKey;
  if (!planKey) return deps.reporter.line('no cost estimate: the execution output names no plan');
  const store = new S3ObjectStore(deps.clients.s3, await stageLakeBucket(opts.stage, deps));
  const plan = await store.getJson<Plan>(planKey);
  if (!plan) return deps.reporter.line(`no cost estimate: the plan ${planKey} is not in the lake bucket`);
  const estimate = await estimatePlan(plan, loadConfig(), store, {}, opts.stage);
  if (opts.json) deps.stdout.write(`${JSON.stringify({ estimate }, null, 2)}\n`);
  else for (const line of describeEstimate(estimate, 'cost on AWS of this plan: about')) deps.reporter.line(line);
}

/**
 * Polls until the execution ends; each new history event goes to the reporter as the local runner's
 * events do (Discover's plan, one line per day a step finished, failures); a failure ends with the lines
 * a local run prints (stageFailureLines). When it ends SUCCEEDED
 * having started the next execution of a cut run (output `continuedBy.ExecutionArn`), follows that one.
 * @returns 0 when the last execution succeeded, 2 otherwise
 */
export async function followExecution(first: string, stage: string, deps: AwsDeps): Promise<number> {
  let executionArn = first;
  let seen = 0;
  for (;;) {
    const description = await describeExecution(deps.clients.sfn, executionArn);
    const events = await executionHistory(deps.clients.sfn, executionArn);
    for (const event of events.filter((e) => (e.id ?? 0) > seen)) {
      const local = toLocalEvent(event);
      if (local) deps.reporter.onEvent(local);
    }
    seen = Math.max(seen, ...events.map((e) => e.id ?? 0));
    if (description.status !== 'RUNNING' && description.status !== 'PENDING_REDRIVE') {
      const seconds = ((description.stoppedAtMs ?? Date.now()) - description.startedAtMs) / 1000;
      if (description.status === 'SUCCEEDED') {
        deps.reporter.line(`done: execution ${description.name} SUCCEEDED in ${seconds.toFixed(0)} s`);
        // A run cut to fit one execution goes on in the one its ContinueRun state started: follow it.
        const next = (description.output as { continuedBy?: { ExecutionArn?: string } } | undefined)?.continuedBy
          ?.ExecutionArn;
        if (!next || next === executionArn) return EXIT.ok;
        deps.reporter.line(`the run goes on in execution ${executionName(next)}`);
        executionArn = next;
        seen = 0;
        continue;
      }
      for (const line of await stageFailureLines(description, stage, deps)) deps.reporter.line(line);
      return EXIT.runFailed;
    }
    await new Promise((r) => setTimeout(r, deps.pollMs ?? DEFAULT_POLL_MS));
  }
}

/**
 * What `run --stage` prints when an execution ends FAILED (or TIMED_OUT, ABORTED): the lines a local run
 * prints (failureLines: the cause once, no class-name prefix, the failed days and the rerun command), from
 * the execution's error and the run summary CommitLedger left in the stage's lake bucket, if it got there.
 * @example stageFailureLines({ name: 'run-y', status: 'FAILED', error: 'DaysFailedError', … }, 'prod', deps)
 * // ['error: execution run-y failed: 1 of 2 days failed: access_records 2024-03-02 (spark/sql/access_records.sql line 12: …)', 'retry them: lakestep run --rerun run-y --stage prod']
 */
export async function stageFailureLines(
  description: Pick<ExecutionDescription, 'executionArn' | 'name' | 'status' | 'error' | 'cause'>,
  stage: string,
  deps: Pick<AwsDeps, 'clients' | 'env'>,
): Promise<string[]> {
  let summary: RunSummary | undefined;
  try {
    const store = new S3ObjectStore(deps.clients.s3, await stageLakeBucket(stage, deps));
    summary = await store.getJson<RunSummary>(summaryKey(description.executionArn));
  } catch {
    // the summary only adds the failed days: a caller who may not read the lake bucket still gets the cause
  }
  // TIMED_OUT and ABORTED carry no error of their own: the status is the cause
  const error = description.error
    ? { Error: description.error, Cause: causeMessage(description.cause) }
    : { Error: 'ExecutionEndedError', Cause: `it ended ${description.status} (Step Functions gives no error)` };
  return failureLines(description.name, error, summary, ` --stage ${stage}`);
}

/**
 * A history event as the local runner's event log would carry it, for the Reporter; undefined for events
 * progress does not show. Step Functions names them `<Type>StateEntered` / `<Type>StateExited`.
 */
export function toLocalEvent(event: HistoryEvent): EventLog | undefined {
  const type = event.type ?? '';
  if (type.endsWith('StateEntered') && event.stateEnteredEventDetails?.name) {
    return {
      type: 'StateEntered',
      timestamp: event.timestamp?.getTime() ?? 0,
      state: { name: event.stateEnteredEventDetails.name },
    } as unknown as EventLog;
  }
  if (type.endsWith('StateExited') && event.stateExitedEventDetails?.name) {
    const details = event.stateExitedEventDetails;
    return {
      type: 'StateExited',
      timestamp: event.timestamp?.getTime() ?? 0,
      state: { name: details.name, output: parseJson(details.output) },
    } as unknown as EventLog;
  }
  return undefined;
}

/** `lakestep executions --stage NAME`: recent executions, newest first. */
export async function listStageExecutions(
  opts: { stage: string; max: number; json?: boolean },
  deps: AwsDeps,
): Promise<void> {
  const arn = await stateMachineArnOf(opts.stage, deps);
  const executions = await listExecutions(deps.clients.sfn, arn, opts.max);
  if (opts.json) {
    deps.stdout.write(`${JSON.stringify(executions, null, 2)}\n`);
    return;
  }
  if (executions.length === 0) deps.reporter.line(`no executions of ${stateMachineName(opts.stage)} yet`);
  for (const e of executions) {
    const stopped = e.stoppedAtMs ? new Date(e.stoppedAtMs).toISOString() : '—';
    deps.stdout.write(
      `${e.name.padEnd(36)} ${e.status.padEnd(10)} ${new Date(e.startedAtMs).toISOString()}  ${stopped}\n`,
    );
  }
}

/**
 * `lakestep status --stage NAME`: each table's raw partitions and output days as the stage's ledger
 * records them. Output days made by another version of the stage SQL than this checkout's are `stale`.
 * Raw partitions are the processed ones the ledger knows (new data shows up in `run --dry-run`).
 */
export async function readStageStatus(stage: string, deps: Pick<AwsDeps, 'clients' | 'env'>): Promise<DatasetStatus[]> {
  const table = deps.env?.LEDGER_TABLE?.trim() || ledgerTableNames(stage).ledger;
  const config = loadConfig();
  const tables = allTableNames(config).map((name) => tableConfig(config, name));
  return readTableStatuses(new DynamoLedger(deps.clients.dynamodb, table), tables, currentStageVersions(tables));
}

function consoleUrl(executionArn: string): string {
  const region = executionArn.split(':')[3];
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
