/**
 * `serverless package --stage ci` for real (Framework v3, serverless-step-functions, serverless-esbuild),
 * offline and without AWS credentials, then the CloudFormation template it writes is checked for what no
 * deploy can be run here to prove: every Lambda wired, the schedule and the alerts, the tables, the
 * crawlers, the EMR permissions of both modes, and no wildcard in IAM beyond a short list with reasons.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import aslValidator from 'asl-validator';
import { LOCK_TTL_ATTRIBUTE, ledgerTableNames, tableDefinitions } from '../../src/aws/ledgerTables';
import { EMR_RELEASE } from '../../src/config/emrRelease';
import { loadConfig, PACKAGE_ROOT, processedPrefix, rejectedPrefix, rejectedTable } from '../../src/config/config';
import { partitionColumns } from '../../src/core/partitionLayout';
import { taskStates, type AslDefinition, type AslState } from '../../src/pipeline/stateMachineFile';
import { LAMBDA_FOLDERS } from '../helpers/lambdaFolders';
import { packageStage, run, type Template } from '../helpers/serverlessPackage';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const lambdaLogicalId = (fn: string) => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;

/** Both branches of every Fn::If that holds statements, so a mode's statements are checked whichever applies. */
function flattenStatements(statements: Json): Json[] {
  const list = Array.isArray(statements) ? statements : [statements];
  return list.flatMap((s: Json) =>
    s && s['Fn::If'] ? flattenStatements(s['Fn::If'].slice(1)) : s && s.Ref === 'AWS::NoValue' ? [] : [s],
  );
}

interface Located {
  where: string;
  statement: Json;
}

/** Every statement of every policy in the template: role policies, bucket, topic and key policies. */
function allStatements(t: Template): Located[] {
  const found: Located[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    const docs: [string, Json][] = [];
    if (r.Type === 'AWS::IAM::Role')
      for (const p of r.Properties.Policies ?? []) docs.push([`${id}/${p.PolicyName}`, p.PolicyDocument]);
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push([id, r.Properties.PolicyDocument]);
    if (r.Type === 'AWS::S3::BucketPolicy' || r.Type === 'AWS::SNS::TopicPolicy')
      docs.push([id, r.Properties.PolicyDocument]);
    if (r.Type === 'AWS::KMS::Key') docs.push([id, r.Properties.KeyPolicy]);
    for (const [where, doc] of docs)
      for (const statement of flattenStatements(doc.Statement)) found.push({ where, statement });
  }
  return found;
}

const actionsOf = (s: Json): string[] => [s.Action ?? []].flat();
const resourcesOf = (s: Json): Json[] => [s.Resource ?? []].flat();
const statementsOfRole = (t: Template, roleId: string) =>
  allStatements(t)
    .filter((l) => l.where.startsWith(`${roleId}/`))
    .map((l) => l.statement);
const grants = (t: Template, roleId: string, action: string) =>
  statementsOfRole(t, roleId).filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action));

/**
 * Where `Resource: "*"` is allowed, and why (AWS offers no resource-level permission there).
 * Keyed by `<resource>/<policy>` and action.
 */
const RESOURCE_STAR_ALLOWED: Record<string, { actions: string[]; reason: string }> = {
  'EnsureClusterRole/ensureCluster': {
    actions: ['elasticmapreduce:RunJobFlow'],
    reason: 'RunJobFlow has no resource type; narrowed by the aws:RequestTag/lakestep:stage condition',
  },
  'CleanupExecutionRole/cleanupExecution': {
    actions: ['elasticmapreduce:ListClusters'],
    reason:
      'ListClusters has no resource type; the clusters it finds are then described and terminated only with the stage tag',
  },
  AlertsKey: {
    actions: ['*'],
    reason: 'in a KMS key policy, Resource "*" means the key itself (AWS requires that form)',
  },
};
/** AWS-managed policies attached, and why. */
const MANAGED_POLICIES_ALLOWED: Record<string, string> = {
  AmazonEMRServicePolicy_v2:
    "EMR's own service role policy, itself scoped by the for-use-with-amazon-emr-managed-policies tag",
};

