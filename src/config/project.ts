/**
 * Where the project is: the folder holding `lakestep.config.yml` and the stage SQL it names (stage paths
 * are relative to it), found by walking up from the current folder as dbt finds `dbt_project.yml`.
 * The lakestep package itself (statemachines/, spark/jobs/, .venv/) is PACKAGE_ROOT; in the lakestep
 * checkout, which holds no config of its own, the project is the bundled Synapse example.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../core/errors';

/** The lakestep package: statemachines/, functions/, spark/jobs/, package.json, .venv/ (on Lambda, the bundle's root). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');
export const CONFIG_FILE = 'lakestep.config.yml';
/** The project used in the lakestep checkout (and packaged beside the Lambdas): relative to PACKAGE_ROOT. */
export const BUNDLED_PROJECT = 'examples/synapse';

/**
 * The project a folder is, if any: the folder itself when it holds lakestep.config.yml; the bundled
 * example when the folder is the lakestep package (so `npm start` works from the repository root).
 */
function projectAt(dir: string): string | undefined {
  if (existsSync(join(dir, CONFIG_FILE))) return dir;
  if (dir === PACKAGE_ROOT && existsSync(join(PACKAGE_ROOT, BUNDLED_PROJECT, CONFIG_FILE)))
    return join(PACKAGE_ROOT, BUNDLED_PROJECT);
  return undefined;
}

/**
 * The project `startDir` is in: the nearest folder at or above it holding lakestep.config.yml.
 * @returns the project's absolute path
 * @throws InputError naming the folders searched, when none holds a config
 * @example findProject('/home/me/demo/spark/sql') // '/home/me/demo'
 */
export function findProject(startDir: string): string {
  const searched: string[] = [];
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const found = projectAt(dir);
    if (found) return found;
    searched.push(dir);
    if (dirname(dir) === dir) break;
  }
  throw new InputError(
    'project',
    `no ${CONFIG_FILE} in ${searched.join(', ')} (searched from the current folder up to /); ` +
      'run lakestep in a project, pass --project DIR, or start one with `lakestep init DIR`',
  );
}

/**
 * The project `--project DIR` names.
 * @throws InputError when DIR holds no lakestep.config.yml
 */
export function projectOption(dir: string): string {
  const found = projectAt(resolve(dir));
  if (!found)
    throw new InputError(
      '--project',
      `${resolve(dir)} holds no ${CONFIG_FILE} (expected a project folder; \`lakestep init DIR\` makes one)`,
    );
  return found;
}

let active: string | undefined;

/** Makes `dir` the project loadConfig() and the stage files read (the CLI sets it for one command); undefined: the default. */
export function useProject(dir: string | undefined): void {
  active = dir === undefined ? undefined : resolve(dir);
}

/** The project set by useProject, if any. */
export const activeProject = (): string | undefined => active;

/**
 * The project in use: the one set by useProject (the CLI's discovery or --project), else the package's
 * own (a config at PACKAGE_ROOT, as a deployed bundle may hold), else the bundled Synapse example.
 */
export function projectRoot(): string {
  return active ?? (existsSync(join(PACKAGE_ROOT, CONFIG_FILE)) ? PACKAGE_ROOT : join(PACKAGE_ROOT, BUNDLED_PROJECT));
}

/**
 * The lake a project's commands use unless told: `$LAKESTEP_LAKE`, else `<project>/lake`; for the bundled
 * example (the lakestep checkout) the checkout's own `./lake`, where it was before the example moved, so
 * `npm start`, the README's commands and existing lakes keep working.
 */
export const defaultLake = (project: string, env: NodeJS.ProcessEnv = process.env): string =>
  env.LAKESTEP_LAKE ??
  (resolve(project) === join(PACKAGE_ROOT, BUNDLED_PROJECT) ? join(PACKAGE_ROOT, 'lake') : join(project, 'lake'));
