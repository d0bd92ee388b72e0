import { awsClients } from '../../src/aws/clients';
import { cleanUpExecution } from '../../src/aws/emrExecutionCleanup';
import { awsPorts } from '../../src/aws/ports';
import type { Ports } from '../../src/core/ports';
import { lambda } from '../functionFactory';
import { executionName } from '../../src/core/runKeys';

/** EventBridge's "Step Functions Execution Status Change" event (the fields used). */
export interface ExecutionStatusEvent {
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: 'FAILED' | 'TIMED_OUT' | 'ABORTED' | string;
    cause?: string | null;
  };
}

/**
 * For an execution that ended FAILED, TIMED_OUT or ABORTED (EventBridge rule): releases its lock (held
 * for hours otherwise), stops what it left on EMR (see emrExecutionCleanup), and alerts, unless the state
 * machine's own failure path recorded the failure (and so alerted, with the failed days).
 */
export const makeCleanupExecution = (
  ports: Pick<Ports, 'lock' | 'ledger' | 'notifier'>,
  stopOnEmr: (executionId: string) => Promise<unknown>,
  stage: string,
) =>
  lambda(async ({ detail }: ExecutionStatusEvent) => {
    const executionId = detail.executionArn;
    await ports.lock.release(executionId);
    const emr = await stopOnEmr(executionId);
    // RecordFailure marks the execution FAILED, then NotifyFailure publishes the detailed alert
    const stateMachineAlerted =
      detail.status === 'FAILED' && (await ports.ledger.getExecution(executionId))?.status === 'FAILED';
    if (!stateMachineAlerted) {
      await ports.notifier.publish(
        `lakestep ${stage}: execution ${executionName(executionId)} ended ${detail.status}`,
        {
          execution: executionId,
          status: detail.status,
          cause: detail.cause ?? undefined,
          cleanedUp: emr,
        },
      );
    }
    const result = {
      execution: executionId,
      status: detail.status,
      lockReleased: true,
      emr,
      published: !stateMachineAlerted,
    };
    console.log(JSON.stringify(result));
    return result;
  });

const env = process.env;
const clients = awsClients(env);
export const handler = makeCleanupExecution(
  awsPorts(env, clients),
  (executionId) => {
    const existingClusterId = env.EMR_CLUSTER_ID?.trim();
    return cleanUpExecution(
      clients.emr,
      existingClusterId ? { existingClusterId } : { stage: env.STAGE ?? '' },
      executionId,
    );
  },
  env.STAGE ?? '',
);
