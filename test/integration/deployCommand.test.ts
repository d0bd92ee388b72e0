/**
 * `lakestep deploy --package-only` for real: a project made by `lakestep init`, packaged through the CLI
 * with Serverless Framework v3 (offline, no AWS credentials), then the CloudFormation template and the
 * artifacts it wrote are read: the stack is lakestep's, the tables are THAT project's (the starter's
 * `events`, none of the Synapse example's), and its stage SQL is what EMR and the Lambdas get.
 * The Synapse example's own deploy (`npm run deploy`, from this checkout) is serverlessPackage.test.ts's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, PACKAGE_ROOT, rejectedTable } from '../../src/config/config';
import { initProject } from '../../src/cli/initCommand';
import { LAMBDA_FOLDERS } from '../helpers/lambdaFolders';
import { offlineEnv, run, type Template } from '../helpers/serverlessPackage';

const LAKESTEP = join(PACKAGE_ROOT, 'bin', 'lakestep.js');
const SUBNET = 'emrSubnetId=subnet-0123456789abcdef0'; // transient EMR mode needs one (serverlessHardening.js)

describe('lakestep deploy --package-only', () => {
  let dir: string;
  let project: string;
  let out: string;
  let template: Template;
  let printed: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakestep-deploy-cmd-'));
    project = initProject(join(dir, 'demo'));
    out = join(dir, 'out');

    const { stderr } = await run(
      process.execPath,
      [LAKESTEP, 'deploy', '--stage', 'test', '--package-only', '--out', out, '--param', SUBNET],
      { cwd: project, env: offlineEnv(dir), timeout: 170_000, maxBuffer: 16 * 1024 * 1024 },
    );
    printed = stderr;
    template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const resourcesOf = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

  it("creates one Glue crawler per table of the project's config, and none of the Synapse example's", () => {
    const config = loadConfig(join(project, 'lakestep.config.yml'));
    const tables = Object.values(config.datasets).flatMap((ds) => [ds.table, rejectedTable(ds)]);

    const crawlers = resourcesOf('AWS::Glue::Crawler')
      .map((r) => r.Properties.Name)
      .sort();

    expect(tables).toEqual(['events', 'rejected_events']); // the starter's one dataset
    expect(crawlers).toEqual(tables.map((t) => `lakestep-test-${t}`).sort());
    const synapse = Object.keys(loadConfig().datasets);
    expect(synapse).toContain('access_records');
    for (const table of synapse) expect(JSON.stringify(template)).not.toContain(`lakestep-test-${table}`);
  });

  it("gives the Lambdas the project's crawlers and lets Discover list only the project's raw prefix", () => {
    const discover = template.Resources.DiscoverLambdaFunction.Properties;
    const role = template.Resources.DiscoverRole.Properties.Policies[0].PolicyDocument.Statement;

    expect(JSON.parse(discover.Environment.Variables.CRAWLER_NAMES)).toEqual({
      events: 'lakestep-test-events',
      rejected_events: 'lakestep-test-rejected_events',
    });
    const list = role.find((s: { Action: string[] }) => s.Action.includes('s3:ListBucket') && 'Condition' in s);
    expect(list.Condition.StringLike['s3:prefix']).toEqual(['raw/events/*']);
  });

  it("is lakestep's stack: every Lambda, the state machine, the ledger tables", () => {
    expect(resourcesOf('AWS::Lambda::Function')).toHaveLength(LAMBDA_FOLDERS.length);
    expect(resourcesOf('AWS::StepFunctions::StateMachine').map((r) => r.Properties.StateMachineName)).toEqual([
      'lakestep-test-pipeline',
    ]);
    expect(resourcesOf('AWS::DynamoDB::Table')).toHaveLength(2);
  });

  it("packages the project's config and stage SQL beside each Lambda, where the Lambdas look first", () => {
    const zip = readFileSync(join(out, 'discover.zip')).toString('latin1'); // the central directory names the files

    expect(zip).toContain('lakestep.config.yml');
    expect(zip).toContain('spark/sql/events.sql');
    expect(zip).not.toContain('examples/synapse');
  });

  it("writes the Spark artifacts the deploy would upload: lakestep's driver and jar, the project's stage SQL", () => {
    const [version] = readdirSync(join(out, 'artifacts', 'spark'));
    const artifacts = join(out, 'artifacts', 'spark', version);
    const manifest = JSON.parse(readFileSync(join(artifacts, 'manifest.json'), 'utf8'));

    expect(version).toMatch(/^\d+\.\d+\.\d+-c[0-9a-f]{12}$/); // named by content: the project is not lakestep's checkout
    expect(readFileSync(join(artifacts, 'sql', 'events.sql'), 'utf8')).toBe(
      readFileSync(join(project, 'spark', 'sql', 'events.sql'), 'utf8'),
    );
    expect(manifest.files.filter((f: string) => f.startsWith('sql/'))).toEqual(['sql/events.sql']);
    expect(manifest.files).toEqual(expect.arrayContaining(['jobs/lakestep_driver.py', 'jars/lakestep-spark.jar']));
    // the Lambdas point EMR at the same version
    expect(JSON.stringify(template.Resources.LaunchStepLambdaFunction.Properties.Environment)).toContain(
      `/spark/${version}/`,
    );
    expect(printed).toContain(`packaged stage test in ${out}`);
  });

  it('leaves nothing in the project but what it was asked to write', () => {
    expect(readdirSync(project).sort()).toEqual(['.gitignore', 'README.md', 'lakestep.config.yml', 'spark']);
    expect(existsSync(join(project, '.serverless'))).toBe(false);
  });
});
