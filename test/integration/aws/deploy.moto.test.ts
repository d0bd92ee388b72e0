/**
 * deploy/deploy.ts end to end against moto's server: stack lookup (CloudFormation DescribeStacks), artifact
 * upload by version, `serverless deploy`, outputs. The `serverless` command is a stand-in
 * (test/helpers/standInServerless.js) that creates or updates the stack on moto and logs how it was called.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { deploy, localArtifacts, type Artifacts } from '../../../deploy/deploy';
import { removeService, stageProjectService } from '../../../deploy/projectService';
import { initProject } from '../../../src/cli/initCommand';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';

const STAND_IN = resolve(__dirname, '../../helpers/standInServerless.js');

describeIfMoto('deploy.moto.test.ts')('deploy/deploy.ts against moto', () => {
  let moto: Moto;
  let dir: string;
  let bin: string;
  let log: string;
  const lines: string[] = [];
  const calls = () =>
    readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const deps = (artifacts: Artifacts) => ({
    serverlessBin: bin,
    clientConfig: {
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      forcePathStyle: true,
      maxAttempts: 1,
    },
    artifacts,
    log: (line: string) => lines.push(line),
  });
  const keysIn = async (bucket: string) =>
    ((await moto.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'spark/' }))).Contents ?? [])
      .map((o) => o.Key)
      .sort();

  beforeAll(async () => {
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), 'lakestep-deploy-'));
    log = join(dir, 'calls.jsonl');
    bin = join(dir, 'serverless');
    writeFileSync(
      bin,
      `#!/bin/sh\nNODE_NO_WARNINGS=1 STANDIN_ENDPOINT='${moto.endpoint}' STANDIN_LOG='${log}' exec node '${STAND_IN}' "$@"\n`,
      { mode: 0o755 },
    );
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => writeFileSync(log, ''));

  const base = localArtifacts();
  const args = { stage: 'flow', region: 'us-east-1', params: ['alertEmail=ops@example.org'] };

  it('first deploy: stack with the schedule off, then the code, then the stack as asked; outputs from DescribeStacks', async () => {
    const outputs = await deploy(args, deps(base));

    const [first, second] = calls();
    expect(calls()).toHaveLength(2);
    expect(first).toMatchObject({ command: 'deploy', stage: 'flow', region: 'us-east-1', stackExisted: false });
    expect(first.params).toEqual({
      alertEmail: 'ops@example.org',
      artifactsVersion: base.version,
      scheduleEnabled: 'false',
    });
    expect(second).toMatchObject({ stackExisted: true, artifactsUploaded: true });
    expect(second.params).toEqual({ alertEmail: 'ops@example.org', artifactsVersion: base.version });
    expect(outputs.ArtifactsBucketName).toBe('lakestep-flow-artifacts-123456789012');
    expect(outputs.ScheduleEnabled).toBe('true');
    expect(await keysIn(outputs.ArtifactsBucketName)).toEqual(
      [...base.uploads.map((u) => u.key), `spark/${base.version}/manifest.json`].sort(),
    );
    expect(lines.join('\n')).toContain(`run s3://lakestep-flow-artifacts-123456789012/spark/${base.version}/`);
  }, 60_000);

  it("a project's deploy: serverless runs in the project's service folder, the project's stage SQL is uploaded", async () => {
    const project = initProject(join(dir, 'demo'));
    const serviceDir = stageProjectService(project);
    const artifacts = localArtifacts(project);
    const projectArgs = { stage: 'demo', region: 'us-east-1', params: [] };

    try {
      const outputs = await deploy(projectArgs, { ...deps(artifacts), serviceDir });

      expect(calls().map((c) => c.cwd)).toEqual([serviceDir, serviceDir]);
      const keys = await keysIn(outputs.ArtifactsBucketName);
      expect(keys.filter((k) => k?.includes('/sql/'))).toEqual([`spark/${artifacts.version}/sql/events.sql`]);
      expect(keys).toContain(`spark/${artifacts.version}/jobs/lakestep_driver.py`);
    } finally {
      removeService(serviceDir);
    }
  }, 60_000);

  it('redeploy of a new version: uploads it before deploying, keeps the old one', async () => {
    const next = { ...base, version: `${base.version}-next` };
    next.uploads = base.uploads.map((u) => ({
      ...u,
      key: u.key.replace(`spark/${base.version}/`, `spark/${next.version}/`),
    }));

    const outputs = await deploy(args, deps(next));

    expect(calls()).toEqual([
      expect.objectContaining({
        stackExisted: true,
        artifactsUploaded: true,
        params: { alertEmail: 'ops@example.org', artifactsVersion: next.version },
      }),
    ]);
    const keys = await keysIn(outputs.ArtifactsBucketName);
    expect(keys).toContain(`spark/${base.version}/manifest.json`);
    expect(keys).toContain(`spark/${next.version}/jobs/lakestep_driver.py`);
  }, 60_000);

  it('refuses to overwrite a version with other content, before deploying anything', async () => {
    const changed = {
      ...base,
      files: base.files.map((f) =>
        f.path === 'jobs/lakestep_driver.py' ? { ...f, bytes: Buffer.from('# changed\n') } : f,
      ),
    };

    await expect(deploy(args, deps(changed))).rejects.toThrow(/already holds different content/);
    expect(calls()).toEqual([]);
  }, 60_000);

  it('stops before deploying when the stack cannot be looked up (not: "no stack yet")', async () => {
    const unreachable = {
      ...deps(base),
      clientConfig: {
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      },
    };

    await expect(deploy(args, unreachable)).rejects.toThrow(/DescribeStacks lakestep-flow failed/);
    expect(calls()).toEqual([]);
  }, 60_000);
});
