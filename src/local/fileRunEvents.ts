/**
 * The local EventBridge: each completion event becomes `<lake>/_events/<execution>.json`, shaped as the
 * event EventBridge delivers to a rule's target (`source`, `detail-type`, `time`, `detail`).
 */
import type { ObjectStore, RunCompletedDetail, RunEvents } from '../core/ports';
import { eventKey } from '../core/runKeys';
import { RUN_COMPLETED } from '../core/completion';

/** What an event file holds. */
export interface RunCompletedEvent {
  source: typeof RUN_COMPLETED.source;
  'detail-type': typeof RUN_COMPLETED.detailType;
  /** ISO time, UTC */
  time: string;
  detail: RunCompletedDetail;
}

export class FileRunEvents implements RunEvents {
  /**
   * @param store the lake folder (its putJson writes atomically: a reader never sees half a file)
   * @param nowMs the clock (injected so tests get stable times)
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Writes `_events/<execution>.json` (a retried commit rewrites it), stage `local`. */
  async runCompleted(detail: Omit<RunCompletedDetail, 'stage'>): Promise<void> {
    const event: RunCompletedEvent = {
      source: RUN_COMPLETED.source,
      'detail-type': RUN_COMPLETED.detailType,
      time: new Date(this.nowMs()).toISOString(),
      detail: { stage: 'local', ...detail },
    };
    await this.store.putJson(eventKey(detail.execution), event);
  }
}
