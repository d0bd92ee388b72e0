#!/usr/bin/env node
/**
 * `npm run deploy -- --stage NAME [--region R] [--param key=value …]` (region default: AWS_REGION,
 * AWS_DEFAULT_REGION, then us-east-1 — the region the lakestep CLI looks in)
 *
 * 1. Versions spark/ as `<package version>-<git short commit>` (plus `-dirty-<hash>` for uncommitted changes).
 * 2. Uploads the stage SQL and the PySpark driver to `s3://<artifacts bucket>/spark/<version>/` — each key
 *    written once (`If-None-Match: *`): an existing object is left as it is (and must be identical), older
 *    versions are never touched, so a rerun of an old execution still finds the code it ran with.
 * 3. `serverless deploy --stage NAME --param artifactsVersion=<version>`: the Lambdas' ARTIFACTS_URI, and so
 *    every EMR step, names that exact version.
 *
 * The artifacts bucket is the stack's `ArtifactsBucketName` output, read with CloudFormation DescribeStacks
 * on stack `lakestep-<stage>` (`serverless info` prints outputs only with --verbose). On the first deploy
 * there is no stack yet: the service is deployed with its schedule disabled (creating the bucket), the code
 * is uploaded, then the service is deployed again with the parameters as given (the schedule on). On later
 * deploys the code is uploaded first, so no Lambda ever points at a version that is not there.
 * Needs AWS credentials (the SDK's default chain) and the Serverless Framework v3 (a devDependency).
 * The pure parts (version, keys) are deploy/artifacts.ts, unit-tested; the flow is tested against moto
 * with a stand-in for the `serverless` command (test/integration/aws/deploy.moto.test.ts).
 */
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

require('tsx/cjs');
const {
  artifactsVersion,
  artifactUploads,
  artifactsUri,
  contentHash,
  sparkArtifactSources,
} = require('./artifacts');
const { projectRoot } = require('../src/config/project');
const { buildJar } = require('../scripts/build-java');

const ROOT = resolve(__dirname, '..');
const SERVERLESS = join(ROOT, 'node_modules/.bin/serverless');
/** A stage name ends up in S3 bucket names (lower case only), IAM role names and the Glue database. */
const STAGE = /^[a-z0-9][a-z0-9-]{0,39}$/;

function parseArgs(argv) {
  const args = { stage: undefined, region: undefined, params: [] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--stage') args.stage = value();
    else if (flag === '--region') args.region = value();
    else if (flag === '--param') args.params.push(value());
    else throw new Error(`unknown argument ${argv[i]} (expected --stage NAME [--region R] [--param key=value …])`);
  }
  if (!args.stage || !STAGE.test(args.stage)) {
    throw new Error(
      `--stage is ${JSON.stringify(args.stage)}; expected a stage name like dev or prod (lower-case letters, digits, '-'; it becomes part of S3 bucket names)`,
    );
  }
  // One region for the stack, the artifact upload and the lakestep CLI (which reads AWS_REGION):
  // serverless alone would fall back to its own default whatever AWS_REGION says.
  args.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  if (args.params.some((p) => p.startsWith('artifactsVersion=')))
    throw new Error('--param artifactsVersion is set by this script (the version it uploads)');
  return args;
}

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** What this checkout would upload: `{ version, commit, uploads: [{ path, key }], files: [{ path, bytes }] }`. */
function localArtifacts() {
  buildJar(); // the driver's Java helper, shipped next to it (reproducible: unchanged sources give the same bytes)
  // lakestep's driver and jar, the project's stage SQL (this repository's: the Synapse example)
  const sources = sparkArtifactSources(ROOT, projectRoot());
  const all = sources.map((s) => s.path);
  const files = sources.map((s) => ({ path: s.path, bytes: readFileSync(s.file) }));
  const packageVersion = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const dirty = git('status', '--porcelain', '--', 'spark', projectRoot()).length > 0;
  const version = artifactsVersion({
    packageVersion,
    commit: git('rev-parse', '--short', 'HEAD'),
    dirtyContentHash: dirty ? contentHash(files) : undefined,
  });
  const uploads = artifactUploads(all, version);
  return {
    version,
    commit: git('rev-parse', 'HEAD'),
    uploads,
    files: files.filter((f) => uploads.some((u) => u.path === f.path)),
  };
}

