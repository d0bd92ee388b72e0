/**
 * Task state → in-process function, for aws-local-stepfunctions' `taskResourceLocalHandlers`.
 * Lambda Tasks run the real handler of functions/<name>/ built with local ports; service
 * integrations go to the local adapter of their port (SNS publish) or to the local runner
 * (StartExecution).
 */
import type { Context } from 'aws-lambda';
import { makeAcquireLock } from '../../functions/acquireLock/handler';
import { makeCheckCrawler } from '../../functions/checkCrawler/handler';
import { makeCheckStep } from '../../functions/checkStep/handler';
import { makeCommitLedger } from '../../functions/commitLedger/handler';
import { makeDiscover } from '../../functions/discover/handler';
import { makeEnsureCluster } from '../../functions/ensureCluster/handler';
import { makeLaunchStep } from '../../functions/launchStep/handler';
import { makeRecordFailure } from '../../functions/recordFailure/handler';
import { makeReleaseLock } from '../../functions/releaseLock/handler';
import { makeStartCrawler } from '../../functions/startCrawler/handler';
import { makeTerminateCluster } from '../../functions/terminateCluster/handler';
import { makeValidateInput } from '../../functions/validateInput/handler';
import type { Ports } from '../core/ports';
import { taskStates, type AslDefinition } from '../pipeline/stateMachineFile';
import { functionOfArn } from './stateMachineDefinition';

type LocalTask = (input: never) => Promise<unknown>;

/** Every Lambda of functions/, by the name serverless.yml and the state machine give it. */
export const LAMBDA_FACTORIES = {
  validateInput: () => makeValidateInput(),
  acquireLock: makeAcquireLock,
  discover: (ports: Ports) => makeDiscover(ports),
  ensureCluster: makeEnsureCluster,
  launchStep: makeLaunchStep,
  checkStep: makeCheckStep,
  startCrawler: makeStartCrawler,
  checkCrawler: makeCheckCrawler,
  commitLedger: makeCommitLedger,
  releaseLock: makeReleaseLock,
  recordFailure: makeRecordFailure,
  terminateCluster: makeTerminateCluster,
} satisfies Record<string, (ports: Ports) => unknown>;

/** A StartExecution request of the ContinueRun state (the next execution of a cut run). */
export interface StartExecutionRequest {
  StateMachineArn: string;
  Name: string;
  Input: Record<string, unknown>;
}

/** What service integrations reach locally: the ports, and the runner for StartExecution. */
export interface LocalServices {
  ports: Ports;
  /** queues the execution to start once the current one has ended (as on AWS, it does not wait); returns its id */
  startExecution: (request: StartExecutionRequest) => string;
}

const SERVICE_INTEGRATIONS: Record<string, (services: LocalServices) => LocalTask> = {
  'arn:aws:states:::sns:publish':
    ({ ports }) =>
    async (input: { Subject: string; Message: string }) => {
      await ports.notifier.publish(input.Subject, JSON.parse(input.Message) as Record<string, unknown>);
      return { MessageId: `local-${Date.now()}` };
    },
  'arn:aws:states:::states:startExecution':
    ({ startExecution }) =>
    async (input: StartExecutionRequest) => ({
      ExecutionArn: startExecution(input),
      StartDate: new Date().toISOString(),
    }),
};

/**
 * @throws Error naming the state when a Task's resource has no local counterpart
 */
export function localTaskHandlers(definition: AslDefinition, services: LocalServices): Record<string, LocalTask> {
  const { ports } = services;
  const handlers: Record<string, LocalTask> = {};
  for (const [stateName, state] of Object.entries(taskStates(definition))) {
    const resource = state.Resource ?? '';
    const fn = functionOfArn(resource);
    if (fn && fn in LAMBDA_FACTORIES) {
      const handler = LAMBDA_FACTORIES[fn as keyof typeof LAMBDA_FACTORIES](ports) as (
        event: unknown,
        context: Context,
      ) => Promise<unknown>;
      handlers[stateName] = async (input) => handler(input, { functionName: `lakestep-local-${fn}` } as Context);
    } else if (SERVICE_INTEGRATIONS[resource]) {
      handlers[stateName] = SERVICE_INTEGRATIONS[resource](services);
    } else {
      throw new Error(`state ${stateName}: no local handler for resource ${resource}`);
    }
  }
  return handlers;
}
