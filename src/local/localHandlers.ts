/**
 * Task state → in-process function, for aws-local-stepfunctions' `taskResourceLocalHandlers`.
 * Lambda Tasks run the real handler of functions/<name>/ built with local ports; service
 * integrations (SNS publish) go to the local adapter of their port.
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
import { functionOfArn, taskStates, type AslDefinition } from '../pipeline/stateMachineDefinition';

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

const SERVICE_INTEGRATIONS: Record<string, (ports: Ports) => LocalTask> = {
  'arn:aws:states:::sns:publish': (ports) => async (input: { Subject: string; Message: string }) => {
    await ports.notifier.publish(input.Subject, JSON.parse(input.Message) as Record<string, unknown>);
    return { MessageId: `local-${Date.now()}` };
  },
};

/**
 * @throws Error naming the state when a Task's resource has no local counterpart
 */
export function localTaskHandlers(definition: AslDefinition, ports: Ports): Record<string, LocalTask> {
  const handlers: Record<string, LocalTask> = {};
  for (const [stateName, state] of Object.entries(taskStates(definition))) {
    const resource = state.Resource ?? '';
    const fn = functionOfArn(resource);
    if (fn && fn in LAMBDA_FACTORIES) {
      const handler = LAMBDA_FACTORIES[fn as keyof typeof LAMBDA_FACTORIES](ports) as (event: unknown, context: Context) => Promise<unknown>;
      handlers[stateName] = async (input) => handler(input, { functionName: `lakestep-local-${fn}` } as Context);
    } else if (SERVICE_INTEGRATIONS[resource]) {
      handlers[stateName] = SERVICE_INTEGRATIONS[resource](ports);
    } else {
      throw new Error(`state ${stateName}: no local handler for resource ${resource}`);
    }
  }
  return handlers;
}
