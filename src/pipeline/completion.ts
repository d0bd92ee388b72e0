/**
 * The end of a commit that changed days: the due exports (metric packages) are written, then the
 * completion event is sent, naming the days and the packages. Both are repeated as they are by a retried
 * CommitLedger (same keys, same rows; an event may arrive twice, as EventBridge delivers at least once).
 */
import type { LakestepConfig } from '../config/config';
import { changedDaysByTable, dueExports } from '../core/completion';
import { ExportError, type LakestepError } from '../core/errors';
import type { Ports, RunCompletedDetail } from '../core/ports';
import type { OutputDayState } from '../core/types';
import { executionName, exportKey, latestExportKey } from '../core/runKeys';

export interface Completion {
  detail: Omit<RunCompletedDetail, 'stage'>;
  /** the first export that could not be written (the others and the event were): the caller fails with it */
  exportError?: LakestepError;
}

/**
 * Has the export engine write each due export as `exports/<name>/<execution>.json`, then copy it to
 * `exports/<name>/latest.json` (a reader of latest.json never sees a package older than the last one fully
 * written), and sends the event.
 * Nothing is written or sent when `outputs` is empty.
 * @param outputs the output days this execution committed
 * @returns undefined when nothing was committed
 * @throws the event port's error (the exports are written by then); an export's error is returned, not thrown
 */
export async function announceCompletion(
  ports: Pick<Ports, 'store' | 'events' | 'exports'>,
  run: {
    executionId: string;
    status: RunCompletedDetail['status'];
    outputs: Pick<OutputDayState, 'dataset' | 'day'>[];
  },
  config: Pick<LakestepConfig, 'exports'>,
): Promise<Completion | undefined> {
  if (!run.outputs.length) return undefined;
  const tables = changedDaysByTable(run.outputs);
  const written: Record<string, string> = {};
  let exportError: LakestepError | undefined;
  const targets = dueExports(config.exports, tables).map((exp) => ({
    ...exp,
    key: exportKey(exp.name, run.executionId),
    latestKey: latestExportKey(exp.name),
  }));
  const outcomes = targets.length
    ? await ports.exports
        .write(run.executionId, targets)
        .catch((error: Error) => Object.fromEntries(targets.map((t) => [t.name, { error: error.message }])))
    : {};
  for (const { name } of targets) {
    const outcome = outcomes[name] ?? { error: 'the export engine gave no outcome for it' };
    if ('key' in outcome) written[name] = outcome.key;
    else exportError ??= new ExportError(name, outcome.error);
  }
  const detail = { execution: executionName(run.executionId), status: run.status, tables, exports: written };
  await ports.events.runCompleted(detail);
  return { detail, ...(exportError ? { exportError } : {}) };
}
