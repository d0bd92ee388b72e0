/**
 * Runs `statemachines/pipeline.asl.yml` with aws-local-stepfunctions: every Task runs in-process
 * (localHandlers), Wait states are shortened to `waitMs`. Progress is the engine's event log,
 * passed to `onEvent`; this module never prints.
 */
import './promiseWithResolvers';
import { randomBytes } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { loadDefinition, localArn, statesOfType, taskStates } from '../pipeline/stateMachineDefinition';
import { localTaskHandlers } from './localHandlers';
import type { LocalRuntime } from './localRuntime';

/** One entry of the engine's event log (the package does not export the type). */
export type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

export interface ExecutionOutcome {
  executionId: string;
  /** ABORTED: stopped through `signal` (Ctrl-C); the failure path did not run */
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  output?: unknown;
  error?: { Error: string; Cause: string };
}

export interface ExecuteOptions {
  /** ms each Wait state lasts locally (AWS waits 30–60 s between polls) */
  waitMs?: number;
  onEvent?: (event: EventLog) => void;
  /** aborts the execution, as StopExecution does on AWS */
  signal?: AbortSignal;
}

const LOCAL_EXECUTION_PREFIX = localArn('states', 'execution:lakestep-local-pipeline:');

/** The execution id of a local execution name; an id (with `:`) is returned as it is. */
export const localExecutionId = (nameOrId: string) => (nameOrId.includes(':') ? nameOrId : `${LOCAL_EXECUTION_PREFIX}${nameOrId}`);

/** `run-20240305T101112Z-1a2b`: sortable, unique enough for one machine. */
export function newExecutionName(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}

export async function executeStateMachine(runtime: LocalRuntime, input: Record<string, unknown>, options: ExecuteOptions = {}): Promise<ExecutionOutcome> {
  const definition = loadDefinition();
  const startMs = runtime.ports.clock.nowMs();
  const executionId = localExecutionId(newExecutionName(startMs));
  const waitStates = Object.keys(statesOfType(definition, 'Wait')).map((name) => [name, options.waitMs ?? 20]);
  const machine = new StateMachine(definition as never, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: localTaskHandlers(definition, runtime.ports) as never,
      waitTimeOverrides: Object.fromEntries(waitStates),
      retryIntervalOverrides: Object.fromEntries(Object.keys(taskStates(definition)).map((name) => [name, 50])),
    },
    context: { Execution: { Id: executionId, Name: executionId.split(':').pop(), StartTime: new Date(startMs).toISOString(), Input: input as never } },
  });
  options.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  const events = drain(execution.eventLogs, options.onEvent);
  try {
    const output = await execution.result;
    await events;
    return { executionId, status: 'SUCCEEDED', output };
  } catch (error) {
    await events;
    if (error instanceof ExecutionAbortedError) return { executionId, status: 'ABORTED', error: { Error: 'ExecutionAborted', Cause: 'the execution was interrupted' } };
    if (error instanceof ExecutionError) {
      const cause = error.cause as { name?: string; message?: string } | undefined;
      return { executionId, status: 'FAILED', error: { Error: cause?.name ?? 'ExecutionError', Cause: cause?.message ?? error.message } };
    }
    throw error;
  }
}

async function drain(events: AsyncGenerator<EventLog>, onEvent?: (event: EventLog) => void) {
  for await (const event of events) onEvent?.(event);
}
