#!/usr/bin/env node
/**
 * A stand-in for the `serverless` command in the deploy-flow test (test/integration/aws/deploy.moto.test.ts):
 * `deploy --stage S --region R --param k=v …` creates or updates stack `lakestep-<S>` on moto's CloudFormation
 * with the outputs the real service has (ArtifactsBucketName, ArtifactsUri) plus ScheduleEnabled, and
 * appends one JSON line per call to $STANDIN_LOG: the arguments, the folder it ran in, whether the stack existed, and whether the
 * artifacts of the version it is asked to deploy were already in the bucket (upload-before-deploy).
 * Env: STANDIN_ENDPOINT (moto), STANDIN_LOG (a file path).
 */
'use strict';

const { appendFileSync } = require('node:fs');
const {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} = require('@aws-sdk/client-cloudformation');
const { HeadObjectCommand, S3Client } = require('@aws-sdk/client-s3');

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  const opts = { params: {} };
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === '--param') {
      const [k, v] = rest[i + 1].split(/=(.*)/s, 2);
      opts.params[k] = v;
    } else opts[rest[i].replace(/^--/, '')] = rest[i + 1];
  }
  const config = {
    region: opts.region,
    endpoint: process.env.STANDIN_ENDPOINT,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    forcePathStyle: true,
  };
  const cfn = new CloudFormationClient(config);
  const s3 = new S3Client(config);
  const StackName = `lakestep-${opts.stage}`;
  const stack = await cfn.send(new DescribeStacksCommand({ StackName })).then(
    (r) => r.Stacks[0],
    () => undefined,
  );
  const bucket = stack?.Outputs?.find((o) => o.OutputKey === 'ArtifactsBucketName')?.OutputValue;
  const version = opts.params.artifactsVersion;
  const uploaded = bucket
    ? await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `spark/${version}/manifest.json` })).then(
        () => true,
        () => false,
      )
    : false;
  appendFileSync(
    process.env.STANDIN_LOG,
    `${JSON.stringify({ command, ...opts, cwd: process.cwd(), stackExisted: Boolean(stack), artifactsUploaded: uploaded })}\n`,
  );
  if (command !== 'deploy') throw new Error(`stand-in serverless: unexpected command ${command}`);

  const name = `lakestep-${opts.stage}-artifacts-123456789012`;
  const TemplateBody = JSON.stringify({
    Resources: {
      ArtifactsBucket: {
        Type: 'AWS::S3::Bucket',
        Properties: { BucketName: name, VersioningConfiguration: { Status: 'Enabled' } },
      },
    },
    Outputs: {
      ArtifactsBucketName: { Value: { Ref: 'ArtifactsBucket' } },
      ArtifactsUri: { Value: `s3://${name}/spark/${version}/` },
      ScheduleEnabled: { Value: String(opts.params.scheduleEnabled ?? 'true') },
    },
  });
  await cfn.send(
    stack ? new UpdateStackCommand({ StackName, TemplateBody }) : new CreateStackCommand({ StackName, TemplateBody }),
  );
}

main().catch((error) => {
  console.error(`stand-in serverless: ${error.message}`);
  process.exit(1);
});
