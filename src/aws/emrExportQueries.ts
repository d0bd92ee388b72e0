/**
 * Exports on AWS: their rows are meant to come from the stages' engine, an EMR step after the last phase
 * (the PySpark driver running the export's SELECT). That phase is not built yet, so on AWS an export is
 * skipped (the completion event lists no package) rather than failing an execution whose days committed.
 */
import type { ExportQueries } from '../core/ports';

export class EmrExportQueries implements ExportQueries {
  /** @returns undefined: no export is computed on AWS yet */
  async rows(): Promise<undefined> {
    return undefined;
  }
}
