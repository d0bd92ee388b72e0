/**
 * Exports on AWS: their packages are computed by the stages' engine, the PySpark driver's export mode run as
 * the EMR step of the export phase (after the last transform phase, before the cluster ends), which writes
 * each package and then its ExportResult. CommitLedger only reads that result, to name the packages in the
 * completion event and fail with the first export that failed.
 */
import type { ExportOutcome, ExportResult, ExportTarget } from '../core/exportSpec';
import type { ExportQueries, ObjectStore } from '../core/ports';
import { exportResultKey } from '../core/runKeys';

export class EmrExportQueries implements ExportQueries {
  constructor(private readonly store: Pick<ObjectStore, 'getJson'>) {}

  /**
   * @returns per target, the export phase's outcome; an error naming the result's key for a target it has none for
   *   (the export phase did not run, or was not given it)
   */
  async write(executionId: string, targets: ExportTarget[]): Promise<Record<string, ExportOutcome>> {
    const key = exportResultKey(executionId);
    const result = await this.store.getJson<ExportResult>(key);
    return Object.fromEntries(
      targets.map((t) => [
        t.name,
        result?.exports[t.name] ?? {
          error: `the export phase left no outcome for it in ${key} (${result ? 'it was not due then' : 'no result was written'})`,
        },
      ]),
    );
  }
}
