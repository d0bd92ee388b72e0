/** The stage SQL files, read from the project in use (bundled beside the Lambdas on AWS); stage paths are relative to it. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { projectRoot, type TableConfig } from '../config/config';
import { stageVersion } from '../core/stageVersion';

/** The SQL text of a dataset's stage. @throws when the file is missing */
export const stageSqlText = (ds: Pick<TableConfig, 'stage'>, root = projectRoot()) =>
  readFileSync(resolve(root, ds.stage), 'utf8');

/** dataset → version (hash) of its stage SQL as it is now. */
export function currentStageVersions(
  datasets: Pick<TableConfig, 'name' | 'stage'>[],
  root = projectRoot(),
): Record<string, string> {
  return Object.fromEntries(datasets.map((ds) => [ds.name, stageVersion(stageSqlText(ds, root))]));
}
