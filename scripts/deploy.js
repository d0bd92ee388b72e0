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
 * The artifacts bucket is the stack's `ArtifactsBucketName` output (`serverless info`). On the first deploy
 * there is no stack yet: the service is deployed first (creating the bucket), then the code is uploaded.
 * On later deploys the code is uploaded first, so no Lambda ever points at a version that is not there.
 * Needs AWS credentials (the SDK's default chain) and the Serverless Framework v3 (a devDependency).
 * The pure parts (version, keys) are src/deploy/artifacts.ts, unit-tested.
 */
'use strict';

const { execFileSync, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

require('tsx/cjs');
const { artifactsVersion, artifactUploads, artifactsUri, contentHash, listSparkFiles } = require('../src/deploy/artifacts');

const ROOT = resolve(__dirname, '..');
const SERVERLESS = join(ROOT, 'node_modules/.bin/serverless');

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
  if (!args.stage || !/^[A-Za-z0-9-]{1,40}$/.test(args.stage)) throw new Error(`--stage is ${JSON.stringify(args.stage)}; expected a stage name like dev or prod`);
  // One region for the stack, the artifact upload and the lakestep CLI (which reads AWS_REGION):
  // serverless alone would fall back to its own default whatever AWS_REGION says.
  args.region ??= process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';
  if (args.params.some((p) => p.startsWith('artifactsVersion='))) throw new Error('--param artifactsVersion is set by this script (the version it uploads)');
  return args;
}

const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

function version(files) {
  const packageVersion = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const dirty = git('status', '--porcelain', '--', 'spark').length > 0;
  return artifactsVersion({ packageVersion, commit: git('rev-parse', '--short', 'HEAD'), dirtyContentHash: dirty ? contentHash(files) : undefined });
}

/** Runs the framework with the same stage/region/params; output passes through. @returns stdout when captured */
function serverless(command, args, { capture = false } = {}) {
  const argv = [command, '--stage', args.stage, '--region', args.region, ...args.params.flatMap((p) => ['--param', p])];
  const result = spawnSync(SERVERLESS, argv, { cwd: ROOT, stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', encoding: 'utf8' });
  if (capture) return { ok: result.status === 0, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  if (result.status !== 0) throw new Error(`serverless ${command} failed (exit ${result.status})`);
  return { ok: true, stdout: '' };
}

/**
 * The stack's ArtifactsBucketName output, or undefined when the stage is not deployed yet.
 * @throws when `serverless info` fails for another reason (credentials, network): deploying as if
 *   there were no stack would point its EMR steps at artifacts not uploaded yet
 */
function artifactsBucketOf(args) {
  const info = serverless('info', { ...args, params: [...args.params, 'artifactsVersion=info'] }, { capture: true });
  const output = `${info.stdout}\n${info.stderr}`;
  if (!info.ok) {
    if (/Stack with id \S+ does not exist/.test(output)) return undefined;
    throw new Error(`serverless info failed for stage ${args.stage} in ${args.region}:\n${output.trim()}`);
  }
  return /ArtifactsBucketName:\s*(\S+)/.exec(output)?.[1];
}

async function upload(bucket, uploads, files, ver, region) {
  const { S3Client, PutObjectCommand, GetObjectCommand } = require('@aws-sdk/client-s3');
  const s3 = new S3Client({ region });
  const bytesOf = new Map(files.map((f) => [f.path, f.bytes]));
  const manifest = { version: ver, commit: git('rev-parse', 'HEAD'), files: uploads.map((u) => u.path), sha256: contentHash(files) };
  const items = [...uploads.map((u) => ({ key: u.key, body: bytesOf.get(u.path) })), { key: `spark/${ver}/manifest.json`, body: Buffer.from(JSON.stringify(manifest, null, 2)) }];
  for (const { key, body } of items) {
    try {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, IfNoneMatch: '*' }));
      console.error(`uploaded s3://${bucket}/${key}`);
    } catch (error) {
      if (error?.name !== 'PreconditionFailed' && error?.$metadata?.httpStatusCode !== 412) throw error;
      const existing = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body.transformToByteArray());
      if (!existing.equals(body) && !key.endsWith('manifest.json')) {
        throw new Error(`s3://${bucket}/${key} already holds different content for version ${ver}; commit your changes to spark/ (a version is never overwritten)`);
      }
      console.error(`kept    s3://${bucket}/${key} (already there)`);
    }
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const sparkDir = join(ROOT, 'spark');
  const all = listSparkFiles(sparkDir);
  const files = all.map((path) => ({ path, bytes: readFileSync(join(sparkDir, path)) }));
  const ver = version(files);
  const uploads = artifactUploads(all, ver);
  const shipped = files.filter((f) => uploads.some((u) => u.path === f.path));
  const deployArgs = { ...args, params: [...args.params, `artifactsVersion=${ver}`] };
  console.error(`lakestep ${args.stage}: Spark artifacts version ${ver} (${uploads.length} files)`);

  const bucket = artifactsBucketOf(args);
  if (bucket) {
    await upload(bucket, uploads, shipped, ver, args.region);
    serverless('deploy', deployArgs);
  } else {
    console.error('no stack yet: deploying first (creates the artifacts bucket), then uploading');
    serverless('deploy', deployArgs);
    const created = artifactsBucketOf(args);
    if (!created) throw new Error('the deployed stack has no ArtifactsBucketName output');
    await upload(created, uploads, shipped, ver, args.region);
  }
  console.error(`deployed: EMR steps of stage ${args.stage} run ${artifactsUri(bucket ?? artifactsBucketOf(args), ver)}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}

module.exports = { parseArgs };
