/**
 * Runs `statemachines/pipeline.asl.yml` with aws-local-stepfunctions: every Task runs in-process
 * (localHandlers), Wait states are shortened to `waitMs`. Progress is the engine's event log,
 * passed to `onEvent`; this module never prints.
 */
import './promiseWithResolvers';
import { randomBytes } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { executionName } from '../core/runKeys';
import { statesOfType, taskStates } from '../pipeline/stateMachineFile';
import { loadDefinition, localArn } from './stateMachineDefinition';
import { removeEmptyStaging } from './crashLeftovers';
import { localTaskHandlers, type StartExecutionRequest } from './localHandlers';
import type { LocalRuntime } from './localRuntime';

/** One entry of the engine's event log (the package does not export the type). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface ExecutionOutcome {
  executionId: string;
  /** ABORTED: stopped through `signal` (Ctrl-C); the failure path did not run */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: { Error: string; Cause: string };
  /** the execution this one started to go on with a cut run (ContinueRun): its name and input */
  continuedBy?: { name: string; input: Record<string, unknown> };
}

export interface ExecuteOptions {
  /** ms each Wait state lasts locally (AWS waits 30–60 s between polls) */
  waitMs?: number;
  onEvent?: (event: EventLog) => void;
  /** aborts the execution, as StopExecution does on AWS */
  signal?: AbortSignal;
  /** the execution's name (default: newExecutionName) */
  name?: string;
}

const LOCAL_EXECUTION_PREFIX = localArn('states', 'execution:lakestep-local-pipeline:');
const LOCAL_STATE_MACHINE_ARN = localArn('states', 'stateMachine:lakestep-local-pipeline');

/** The execution id of a local execution name; an id (with `:`) is returned as it is. */
export const localExecutionId = (nameOrId: string) =>
  nameOrId.includes(':') ? nameOrId : `${LOCAL_EXECUTION_PREFIX}${nameOrId}`;

/** `run-20240305T101112Z-1a2b`: sortable, unique enough for one machine. */
export function newExecutionName(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function executeStateMachine(
  runtime: LocalRuntime,
  input: Record<string, unknown>,
  options: ExecuteOptions = {},
): Promise<ExecutionOutcome> {
  const definition = loadDefinition();
  const startMs = runtime.ports.clock.nowMs();
  const executionId = localExecutionId(options.name ?? newExecutionName(startMs));
  let continuedBy: ExecutionOutcome['continuedBy'];
  const startExecution = (request: StartExecutionRequest) => {
    continuedBy = { name: request.Name, input: request.Input };
    return localExecutionId(request.Name);
  };
  const waitStates = Object.keys(statesOfType(definition, 'Wait')).map((name) => [name, options.waitMs ?? 20]);
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: localTaskHandlers(definition, { ports: runtime.ports, startExecution }) as never,
      waitTimeOverrides: Object.fromEntries(waitStates),
      retryIntervalOverrides: Object.fromEntries(Object.keys(taskStates(definition)).map((name) => [name, 50])),
    },
    context: {
      Execution: {
        Id: executionId,
        Name: executionName(executionId),
        StartTime: new Date(startMs).toISOString(),
        Input: input as never,
      },
      StateMachine: { Id: LOCAL_STATE_MACHINE_ARN, Name: LOCAL_STATE_MACHINE_ARN.split(':').pop() },
    },
  });
  options.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  const events = drain(execution.eventLogs, options.onEvent);
  try {
    return await outcomeOf(executionId, execution.result, events, () => continuedBy);
  } finally {
    await removeEmptyStaging(runtime.lakeDir, executionName(executionId));
  }
}

/** The outcome of a run's result once its events are drained. @throws what the run threw that is no execution error */
async function outcomeOf(
  executionId: string,
  result: Promise<unknown>,
  events: Promise<void>,
  continuedBy: () => ExecutionOutcome['continuedBy'],
): Promise<ExecutionOutcome> {
  try {
    const output = await result;
    await events;
    const next = continuedBy();
    return { executionId, status: 'SUCCEEDED', output, ...(next ? { continuedBy: next } : {}) };
  } catch (error) {
    await events;
    if (error instanceof ExecutionAbortedError)
      return {
        executionId,
        status: 'ABORTED',
        error: { Error: 'ExecutionAborted', Cause: 'the execution was interrupted' },
      };
    if (error instanceof ExecutionError) {
      const cause = error.cause as { name?: string; message?: string } | undefined;
      return {
        executionId,
        status: 'FAILED',
        error: { Error: cause?.name ?? 'ExecutionError', Cause: cause?.message ?? error.message },
      };
    }
    throw error;
  }
}

async function drain(events: AsyncGenerator<EventLog>, onEvent?: (event: EventLog) => void) {
  for await (const event of events) onEvent?.(event);
}

/**
 * Runs an execution and, while one ends SUCCEEDED having started a next one (a run cut to fit one
 * execution: ContinueRun), that one too, as Step Functions would. `onExecution` hears each outcome.
 * @returns the outcomes in order; the last is the chain's end (FAILED or ABORTED stops the chain)
 */
export async function executeChain(
  runtime: LocalRuntime,
  input: Record<string, unknown>,
  options: ExecuteOptions & { onExecution?: (outcome: ExecutionOutcome) => Promise<void> | void } = {},
): Promise<ExecutionOutcome[]> {
  const outcomes: ExecutionOutcome[] = [];
  let next: { name?: string; input: Record<string, unknown> } | undefined = { name: options.name, input };
  while (next) {
    const outcome = await executeStateMachine(runtime, next.input, { ...options, name: next.name });
    outcomes.push(outcome);
    await options.onExecution?.(outcome);
    next = outcome.status === 'SUCCEEDED' ? outcome.continuedBy : undefined;
  }
  return outcomes;
}
