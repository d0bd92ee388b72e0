/**
 * `lakestep init DIR`: starts a project from the starter in templates/starter/ — lakestep.config.yml
 * with one dataset (`events`: nested JSON, an ISO-8601 event time read through `path:` mappings), its
 * stage SQL, a .gitignore for the lake and a README of the next commands.
 */
import { cpSync, existsSync, readdirSync, renameSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../config/project';
import { InputError } from '../core/errors';
import type { Reporter } from './reporter';

const STARTER = join(PACKAGE_ROOT, 'templates', 'starter');

/**
 * Copies the starter into `dir` (made if missing).
 * @returns the project's absolute path
 * @throws InputError when `dir` is a file or a folder that is not empty (nothing is written then)
 * @example initProject('demo') // '/home/me/demo', holding lakestep.config.yml, spark/sql/events.sql, .gitignore, README.md
 */
export function initProject(dir: string): string {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory())
      throw new InputError('DIR', `${target} is a file (expected a new or empty folder for the project)`);
    const entries = readdirSync(target);
    if (entries.length)
      throw new InputError(
        'DIR',
        `${target} is not empty (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}); expected a new or empty folder, so no file of yours is overwritten`,
      );
  }
  cpSync(STARTER, target, { recursive: true });
  // kept as `gitignore` in lakestep itself: a .gitignore there would apply to lakestep's own tree
  renameSync(join(target, 'gitignore'), join(target, '.gitignore'));
  return target;
}

/** Runs `init` and says what to do next. */
export function initCommand(dir: string, reporter: Reporter): void {
  const project = initProject(dir);
  const cd = relative(process.cwd(), project) || '.';
  reporter.line(
    `init: a lakestep project in ${project}: lakestep.config.yml (dataset events), spark/sql/events.sql, .gitignore, README.md`,
  );
  reporter.line(`next:\n  cd ${cd}\n  lakestep sample\n  lakestep run\n  lakestep query "SELECT count(*) FROM events"`);
}