/** Runs the framework with the same stage/region/params; its output passes through. @throws on a non-zero exit */
function serverless(bin, command, args, params) {
  const argv = [command, '--stage', args.stage, '--region', args.region, ...params.flatMap((p) => ['--param', p])];
  const result = spawnSync(bin, argv, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error(`serverless ${command} failed (exit ${result.status ?? result.error?.message})`);
}

/** The stack name serverless gives a service (`<service>-<stage>`; serverless.yml sets no provider.stackName). */
const stackName = (stage) => `lakestep-${stage}`;

/**
 * The stack's outputs as `{ name: value }`, or undefined when the stage has no stack yet.
 * @throws on any other DescribeStacks error (credentials, network): deploying as if there were no stack would
 *   point its EMR steps at artifacts not uploaded yet; and on a stack a failed first deploy left
 *   (ROLLBACK_COMPLETE), which CloudFormation cannot update
 */
async function stackOutputs(cfn, stage) {
  const { DescribeStacksCommand } = require('@aws-sdk/client-cloudformation');
  let stack;
  try {
    [stack] = (await cfn.send(new DescribeStacksCommand({ StackName: stackName(stage) }))).Stacks ?? [];
  } catch (error) {
    if (error?.name === 'ValidationError' && /does not exist/.test(error.message)) return undefined;
    throw new Error(`CloudFormation DescribeStacks ${stackName(stage)} failed: ${error.message}`);
  }
  if (!stack) return undefined;
  if (stack.StackStatus === 'ROLLBACK_COMPLETE') {
    throw new Error(
      `stack ${stackName(stage)} is ROLLBACK_COMPLETE (its first deploy failed; see its events): delete it (aws cloudformation delete-stack --stack-name ${stackName(stage)}) and deploy again`,
    );
  }
  return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
}

/** Writes each key once; an existing key must hold the same bytes (a version is never overwritten). */
async function upload(s3, bucket, artifacts, log) {
  const { PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
  const { version, uploads, files, commit } = artifacts;
  const bytesOf = new Map(files.map((f) => [f.path, f.bytes]));
  const manifest = { version, commit, files: uploads.map((u) => u.path), sha256: contentHash(files) };
  const items = [
    ...uploads.map((u) => ({ key: u.key, body: bytesOf.get(u.path) })),
    { key: `spark/${version}/manifest.json`, body: Buffer.from(JSON.stringify(manifest, null, 2)) },
  ];
  for (const { key, body } of items) {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
      log(`uploaded s3://${bucket}/${key}`);
    } catch (error) {
      if (error?.name !== 'PreconditionFailed' && error?.$metadata?.httpStatusCode !== 412) throw error;
      const existing = Buffer.from(
        await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToByteArray(),
      );
      if (!existing.equals(body) && !key.endsWith('manifest.json')) {
        throw new Error(
          `s3://${bucket}/${key} already holds different content for version ${version}; commit your changes to spark/ (a version is never overwritten)`,
        );
      }
      log(`kept    s3://${bucket}/${key} (already there)`);
    }
  }
}

function artifactsBucket(outputs, stage) {
  const bucket = outputs?.ArtifactsBucketName;
  if (!bucket)
    throw new Error(
      `stack ${stackName(stage)} has no ArtifactsBucketName output (is it being deleted? see its status in the CloudFormation console)`,
    );
  return bucket;
}

/**
 * The whole deploy: stack lookup, upload, `serverless deploy`, outputs.
 * @param args parseArgs' result
 * @param deps.serverlessBin the framework's executable (a test passes a stand-in)
 * @param deps.clientConfig SDK client config besides the region (a test passes moto's endpoint)
 * @param deps.artifacts what to upload (default: localArtifacts())
 * @returns the stack outputs after the deploy, e.g. `{ ArtifactsBucketName: 'lakestep-prod-artifacts-123…', … }`
 */
async function deploy(
  args,
  {
    serverlessBin = SERVERLESS,
    clientConfig = {},
    artifacts = localArtifacts(),
    log = (line) => console.error(line),
  } = {},
) {
  const { CloudFormationClient } = require('@aws-sdk/client-cloudformation');
  const { S3Client } = require('@aws-sdk/client-s3');
  const cfn = new CloudFormationClient({ ...clientConfig, region: args.region });
  const s3 = new S3Client({ ...clientConfig, region: args.region });
  const withVersion = [...args.params, `artifactsVersion=${artifacts.version}`];
  log(`lakestep ${args.stage}: Spark artifacts version ${artifacts.version} (${artifacts.uploads.length} files)`);

  const before = await stackOutputs(cfn, args.stage);
  if (before) {
    await upload(s3, artifactsBucket(before, args.stage), artifacts, log);
    serverless(serverlessBin, 'deploy', args, withVersion);
  } else {
    // The schedule stays off until the code it runs is uploaded: a run in between would fail every EMR step.
    log(
      'no stack yet: deploying with the schedule disabled (creates the artifacts bucket), uploading, then deploying as given',
    );
    serverless(serverlessBin, 'deploy', args, [
      ...withVersion.filter((p) => !p.startsWith('scheduleEnabled=')),
      'scheduleEnabled=false',
    ]);
    await upload(s3, artifactsBucket(await stackOutputs(cfn, args.stage), args.stage), artifacts, log);
    serverless(serverlessBin, 'deploy', args, withVersion);
  }
  const outputs = await stackOutputs(cfn, args.stage);
  log(
    `deployed: EMR steps of stage ${args.stage} run ${artifactsUri(artifactsBucket(outputs, args.stage), artifacts.version)}`,
  );
  for (const [name, value] of Object.entries(outputs)) log(`  ${name}: ${value}`);
  return outputs;
}

if (require.main === module) {
  deploy(parseArgs(process.argv.slice(2))).catch((error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}

module.exports = { parseArgs, deploy, localArtifacts, stackName };
