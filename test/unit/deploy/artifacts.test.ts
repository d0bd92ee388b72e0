import { EMRClient } from '@aws-sdk/client-emr';
import { EmrStepRunner } from '../../../src/aws/emrStepRunner';
import { loadConfig, PACKAGE_ROOT, projectRoot } from '../../../src/config/config';
import { DRIVER_MODULES, sparkSubmitArgs } from '../../../src/core/sparkSubmitArgs';
import { stepSpec } from '../../helpers/stepSpec';
import {
  artifactsUri,
  artifactsVersion,
  artifactUploads,
  contentHash,
  sparkArtifactSources,
  projectArtifactsVersion,
} from '../../../deploy/artifacts';
import { parseArgs } from '../../../deploy/deploy';

describe('artifactsVersion', () => {
  it('is the package version and the git short commit', () => {
    expect(artifactsVersion({ packageVersion: '0.1.0', commit: 'ab12cd3' })).toBe('0.1.0-ab12cd3');
  });

  it('marks uncommitted changes with a content hash, so two dirty trees never share a version', () => {
    const a = artifactsVersion({
      packageVersion: '0.1.0',
      commit: 'ab12cd3',
      dirtyContentHash: contentHash([{ path: 'sql/x.sql', bytes: Buffer.from('a') }]),
    });
    const b = artifactsVersion({
      packageVersion: '0.1.0',
      commit: 'ab12cd3',
      dirtyContentHash: contentHash([{ path: 'sql/x.sql', bytes: Buffer.from('b') }]),
    });

    expect(a).toMatch(/^0\.1\.0-ab12cd3-dirty-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });

  it('refuses a commit that is not a hex hash', () => {
    expect(() => artifactsVersion({ packageVersion: '0.1.0', commit: 'HEAD' })).toThrow(/not a hex commit hash/);
  });
});

describe('projectArtifactsVersion', () => {
  it("names a project's artifacts by their content: same content, same version; other content, another", () => {
    const hashOf = (sql: string) => contentHash([{ path: 'sql/events.sql', bytes: Buffer.from(sql) }]);

    const a = projectArtifactsVersion('0.1.0', hashOf('SELECT 1'));

    expect(a).toMatch(/^0\.1\.0-c[0-9a-f]{12}$/);
    expect(projectArtifactsVersion('0.1.0', hashOf('SELECT 1'))).toBe(a);
    expect(projectArtifactsVersion('0.1.0', hashOf('SELECT 2'))).not.toBe(a);
    expect(() => projectArtifactsVersion('0.1.0', 'not-a-hash')).toThrow(/not a sha256 hex digest/);
  });
});

describe('artifactUploads', () => {
  it('ships the stage SQL, the driver modules and its jar under spark/<version>/, and nothing else', () => {
    const uploads = artifactUploads(
      [
        'sql/access_records.sql',
        'jobs/lakestep_driver.py',
        'jobs/lakestep_cli.py',
        'jars/lakestep-spark.jar',
        'java/src/main/java/lakestep/SplitRaw.java',
        'tests/test_cli.py',
        'jobs/__pycache__/x.pyc',
        'requirements.txt',
      ],
      '0.1.0-ab12cd3',
    );

    expect(uploads).toEqual([
      { path: 'jars/lakestep-spark.jar', key: 'spark/0.1.0-ab12cd3/jars/lakestep-spark.jar' },
      { path: 'jobs/lakestep_cli.py', key: 'spark/0.1.0-ab12cd3/jobs/lakestep_cli.py' },
      { path: 'jobs/lakestep_driver.py', key: 'spark/0.1.0-ab12cd3/jobs/lakestep_driver.py' },
      { path: 'sql/access_records.sql', key: 'spark/0.1.0-ab12cd3/sql/access_records.sql' },
    ]);
  });

  it('refuses a tree without the driver', () => {
    expect(() => artifactUploads(['sql/access_records.sql'], '0.1.0-ab12cd3')).toThrow(
      /lakestep_driver\.py is missing/,
    );
  });

  it('refuses a tree whose jar was not built', () => {
    expect(() => artifactUploads(['sql/access_records.sql', 'jobs/lakestep_driver.py'], '0.1.0-ab12cd3')).toThrow(
      /lakestep-spark\.jar is missing: build it with npm run build:java/,
    );
  });

  it("uploads, from lakestep's spark/ folder and the project's stage SQL, every key an EMR step of that version reads", () => {
    const version = '0.1.0-ab12cd3';
    const keys = new Set(
      artifactUploads(
        sparkArtifactSources(PACKAGE_ROOT, projectRoot()).map((s) => s.path),
        version,
      ).map((u) => `s3://art/${u.key}`),
    );
    const runner = new EmrStepRunner(new EMRClient({ region: 'us-east-1' }), {
      clusterId: 'j-1',
      artifactsUri: artifactsUri('art', version),
      lakeRoot: 's3://lake/',
      config: loadConfig(),
    });

    expect(keys).toContain(runner.driverUri());
    for (const ds of Object.values(loadConfig().datasets)) expect(keys).toContain(runner.sqlUri(ds.stage));
    for (const module of DRIVER_MODULES)
      expect(keys).toContain(runner.driverUri().replace('lakestep_driver.py', module));
    const args = sparkSubmitArgs({
      spec: stepSpec({ days: ['2024-03-05'] }),
      lakeRoot: 's3://lake/',
      sqlUri: 's3://x/y.sql',
      driverUri: runner.driverUri(),
      config: loadConfig(),
    });
    expect(keys).toContain(args[args.indexOf('--jars') + 1]);
  });
});

describe('deploy/deploy.ts parseArgs', () => {
  const withEnv = (env: Record<string, string | undefined>, fn: () => void) => {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    try {
      fn();
    } finally {
      for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    }
  };

  it('deploys to --region, else the region the CLI looks in (AWS_REGION, AWS_DEFAULT_REGION), else us-east-1', () => {
    withEnv({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' }, () => {
      expect(parseArgs(['--stage', 'prod', '--region', 'ap-south-1']).region).toBe('ap-south-1');
      expect(parseArgs(['--stage', 'prod']).region).toBe('eu-west-1');
    });
    withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: 'eu-central-1' }, () =>
      expect(parseArgs(['--stage=prod']).region).toBe('eu-central-1'),
    );
    withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined }, () =>
      expect(parseArgs(['--stage', 'prod']).region).toBe('us-east-1'),
    );
  });

  it('refuses a stage name S3 would refuse in the bucket names (upper case, underscore) before anything is deployed', () => {
    for (const stage of ['Prod', 'my_stage', '-dev', ''])
      expect(() => parseArgs(['--stage', stage])).toThrow(/lower-case letters/);
    expect(parseArgs(['--stage', 'prod-2']).stage).toBe('prod-2');
  });
});
