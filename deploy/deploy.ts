/**
 * Deploying lakestep's service for one project and stage: `npm run deploy -- --stage NAME [--region R]
 * [--param key=value …]` deploys the bundled Synapse example from this checkout; `lakestep deploy --stage NAME`
 * deploys the project it runs in (projectService.ts stages the service with that project's files).
 * Region default: AWS_REGION, AWS_DEFAULT_REGION, then us-east-1 — the region the lakestep CLI looks in.
 *
 * 1. Versions the Spark artifacts (lakestep's driver and jar, the project's stage SQL): in this checkout
 *    `<package version>-<git short commit>` (plus `-dirty-<hash>` for uncommitted changes); for a project
 *    elsewhere `<package version>-c<content hash>`.
 * 2. Uploads them to `s3://<artifacts bucket>/spark/<version>/` — each key written once (`If-None-Match: *`):
 *    an existing object is left as it is (and must be identical), older versions are never touched, so a
 *    rerun of an old execution still finds the code it ran with.
 * 3. `serverless deploy --stage NAME --param artifactsVersion=<version>`: the Lambdas' ARTIFACTS_URI, and so
 *    every EMR step, names that exact version.
 *
 * The artifacts bucket is the stack's `ArtifactsBucketName` output, read with CloudFormation DescribeStacks
 * on stack `lakestep-<stage>` (`serverless info` prints outputs only with --verbose). On the first deploy
 * there is no stack yet: the service is deployed with its schedule disabled (creating the bucket), the code
 * is uploaded, then the service is deployed again with the parameters as given (the schedule on). On later
 * deploys the code is uploaded first, so no Lambda ever points at a version that is not there.
 * `packageService` is the offline half: `serverless package` plus the artifacts written beside the template.
 * Needs AWS credentials (the SDK's default chain) and the Serverless Framework v3 (a devDependency).
 * The pure parts (version, keys) are deploy/artifacts.ts, unit-tested; the flow is tested against moto
 * with a stand-in for the `serverless` command (test/integration/aws/deploy.moto.test.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { PACKAGE_ROOT, projectRoot } from '../src/config/project';
import { InputError } from '../src/core/errors';
import {
  artifactsUri,
  artifactsVersion,
  artifactUploads,
  contentHash,
  projectArtifactsVersion,
  sparkArtifactSources,
  type Upload,
} from './artifacts';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildJar } = require('../scripts/build-java') as { buildJar(): void };

const SERVERLESS = join(PACKAGE_ROOT, 'node_modules/.bin/serverless');
/** A stage name ends up in S3 bucket names (lower case only), IAM role names and the Glue database. */
const STAGE = /^[a-z0-9][a-z0-9-]{0,39}$/;

export interface DeployArgs {
  stage: string;
  region: string;
  /** `key=value`, passed to serverless as `--param key=value` */
  params: string[];
}

/** What one version ships: the S3 keys and the bytes behind them. */
export interface Artifacts {
  version: string;
  /** lakestep's git commit, when it runs from a checkout */
  commit: string | undefined;
  uploads: Upload[];
  files: { path: string; bytes: Buffer }[];
}

/**
 * @throws InputError naming the argument, e.g. `--stage: "Prod" is not a stage name (expected one like dev or prod …)`
 * @example parseArgs(['--stage', 'prod']) // { stage: 'prod', region: 'us-east-1' (or AWS_REGION), params: [] }
 */
export function parseArgs(argv: string[]): DeployArgs {
  const args: { stage?: string; region?: string; params: string[] } = { params: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--stage') args.stage = value();
    else if (flag === '--region') args.region = value();
    else if (flag === '--param') args.params.push(value());
    else throw new Error(`unknown argument ${argv[i]} (expected --stage NAME [--region R] [--param key=value …])`);
  }
  return checkedArgs(args);
}

/**
 * The stage checked, the region defaulted: one region for the stack, the artifact upload and the lakestep CLI
 * (which reads AWS_REGION); serverless alone would fall back to its own default whatever AWS_REGION says.
 * @throws InputError when the stage is not a valid name, a param is not key=value or sets artifactsVersion
 */
export function checkedArgs(args: { stage?: string; region?: string; params?: string[] }): DeployArgs {
  if (!args.stage || !STAGE.test(args.stage)) {
    throw new InputError(
      '--stage',
      `${JSON.stringify(args.stage ?? '')} is not a stage name (expected one like dev or prod: lower-case letters, digits, '-'; it becomes part of S3 bucket names)`,
    );
  }
  const params = args.params ?? [];
  const bad = params.find((p) => !/^[A-Za-z][A-Za-z0-9]*=/.test(p));
  if (bad !== undefined) throw new InputError('--param', `"${bad}" is not key=value (e.g. alertEmail=ops@example.org)`);
  if (params.some((p) => p.startsWith('artifactsVersion=')))
    throw new InputError('--param', 'artifactsVersion is set by the deploy (the version it uploads)');
  const region = args.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  return { stage: args.stage, region, params };
}

