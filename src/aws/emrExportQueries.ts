/**
 * Exports on AWS: their rows are meant to come from the stages' engine, an EMR step after the last phase
 * (the PySpark driver running the export's SELECT). That phase is not built yet, so an export due on AWS
 * fails the execution clearly, after its days were committed and the completion event was sent.
 */
import { ExportError } from '../core/errors';
import type { ExportQueries, ExportQuery } from '../core/ports';

export class EmrExportQueries implements ExportQueries {
  /** @throws ExportError always: naming the export and what to do */
  async rows(exp: ExportQuery): Promise<Record<string, unknown>[]> {
    throw new ExportError(
      exp.name,
      'exports are not computed on AWS yet (the EMR export phase is not built); the execution\'s days are committed and its completion event was sent. ' +
        'Remove `exports:` from lakestep.config.yml for a deployed stage, or compute the package from the completion event (README "Exports")',
    );
  }
}
