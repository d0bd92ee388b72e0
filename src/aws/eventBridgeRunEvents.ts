/**
 * EventBridgeRunEvents: the completion event on the account's default event bus, for rules that match
 * `source: lakestep`, `detail-type: Run Completed` (README "Completion event" has an example rule).
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { RUN_COMPLETED } from '../core/completion';
import { LakestepError } from '../core/errors';
import type { RunCompletedDetail, RunEvents } from '../core/ports';

/** EventBridge refuses an entry over 256 KiB. An execution commits at most maxStepsPerExecution × maxDaysPerStep days a table, far below. */
export const MAX_ENTRY_BYTES = 256 * 1024;

export class EventBridgeRunEvents implements RunEvents {
  /**
   * @param client an EventBridge client (see clients.ts); no I/O on construction
   * @param stage the deploy stage (`STAGE`), carried in the detail so one rule can serve several stages
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly stage: string,
  ) {}

  /**
   * One PutEvents entry on the default bus.
   * @throws LakestepError when EventBridge refuses the entry (PutEvents answers 200 with a failed entry,
   *   e.g. over 256 KiB or throttled past the SDK's retries), naming its error code; the SDK's errors otherwise
   */
  async runCompleted(detail: Omit<RunCompletedDetail, 'stage'>): Promise<void> {
    const full: RunCompletedDetail = { stage: this.stage, ...detail };
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: RUN_COMPLETED.bus,
            Source: RUN_COMPLETED.source,
            DetailType: RUN_COMPLETED.detailType,
            Detail: JSON.stringify(full),
          },
        ],
      }),
    );
    const failed = out.Entries?.find((e) => e.ErrorCode);
    if (out.FailedEntryCount || failed) {
      throw new LakestepError(
        `EventBridge refused the completion event of ${detail.execution}: ${failed?.ErrorCode ?? 'unknown error'} ${failed?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