const git = (...args: string[]) => execFileSync('git', args, { cwd: PACKAGE_ROOT, encoding: 'utf8' }).trim();
const gitCommit = (): string | undefined => {
  try {
    return git('rev-parse', 'HEAD');
  } catch {
    return undefined; // lakestep installed from a package, not a checkout
  }
};

/**
 * What a deploy of `projectDir` would upload: lakestep's driver and jar, the project's stage SQL.
 * @param projectDir default: the project in use (in this checkout, the Synapse example)
 */
export function localArtifacts(projectDir: string = projectRoot()): Artifacts {
  buildJar(); // the driver's Java helper, shipped next to it (reproducible: unchanged sources give the same bytes)
  const sources = sparkArtifactSources(PACKAGE_ROOT, projectDir);
  // what EMR needs (artifactUploads' filter; the version is not known before the content hash)
  const shipped = new Set(
    artifactUploads(
      sources.map((s) => s.path),
      '0',
    ).map((u) => u.path),
  );
  const files = sources.filter((s) => shipped.has(s.path)).map((s) => ({ path: s.path, bytes: readFileSync(s.file) }));
  const packageVersion = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  const commit = gitCommit();
  const inCheckout = commit !== undefined && !relative(PACKAGE_ROOT, projectDir).startsWith('..');
  let version: string;
  if (inCheckout) {
    const dirty = git('status', '--porcelain', '--', 'spark', projectDir).length > 0;
    version = artifactsVersion({
      packageVersion,
      commit: git('rev-parse', '--short', 'HEAD'),
      dirtyContentHash: dirty ? contentHash(files) : undefined,
    });
  } else {
    // a project outside this checkout has no commit of ours: its content names the version
    version = projectArtifactsVersion(packageVersion, contentHash(files));
  }
  return { version, commit, uploads: artifactUploads([...shipped], version), files };
}

/** Where serverless runs and what it sees: the service folder (this checkout, or a project's staged one). */
export interface ServiceRun {
  /** the framework's executable (a test passes a stand-in) */
  serverlessBin?: string;
  /** the folder holding serverless.yml (default: this checkout) */
  serviceDir?: string;
  /** the environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
}

/** Runs the framework with the same stage/region/params; its output passes through. @throws on a non-zero exit */
function serverless(run: ServiceRun, command: string, args: DeployArgs, params: string[], extra: string[] = []) {
  const argv = [command, '--stage', args.stage, '--region', args.region, ...params.flatMap((p) => ['--param', p])];
  const result = spawnSync(run.serverlessBin ?? SERVERLESS, [...argv, ...extra], {
    cwd: run.serviceDir ?? PACKAGE_ROOT,
    env: run.env ?? process.env,
    stdio: 'inherit',
  });
  if (result.status !== 0)
    throw new Error(`serverless ${command} failed (exit ${result.status ?? result.error?.message})`);
}

/** The stack name serverless gives a service (`<service>-<stage>`; serverless.yml sets no provider.stackName). */
export const stackName = (stage: string) => `lakestep-${stage}`;

/**
 * The stack's outputs as `{ name: value }`, or undefined when the stage has no stack yet.
 * @throws on any other DescribeStacks error (credentials, network): deploying as if there were no stack would
 *   point its EMR steps at artifacts not uploaded yet; and on a stack a failed first deploy left
 *   (ROLLBACK_COMPLETE), which CloudFormation cannot update
 */
async function stackOutputs(cfn: CloudFormationClient, stage: string): Promise<Record<string, string> | undefined> {
  let stack: Stack | undefined;
  try {
    [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: stackName(stage) }))).Stacks ?? [];
  } catch (error) {
    const e = error as Error;
    if (e?.name === 'ValidationError' && /does not exist/.test(e.message)) return undefined;
    throw new Error(`CloudFormation DescribeStacks ${stackName(stage)} failed: ${e.message}`);
  }
  if (!stack) return undefined;
  if (stack.StackStatus === 'ROLLBACK_COMPLETE') {
    throw new Error(
      `stack ${stackName(stage)} is ROLLBACK_COMPLETE (its first deploy failed; see its events): delete it (aws cloudformation delete-stack --stack-name ${stackName(stage)}) and deploy again`,
    );
  }
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

/** Every object of a version, the manifest last: `{ key, body }`. */
function versionObjects(artifacts: Artifacts): { key: string; body: Buffer }[] {
  const { version, uploads, files, commit } = artifacts;
  const bytesOf = new Map(files.map((f) => [f.path, f.bytes]));
  const manifest = { version, commit, files: uploads.map((u) => u.path), sha256: contentHash(files) };
  return [
    ...uploads.map((u) => ({ key: u.key, body: bytesOf.get(u.path)! })),
    { key: `spark/${version}/manifest.json`, body: Buffer.from(JSON.stringify(manifest, null, 2)) },
  ];
}

