/**
 * Thin functions over the Step Functions API for the `lakestep` CLI against AWS: start an execution,
 * follow it (describe + history), list recent ones.
 */
import {
  DescribeExecutionCommand,
  StartExecutionCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  type ExecutionStatus,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { InputError, LakestepError } from '../core/errors';

/** Step Functions limits an execution's input to 256 KiB of UTF-8. */
export const MAX_INPUT_BYTES = 256 * 1024;
/** Execution names: 1–80 characters; this set is what the console and CloudWatch handle without escaping. */
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** The largest page ListExecutions and GetExecutionHistory serve. */
const MAX_PAGE = 1000;

export interface ExecutionSummary {
  executionArn: string;
  /** the execution name: lakestep's executionId */
  name: string;
  status: ExecutionStatus;
  /** ms since epoch */
  startedAtMs: number;
  stoppedAtMs?: number;
}

export interface ExecutionDescription extends ExecutionSummary {
  /** parsed JSON input/output (the raw string if it is not JSON) */
  input?: unknown;
  output?: unknown;
  /** on FAILED/TIMED_OUT/ABORTED: the error name (e.g. `DaysFailedError`) and its cause */
  error?: string;
  cause?: string;
}

/**
 * Starts an execution (StartExecution).
 * @param input serialised to JSON, e.g. `{ mode: 'backfill', from: '2024-01-01', to: '2024-03-31' }`
 * @param name the execution name (becomes lakestep's executionId); Step Functions generates one when absent
 * @returns `{ executionArn, startedAtMs }`
 * @throws InputError when the input exceeds 256 KiB or the name is not 1–80 of `[A-Za-z0-9_-]`;
 *   ExecutionAlreadyExists (SDK) when the name was used in the last 90 days with another input
 */
export async function startExecution(
  client: SFNClient,
  stateMachineArn: string,
  input: unknown,
  name?: string,
): Promise<{ executionArn: string; startedAtMs: number }> {
  const text = JSON.stringify(input ?? {});
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    throw new InputError(
      'input',
      `is ${Buffer.byteLength(text)} bytes of JSON; Step Functions accepts at most ${MAX_INPUT_BYTES}`,
    );
  }
  if (name !== undefined && !EXECUTION_NAME.test(name)) {
    throw new InputError(
      'name',
      `"${name}" is not a valid execution name (expected 1–80 characters of A-Z a-z 0-9 _ -)`,
    );
  }
  const response = await client.send(new StartExecutionCommand({ stateMachineArn, input: text, name }));
  if (!response.executionArn) throw new LakestepError(`StartExecution on ${stateMachineArn} returned no execution ARN`);
  return { executionArn: response.executionArn, startedAtMs: (response.startDate ?? new Date()).getTime() };
}

/**
 * One execution's status, input, output and error (DescribeExecution).
 * @throws ExecutionDoesNotExist (SDK) for an unknown ARN
 */
export async function describeExecution(client: SFNClient, executionArn: string): Promise<ExecutionDescription> {
  const r = await client.send(new DescribeExecutionCommand({ executionArn }));
  const description: ExecutionDescription = {
    ...summary({
      executionArn: r.executionArn ?? executionArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate,
      stopDate: r.stopDate,
    }),
  };
  if (r.input !== undefined) description.input = parseJson(r.input);
  if (r.output !== undefined) description.output = parseJson(r.output);
  if (r.error !== undefined) description.error = r.error;
  if (r.cause !== undefined) description.cause = r.cause;
  return description;
}

/**
 * The most recent executions of a state machine, newest first (ListExecutions, paginated).
 * @param max how many at most, ≥ 1 (e.g. 20 for `lakestep executions`)
 */
export async function listExecutions(
  client: SFNClient,
  stateMachineArn: string,
  max: number,
  statusFilter?: ExecutionStatus,
): Promise<ExecutionSummary[]> {
  if (!Number.isInteger(max) || max < 1) throw new InputError('max', `is ${max}; expected a whole number ≥ 1`);
  const executions: ExecutionSummary[] = [];
  const pages = paginateListExecutions(
    { client, pageSize: Math.min(max, MAX_PAGE) },
    { stateMachineArn, statusFilter },
  );
  for await (const page of pages) {
    for (const item of page.executions ?? []) {
      executions.push(summary(item));
      if (executions.length >= max) return executions;
    }
  }
  return executions;
}

/**
 * Every history event of an execution, oldest first (GetExecutionHistory, paginated; a Standard
 * execution has at most 25,000). The CLI derives per-day progress from TaskSucceeded / Map events.
 * @returns the SDK's HistoryEvent objects (`id`, `type`, `timestamp`, `…EventDetails`)
 */
export async function executionHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory(
    { client, pageSize: MAX_PAGE },
    { executionArn, includeExecutionData: true },
  )) {
    events.push(...(page.events ?? []));
  }
  return events;
}

function summary(item: {
  executionArn?: string;
  name?: string;
  status?: ExecutionStatus;
  startDate?: Date;
  stopDate?: Date;
}): ExecutionSummary {
  const result: ExecutionSummary = {
    executionArn: item.executionArn ?? '',
    name: item.name ?? '',
    status: item.status ?? 'RUNNING',
    startedAtMs: item.startDate?.getTime() ?? 0,
  };
  if (item.stopDate) result.stoppedAtMs = item.stopDate.getTime();
  return result;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
