/**
 * `lakestep deploy --stage S`: lakestep's service (the same stack: Lambdas, state machine, tables, EMR roles)
 * with the project's config and stage SQL, so its crawlers and roles are the project's tables'.
 * `--package-only` stops before AWS: `serverless package` and the Spark artifacts, written to a folder.
 * The flow is deploy/deploy.ts's (also `npm run deploy`, the bundled example's deploy); loaded when the
 * command runs, because it needs the Serverless Framework and the CloudFormation client (devDependencies).
 */
import { join, resolve } from 'node:path';
import { BUNDLED_PROJECT, PACKAGE_ROOT } from '../config/project';
import type { Reporter } from './reporter';

export interface DeployCommandOptions {
  stage: string;
  region?: string;
  /** `key=value` each, serverless.yml's params (README "Deploy") */
  param?: string[];
  /** package only (no AWS account needed), into `out` */
  packageOnly?: boolean;
  /** where --package-only writes; default `<project>/.lakestep-deploy/<stage>` */
  out?: string;
}

/**
 * Deploys (or packages) lakestep's service for `projectDir`. The bundled example deploys from this checkout
 * as `npm run deploy` does; any other project from a temporary service folder holding its files.
 * @throws InputError for a bad stage name or param; ConfigError for a bad config; Error when serverless fails
 */
export async function deployCommand(opts: DeployCommandOptions, projectDir: string, reporter: Reporter): Promise<void> {
  // required here, not imported on top: the other commands must load without the devDependencies it needs
  // (a dynamic import() would go through tsx's ESM loader, which wants file extensions)
  const { checkedArgs, deploy, localArtifacts, packageService } =
    require('../../deploy/deploy') as typeof import('../../deploy/deploy');
  const { removeService, stageProjectService } =
    require('../../deploy/projectService') as typeof import('../../deploy/projectService');
  const args = checkedArgs({ stage: opts.stage, region: opts.region, params: opts.param });
  const bundled = resolve(projectDir) === join(PACKAGE_ROOT, BUNDLED_PROJECT);
  const serviceDir = bundled ? PACKAGE_ROOT : stageProjectService(projectDir);
  const log = (line: string) => reporter.line(line);
  try {
    const artifacts = localArtifacts(projectDir);
    const out = opts.out ?? join(projectDir, '.lakestep-deploy', args.stage);
    if (opts.packageOnly) packageService(args, out, { serviceDir, artifacts, log });
    else await deploy(args, { serviceDir, artifacts, log });
  } finally {
    if (!bundled) removeService(serviceDir);
  }
}
