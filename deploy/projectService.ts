/**
 * lakestep's service with a project's files, as a folder `serverless` can package: the Serverless Framework
 * packages only files under the folder holding serverless.yml, and a project lives elsewhere. So a temporary
 * folder links lakestep's service parts and holds copies of the project's config and stage SQL at its root,
 * which is where the Lambdas look first (src/config/project.ts projectRoot: a config at the bundle root)
 * and what deploy/stage.js derives the roles and crawlers from (the config beside serverless.yml).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config';
import { CONFIG_FILE, PACKAGE_ROOT } from '../src/config/project';

/** What of lakestep the service needs to package: serverless.yml, its helpers, the handlers and what they import. */
export const SERVICE_PARTS = {
  /** copied: the framework does not take its service file through a link */
  files: ['serverless.yml', 'package.json', 'tsconfig.json'],
  folders: ['node_modules', 'deploy', 'functions', 'src', 'statemachines'],
};

/**
 * A new temporary service folder for `projectDir`: lakestep's SERVICE_PARTS (the folders linked), copies of the
 * project's lakestep.config.yml and `spark/sql/*.sql`. The caller removes it (removeService).
 * @returns the folder's path
 * @throws ConfigError when the project's config is invalid (checked before anything is packaged)
 * @example stageProjectService('/home/me/demo') // '/tmp/lakestep-service-x1Y2/' holding serverless.yml → …, lakestep.config.yml, spark/sql/events.sql
 */
export function stageProjectService(projectDir: string, packageRoot: string = PACKAGE_ROOT): string {
  loadConfig(join(projectDir, CONFIG_FILE)); // a bad config fails here, naming its field, not inside serverless
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-service-'));
  for (const file of SERVICE_PARTS.files) copyFileSync(join(packageRoot, file), join(dir, file));
  for (const folder of SERVICE_PARTS.folders) symlinkSync(join(packageRoot, folder), join(dir, folder));
  copyFileSync(join(projectDir, CONFIG_FILE), join(dir, CONFIG_FILE));
  const sqlDir = join(projectDir, 'spark', 'sql');
  mkdirSync(join(dir, 'spark', 'sql'), { recursive: true });
  if (existsSync(sqlDir))
    for (const name of readdirSync(sqlDir).filter((n) => n.endsWith('.sql')))
      copyFileSync(join(sqlDir, name), join(dir, 'spark', 'sql', name));
  return dir;
}

/** Removes a folder stageProjectService made (the links only, never what they point to). */
export const removeService = (dir: string) => rmSync(dir, { recursive: true, force: true });