/** Writes each key once; an existing key must hold the same bytes (a version is never overwritten). */
async function upload(s3: S3Client, bucket: string, artifacts: Artifacts, log: (line: string) => void) {
  for (const { key, body } of versionObjects(artifacts)) {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
      log(`uploaded s3://${bucket}/${key}`);
    } catch (error) {
      const e = error as Error & { $metadata?: { httpStatusCode?: number } };
      if (e?.name !== 'PreconditionFailed' && e?.$metadata?.httpStatusCode !== 412) throw error;
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const existing = Buffer.from(await got.Body!.transformToByteArray());
      if (!existing.equals(body) && !key.endsWith('manifest.json')) {
        throw new Error(
          `s3://${bucket}/${key} already holds different content for version ${artifacts.version}; commit your changes to spark/ (a version is never overwritten)`,
        );
      }
      log(`kept    s3://${bucket}/${key} (already there)`);
    }
  }
}

function artifactsBucket(outputs: Record<string, string> | undefined, stage: string): string {
  const bucket = outputs?.ArtifactsBucketName;
  if (!bucket)
    throw new Error(
      `stack ${stackName(stage)} has no ArtifactsBucketName output (is it being deleted? see its status in the CloudFormation console)`,
    );
  return bucket;
}

/**
 * The whole deploy: stack lookup, upload, `serverless deploy`, outputs.
 * @param deps.clientConfig SDK client config besides the region (a test passes moto's endpoint)
 * @param deps.artifacts what to upload (default: localArtifacts() of the project in use)
 * @returns the stack outputs after the deploy, e.g. `{ ArtifactsBucketName: 'lakestep-prod-artifacts-123…', … }`
 */
export async function deploy(
  args: DeployArgs,
  deps: ServiceRun & {
    clientConfig?: S3ClientConfig;
    artifacts?: Artifacts;
    log?: (line: string) => void;
  } = {},
): Promise<Record<string, string>> {
  const { clientConfig = {}, log = (line: string) => console.error(line) } = deps;
  const artifacts = deps.artifacts ?? localArtifacts();
  const cfn = new CloudFormationClient({ ...(clientConfig as object), region: args.region });
  const s3 = new S3Client({ ...clientConfig, region: args.region });
  const withVersion = [...args.params, `artifactsVersion=${artifacts.version}`];
  log(`lakestep ${args.stage}: Spark artifacts version ${artifacts.version} (${artifacts.uploads.length} files)`);

  const before = await stackOutputs(cfn, args.stage);
  if (before) {
    await upload(s3, artifactsBucket(before, args.stage), artifacts, log);
    serverless(deps, 'deploy', args, withVersion);
  } else {
    // The schedule stays off until the code it runs is uploaded: a run in between would fail every EMR step.
    log(
      'no stack yet: deploying with the schedule disabled (creates the artifacts bucket), uploading, then deploying as given',
    );
    serverless(deps, 'deploy', args, [
      ...withVersion.filter((p) => !p.startsWith('scheduleEnabled=')),
      'scheduleEnabled=false',
    ]);
    await upload(s3, artifactsBucket(await stackOutputs(cfn, args.stage), args.stage), artifacts, log);
    serverless(deps, 'deploy', args, withVersion);
  }
  const outputs = (await stackOutputs(cfn, args.stage)) ?? {};
  log(
    `deployed: EMR steps of stage ${args.stage} run ${artifactsUri(artifactsBucket(outputs, args.stage), artifacts.version)}`,
  );
  for (const [name, value] of Object.entries(outputs)) log(`  ${name}: ${value}`);
  return outputs;
}

/**
 * The offline half of a deploy (no AWS account needed): `serverless package` into `outDir` (the
 * CloudFormation templates and one zip a Lambda), and the version's artifacts under `outDir/artifacts/`
 * at their S3 keys (`artifacts/spark/<version>/sql/<stage>.sql`, …, `manifest.json`), as the deploy would upload them.
 * @returns the version packaged
 */
export function packageService(
  args: DeployArgs,
  outDir: string,
  deps: ServiceRun & { artifacts?: Artifacts; log?: (line: string) => void } = {},
): string {
  const { log = (line: string) => console.error(line) } = deps;
  const artifacts = deps.artifacts ?? localArtifacts();
  const out = resolve(outDir);
  serverless(deps, 'package', args, [...args.params, `artifactsVersion=${artifacts.version}`], ['--package', out]);
  rmSync(join(out, 'artifacts'), { recursive: true, force: true }); // an earlier package's version is not this one's
  for (const { key, body } of versionObjects(artifacts)) {
    const file = join(out, 'artifacts', ...key.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
  log(`packaged stage ${args.stage} in ${out} (Spark artifacts version ${artifacts.version} under artifacts/)`);
  return artifacts.version;
}

if (require.main === module) {
  Promise.resolve()
    .then(() => deploy(parseArgs(process.argv.slice(2))))
    .catch((error: Error) => {
      console.error(`error: ${error.message}`);
      process.exitCode = 1;
    });
}
