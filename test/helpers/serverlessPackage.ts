/**
 * `serverless package` for real (Framework v3 and its plugins), offline and without AWS credentials, and the
 * CloudFormation template it writes: shared by the template checks and the IAM simulation.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../../src/config/config';

export const run = promisify(execFile);
const SERVERLESS = resolve(PACKAGE_ROOT, 'node_modules/.bin/serverless');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
export interface Template {
  Resources: Record<string, { Type: string; Condition?: string; Properties: Json }>;
  Conditions: Record<string, Json>;
  Outputs: Record<string, Json>;
}

/** The environment of the packaging run: no AWS credentials or profile, no telemetry, no update checks. */
export function offlineEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_') && !key.startsWith('SLS_')),
  );
  // A proxy nobody listens on: an HTTP call the framework made would fail the run instead of passing unseen.
  const noNetwork = {
    HTTPS_PROXY: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    http_proxy: 'http://127.0.0.1:9',
  };
  return {
    ...env,
    ...noNetwork,
    HOME: home,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    CI: 'true',
  };
}

/**
 * Packages `--stage <stage>` (plus `args`) into a new temporary folder.
 * @returns the folder and the update-stack template
 * @throws the failed run's error, whose `stderr`/`stdout` hold the framework's message
 */
export async function packageStage(args: string[], stage = 'ci'): Promise<{ dir: string; template: Template }> {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-sls-'));
  await run(SERVERLESS, ['package', '--stage', stage, '--package', join(dir, 'out'), ...args], {
    cwd: PACKAGE_ROOT,
    env: offlineEnv(dir),
    timeout: 170_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const template = JSON.parse(
    readFileSync(join(dir, 'out', 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { dir, template };
}