/** The packaged definition with serverless-step-functions' `${…}` placeholders replaced by dummy ARNs. */
function resolvedDefinition(t: Template): { definition: AslDefinition; functionRefs: string[]; otherRefs: string[] } {
  const [machineId] = ofType(t, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
  const [text, vars] = t.Resources[machineId].Properties.DefinitionString['Fn::Sub'] as [string, Record<string, Json>];
  const functionRefs: string[] = [];
  const otherRefs: string[] = [];
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (value['Fn::GetAtt']) {
      functionRefs.push(value['Fn::GetAtt'][0]);
      values[name] = `arn:aws:lambda:us-east-1:123456789012:function:${value['Fn::GetAtt'][0]}`;
    } else if (typeof value['Fn::Sub'] === 'string') {
      values[name] = value['Fn::Sub'].replace(/\$\{AWS::Partition\}/g, 'aws'); // a service integration's ARN
    } else {
      otherRefs.push(value.Ref);
      values[name] = `arn:aws:sns:us-east-1:123456789012:${value.Ref}`;
    }
  }
  const definition = JSON.parse(
    text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => values[name] ?? whole),
  ) as AslDefinition;
  return { definition, functionRefs, otherRefs };
}

describe('serverless package --stage ci', () => {
  let dir: string;
  let t: Template;

  beforeAll(async () => {
    ({ dir, template: t } = await packageStage([]));
  }, 180_000);
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  describe('the state machine', () => {
    it('references every Lambda of functions/, and each exists on nodejs22.x', () => {
      const { functionRefs } = resolvedDefinition(t);

      expect(new Set(functionRefs)).toEqual(
        new Set(LAMBDA_FOLDERS.filter((fn) => fn !== 'cleanupExecution').map(lambdaLogicalId)),
      );
      for (const fn of LAMBDA_FOLDERS) {
        const lambda = t.Resources[lambdaLogicalId(fn)];
        expect(lambda.Type).toBe('AWS::Lambda::Function');
        expect(lambda.Properties.Runtime).toBe('nodejs22.x');
        expect(lambda.Properties.Handler).toBe(`functions/${fn}/handler.handler`);
      }
    });

    it('passes asl-validator with the placeholders resolved, and publishes alerts to the alerts topic', () => {
      const { definition, otherRefs } = resolvedDefinition(t);
      const { isValid, errorsText } = aslValidator(definition as never);

      expect(errorsText('\n')).toBe('');
      expect(isValid).toBe(true);
      expect(otherRefs).toEqual(['AlertsTopic']);
    });

    it("gives each Lambda a timeout below its Tasks' TimeoutSeconds", () => {
      const { definition, functionRefs } = resolvedDefinition(t);
      const late: string[] = [];
      for (const [state, task] of Object.entries(taskStates(definition))) {
        const fnId = functionRefs.find((id) => task.Resource?.endsWith(`:function:${id}`));
        if (fnId && !(t.Resources[fnId].Properties.Timeout < (task.TimeoutSeconds as number)))
          late.push(`${state} (${fnId})`);
      }

      expect(late).toEqual([]);
    });

    it('lets ContinueRun start this state machine and no other', () => {
      const { definition } = resolvedDefinition(t);
      const [machineId] = ofType(t, 'AWS::StepFunctions::StateMachine').map(([id]) => id);
      const statements = t.Resources.StateMachineRole.Properties.Policies.flatMap(
        (p: Json) => p.PolicyDocument.Statement,
      ) as Json[];

      expect(definition.States.ContinueRun.Resource).toBe('arn:aws:states:::states:startExecution');
      expect(statements.filter((st) => JSON.stringify(st.Action).includes('states:'))).toEqual([
        {
          Sid: 'ContinueRun',
          Effect: 'Allow',
          Action: 'states:StartExecution',
          Resource: {
            'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${t.Resources[machineId].Properties.StateMachineName}`,
          },
        },
      ]);
    });

    it('feeds the Map the stage step concurrency, which a transient cluster also gets', () => {
      const { definition } = resolvedDefinition(t);
      const env = (fn: string) => t.Resources[lambdaLogicalId(fn)].Properties.Environment.Variables;

      const phases = definition.States.TransformPhases as AslState & {
        ItemSelector: Record<string, string>;
        ItemProcessor: { States: Record<string, AslState> };
      };
      expect(phases.ItemSelector['stepConcurrency.$']).toBe('$.plan.stepConcurrency');
      expect(phases.ItemProcessor.States.TransformDays.MaxConcurrencyPath).toBe('$.stepConcurrency');
      expect(env('discover').STEP_CONCURRENCY).toBe('2');
      expect(env('ensureCluster').STEP_CONCURRENCY).toBe('2');
      expect(env('launchStep').ARTIFACTS_URI).toEqual({
        'Fn::Join': ['', ['s3://', { Ref: 'ArtifactsBucket' }, '/spark/0.0.0-ci/']],
      });
    });
  });

  describe('schedule and notifications', () => {
    it('schedules incremental runs with input {} (disabled on the ci stage)', () => {
      const rules = ofType(t, 'AWS::Events::Rule').filter(([, r]) => r.Properties.ScheduleExpression);

      expect(rules).toHaveLength(1);
      const [, rule] = rules[0];
      expect(rule.Properties.ScheduleExpression).toBe('rate(1 hour)');
      expect(rule.Properties.State).toBe('DISABLED');
      expect(rule.Properties.Targets[0].Input).toBe('{}');
    });

    it("sends this state machine's FAILED, TIMED_OUT and ABORTED executions to cleanupExecution (lock, EMR, one alert)", () => {
      const rules = ofType(t, 'AWS::Events::Rule').filter(
        ([, r]) => r.Properties.EventPattern?.['detail-type']?.[0] === 'Step Functions Execution Status Change',
      );
      const [, rule] = rules[0];

      expect(rules).toHaveLength(1);
      expect(rule.Properties.EventPattern.detail.status.sort()).toEqual(['ABORTED', 'FAILED', 'TIMED_OUT']);
      expect(JSON.stringify(rule.Properties.EventPattern.detail.stateMachineArn)).toContain(
        ':stateMachine:lakestep-ci-pipeline',
      );
      expect(rule.Properties.Targets.map((x: Json) => x.Arn)).toEqual([
        { 'Fn::GetAtt': ['CleanupExecutionLambdaFunction', 'Arn'] },
      ]);
    });

    it('encrypts the alerts topic with its own KMS key, and gives the topic exactly one policy', () => {
      const topic = t.Resources.AlertsTopic;
      const policies = ofType(t, 'AWS::SNS::TopicPolicy');

      expect(topic.Properties.KmsMasterKeyId).toEqual({ Ref: 'AlertsKey' });
      expect(t.Resources.AlertsKey.Properties.EnableKeyRotation).toBe(true);
      expect(policies.map(([id]) => id)).toEqual(['AlertsTopicPolicy']);
      expect(t.Resources.AlertsEmailSubscription.Condition).toBe('HasAlertEmail');
    });
  });

  describe('storage and catalog', () => {
    it('creates the ledger and lock tables on demand, with PITR, SSE, the shared key schema and TTL on the lock', () => {
      const names = ledgerTableNames('ci');
      const [expected] = tableDefinitions(names);
      const tables: Record<string, Json> = Object.fromEntries(
        ofType(t, 'AWS::DynamoDB::Table').map(([, r]) => [r.Properties.TableName, r.Properties]),
      );

      expect(Object.keys(tables).sort()).toEqual([names.ledger, names.lock].sort());
      for (const p of Object.values(tables)) {
        expect(p.BillingMode).toBe('PAY_PER_REQUEST');
        expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(p.SSESpecification).toEqual({ SSEEnabled: true });
        expect(p.KeySchema).toEqual(expected.KeySchema);
        expect(p.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
      }
      expect(tables[names.lock].TimeToLiveSpecification).toEqual({ AttributeName: LOCK_TTL_ATTRIBUTE, Enabled: true });
    });

    it('creates a crawler per processed and per rejected table: new folders only, schema changes logged', () => {
      const config = loadConfig();
      const crawlers = Object.fromEntries(
        ofType(t, 'AWS::Glue::Crawler').map(([, r]) => [r.Properties.Name, r.Properties]),
      );
      const names = JSON.parse(
        t.Resources.StartCrawlerLambdaFunction.Properties.Environment.Variables.CRAWLER_NAMES,
      ) as Record<string, string>;
      const expected = [
        ...Object.values(config.datasets).flatMap((ds) => [
          { table: ds.table, prefix: processedPrefix(ds), keys: partitionColumns(ds.partitionLayout) },
          { table: rejectedTable(ds), prefix: rejectedPrefix(ds), keys: ['year', 'month', 'day'] },
        ]),
        ...Object.values(config.aggregates).map((agg) => ({
          table: agg.table,
          prefix: processedPrefix(agg),
          keys: partitionColumns(agg.partitionLayout),
        })),
      ];

      expect(Object.keys(crawlers)).toHaveLength(expected.length);
      for (const { table, prefix, keys } of expected) {
        const crawler = crawlers[names[table]];
        expect(crawler).toBeDefined();
        expect(JSON.stringify(crawler.Targets.S3Targets)).toContain(`/${prefix}`);
        expect(crawler.RecrawlPolicy).toEqual({ RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' });
        expect(crawler.SchemaChangePolicy).toEqual({ UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' });
        expect(crawler.DatabaseName).toEqual({ Ref: 'GlueDatabase' });
        expect(crawler.Description).toContain(`partition keys ${keys.join(', ')} (string)`);
      }
    });

    it('creates the lake bucket (unless one is given) encrypted, private and TLS-only', () => {
      const bucket = t.Resources.LakeBucket;
      const policy = t.Resources.LakeBucketPolicy.Properties.PolicyDocument.Statement;

      expect(bucket.Condition).toBe('CreateLakeBucket');
      expect(t.Conditions.CreateLakeBucket).toEqual({ 'Fn::Equals': ['', ''] });
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault
          .SSEAlgorithm,
      ).toBe('AES256');
      expect(Object.values(bucket.Properties.PublicAccessBlockConfiguration)).toEqual([true, true, true, true]);
      expect(policy).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('packages each Lambda small, with the config and stage SQL it reads, and no local-only package', () => {
      const out = join(dir, 'out');
      for (const fn of LAMBDA_FOLDERS) {
        const zip = readFileSync(join(out, `${fn}.zip`));
        const names = zip.toString('latin1');
        expect(zip.length).toBeLessThan(1_000_000);
        expect(names).toContain(`functions/${fn}/handler.js`);
        expect(names).toContain('examples/synapse/lakestep.config.yml');
        expect(names).toContain('examples/synapse/spark/sql/access_records.sql');
        expect(names).not.toContain('node_modules/');
      }
    });
  });

  describe('lifecycle, partition and release', () => {
    it('versions the lake bucket and expires its noncurrent versions (lakeNoncurrentDays, default 30)', () => {
      const bucket = t.Resources.LakeBucket.Properties;
      const rule = bucket.LifecycleConfiguration.Rules.find((r: Json) => r.NoncurrentVersionExpiration);

      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(Number(rule.NoncurrentVersionExpiration.NoncurrentDays)).toBe(30);
      expect(rule).toMatchObject({ Status: 'Enabled', ExpiredObjectDeleteMarker: true });
      expect(rule.Prefix ?? rule.Filter).toBeUndefined(); // the whole bucket
    });

    it('expires the artifacts bucket noncurrent versions too (expired logs and results leave them behind)', () => {
      const bucket = t.Resources.ArtifactsBucket.Properties;
      const rules = bucket.LifecycleConfiguration.Rules as Json[];
      const noncurrent = rules.filter((r) => r.NoncurrentVersionExpiration);

      expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(noncurrent).toHaveLength(1);
      expect(noncurrent[0].Prefix ?? noncurrent[0].Filter).toBeUndefined();
      expect(noncurrent[0].NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
      expect(
        rules
          .map((r) => r.Prefix)
          .filter(Boolean)
          .sort(),
      ).toEqual(['athena-results/', 'emr-logs/']);
    });

    it('excludes Spark markers, temporary folders, $folder$ objects and hidden files from every crawler', () => {
      const crawlers = ofType(t, 'AWS::Glue::Crawler');

      expect(crawlers.length).toBeGreaterThan(0);
      for (const [, crawler] of crawlers) {
        for (const target of crawler.Properties.Targets.S3Targets) {
          expect(target.Exclusions).toEqual(['**/_SUCCESS', '**/_temporary/**', '**/*_$folder$', '**/.*']);
        }
      }
    });

    it('names no ARN with a fixed partition anywhere in the template (the state machine definition included)', () => {
      const text = JSON.stringify(t);

      expect(text.match(/arn:aws[a-z-]*:[^"]{0,60}/g) ?? []).toEqual([]);
    });

    it('starts the EMR release that spark/requirements.txt pins pyspark for', () => {
      const env = t.Resources.EnsureClusterLambdaFunction.Properties.Environment.Variables;
      const pin = /^pyspark==(\S+)$/m.exec(readFileSync(resolve(PACKAGE_ROOT, 'spark/requirements.txt'), 'utf8'))?.[1];

      expect(env.EMR_RELEASE_LABEL).toBe(EMR_RELEASE.label);
      expect(pin).toBe(EMR_RELEASE.spark);
    });
  });

  describe('EMR permissions', () => {
    it('transient mode: RunJobFlow tagged with the stage, PassRole of the two EMR roles only to EMR/EC2, TerminateJobFlows on tagged clusters', () => {
      const [run] = grants(t, 'EnsureClusterRole', 'elasticmapreduce:RunJobFlow');
      const [pass] = grants(t, 'EnsureClusterRole', 'iam:PassRole');
      const [terminate] = grants(t, 'TerminateClusterRole', 'elasticmapreduce:TerminateJobFlows');

      expect(run.Condition).toEqual({ StringEquals: { 'aws:RequestTag/lakestep:stage': 'ci' } });
      expect(pass.Resource).toEqual([
        { 'Fn::GetAtt': ['EmrServiceRole', 'Arn'] },
        { 'Fn::GetAtt': ['EmrInstanceRole', 'Arn'] },
      ]);
      expect(pass.Condition.StringEquals['iam:PassedToService']).toContain('elasticmapreduce.amazonaws.com');
      expect(terminate.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/lakestep:stage': 'ci' } });
      for (const id of ['EmrServiceRole', 'EmrInstanceRole', 'EmrInstanceProfile'])
        expect(t.Resources[id].Condition).toBe('CreateTransientCluster');
    });

    it("transient mode: EMR's service role may pass the stack's instance role to EC2 (the managed policy passes only EMR_EC2_DefaultRole)", () => {
      const [pass] = grants(t, 'EmrServiceRole', 'iam:PassRole');

      expect(pass.Resource).toEqual({ 'Fn::GetAtt': ['EmrInstanceRole', 'Arn'] });
      expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
      expect(t.Resources.EnsureClusterLambdaFunction.Properties.Environment.Variables.EMR_SUBNET_ID).toBe(
        'subnet-0123456789abcdef0',
      );
    });

    it('transient mode without emrSubnetId: packaging fails, naming the parameter and the tag the subnet needs', async () => {
      // a stage without a section in serverless.yml: emrSubnetId keeps its empty default
      const failure = await packageStage(['--param', 'artifactsVersion=0.0.0-test'], 'nosubnet').then(
        () => undefined,
        (error: { stdout: string; stderr: string }) => `${error.stdout}${error.stderr}`,
      );

      expect(failure).toMatch(/needs --param emrSubnetId=subnet-.*for-use-with-amazon-emr-managed-policies=true/s);
    }, 180_000);

    it('both modes: AddJobFlowSteps, DescribeStep and CancelSteps (a step past its deadline) on the existing cluster, or on clusters tagged with the stage', () => {
      for (const [role, action] of [
        ['LaunchStepRole', 'elasticmapreduce:AddJobFlowSteps'],
        ['CheckStepRole', 'elasticmapreduce:DescribeStep'],
        ['CheckStepRole', 'elasticmapreduce:CancelSteps'],
      ]) {
        const statements = grants(t, role, action);
        const resources = statements.map((s) => JSON.stringify(s.Resource));

        expect(statements).toHaveLength(2); // the two branches of Fn::If UseExistingCluster
        expect(resources.some((r) => r.includes(':cluster/*'))).toBe(true);
        expect(statements.find((s) => JSON.stringify(s.Resource).includes(':cluster/*')).Condition).toEqual({
          StringEquals: { 'aws:ResourceTag/lakestep:stage': 'ci' },
        });
      }
    });

    it('lets the step Lambdas write results under _runs/ only (LaunchStep for a skipped group, CheckStep for a failed step)', () => {
      for (const role of ['LaunchStepRole', 'CheckStepRole']) {
        const writes = grants(t, role, 's3:PutObject');

        expect(writes).toHaveLength(1);
        expect(JSON.stringify(writes[0].Resource)).toMatch(/\/_runs\/\*"/);
      }
    });

    it('existing-cluster mode names the cluster itself', async () => {
      const existing = await packageStage([
        '--param',
        'emrClusterId=j-EXISTING123',
        '--param',
        'lakeBucketName=team-lake',
      ]);
      try {
        const [ownCluster] = grants(existing.template, 'LaunchStepRole', 'elasticmapreduce:AddJobFlowSteps').filter(
          (s) => !s.Condition,
        );
        const env = existing.template.Resources.LaunchStepLambdaFunction.Properties.Environment.Variables;

        expect(JSON.stringify(ownCluster.Resource)).toContain(':cluster/j-EXISTING123');
        expect(env.EMR_CLUSTER_ID).toBe('j-EXISTING123');
        expect(existing.template.Conditions.CreateLakeBucket).toEqual({ 'Fn::Equals': ['team-lake', ''] });
      } finally {
        rmSync(existing.dir, { recursive: true, force: true });
      }
    }, 180_000);
  });

  describe('cfn-lint', () => {
    const CFN_LINT = resolve(PACKAGE_ROOT, '.venv/bin/cfn-lint');
    (existsSync(CFN_LINT) ? it : it.skip)(
      'finds no error in the packaged template (warnings about the ci stage constants allowed)',
      async () => {
        const template = join(dir, 'out', 'cloudformation-template-update-stack.json');
        // exit status is a bit mask: 2 errors, 4 warnings, 8 informational
        const { code, stdout } = await run(CFN_LINT, ['--format', 'parseable', template]).then(
          (r) => ({ code: 0, stdout: r.stdout }),
          (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
        );

        expect(stdout.split('\n').filter((line) => /:E\d{4}:/.test(line))).toEqual([]);
        expect(code & 2).toBe(0);
      },
      120_000,
    );
  });

  describe('IAM wildcards', () => {
    it('has no "*" or "service:*" action in any Allow', () => {
      const offending = allStatements(t)
        .filter(({ statement }) => statement.Effect === 'Allow')
        .flatMap(({ where, statement }) =>
          actionsOf(statement)
            .filter((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a))
            .map((a) => `${where}: ${a}`),
        );

      expect(offending).toEqual([]);
    });

    it('uses Resource "*" only where AWS has no resource-level permission (allow-list with reasons)', () => {
      const offending = allStatements(t)
        .filter(({ statement }) => statement.Effect === 'Allow' && resourcesOf(statement).includes('*'))
        .filter(({ where, statement }) => {
          const allowed = RESOURCE_STAR_ALLOWED[where];
          return (
            !allowed ||
            !(allowed.actions.includes('*') || actionsOf(statement).every((a) => allowed.actions.includes(a)))
          );
        })
        .map(({ where, statement }) => `${where}: ${actionsOf(statement).join(',')}`);

      expect(offending).toEqual([]);
    });

    it('conditions every Deny (where s3:* is fine: a Deny narrows, it never grants)', () => {
      const denies = allStatements(t).filter(({ statement }) => statement.Effect === 'Deny');

      for (const { statement } of denies) expect(statement.Condition).toBeDefined();
    });

    it('attaches only the allowed AWS-managed policies', () => {
      const attached = ofType(t, 'AWS::IAM::Role').flatMap(([, r]) =>
        (r.Properties.ManagedPolicyArns ?? []).map((a: Json) => JSON.stringify(a)),
      );

      for (const arn of attached)
        expect(Object.keys(MANAGED_POLICIES_ALLOWED).some((name) => arn.endsWith(`/${name}"}`))).toBe(true);
    });

    it('gives every Lambda its own role, with its own log group only', () => {
      for (const fn of LAMBDA_FOLDERS) {
        const role = t.Resources[lambdaLogicalId(fn)].Properties.Role;
        const roleId = role['Fn::GetAtt'][0];
        const logs = grants(t, roleId, 'logs:PutLogEvents');

        expect(roleId).toBe(`${fn[0].toUpperCase()}${fn.slice(1)}Role`);
        expect(JSON.stringify(logs.map((s) => s.Resource))).toContain(`/aws/lambda/lakestep-ci-${fn}:*`);
      }
    });
  });
});
