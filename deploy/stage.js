/**
 * Values serverless.yml derives from the project's lakestep.config.yml and the stage, so a dataset added to the config
 * gets its crawlers, and every Lambda its own hand-written role, without editing serverless.yml.
 * Resolved by the Serverless Framework (v3) through `${file(./deploy/stage.js):<name>}`; pure (no AWS calls).
 *
 * Naming (the CLI and deploy/deploy.ts rely on it; see README "Deploy"):
 *   state machine  lakestep-<stage>-pipeline      tables  lakestep-<stage>-ledger / -lock (src/aws/ledgerTables.ts)
 *   crawlers       lakestep-<stage>-<table>        Glue database  lakestep_<stage> (non [a-z0-9_] → _)
 */
'use strict';

const { existsSync } = require('node:fs');
const { join } = require('node:path');

require('tsx/cjs'); // the config loader and naming rules are TypeScript: one source of truth
const { CONFIG_FILE, useProject } = require('../src/config/project');
// The project whose tables get crawlers and roles is the one the Lambdas will load: a config beside
// serverless.yml (a project's service staged by deploy/projectService.ts; serverless runs in that folder),
// else the bundled Synapse example (this checkout: `npm run deploy`).
if (existsSync(join(process.cwd(), CONFIG_FILE))) useProject(process.cwd());
const { loadConfig, processedPrefix, rejectedPrefix, rejectedTable } = require('../src/config/config');
const { EMR_RELEASE } = require('../src/config/emrRelease');
const { partitionColumns, partitionPath, REJECTED_PARTITION_LAYOUT } = require('../src/core/partitionLayout');

/** The stage and the two parameters that pick a mode, resolved here (values a file resolver returns are not re-resolved). */
async function stageParams(resolveVariable) {
  return {
    stage: await resolveVariable('sls:stage'),
    lakeBucketName: await resolveVariable('param:lakeBucketName'),
    emrClusterId: await resolveVariable('param:emrClusterId'),
  };
}

/** @returns `lakestep_<stage>`, e.g. `lakestep_prod` (Glue/Athena names: lower case, digits, `_`); the snapshot command uses the same rule */
const { glueDatabaseName } = require('../src/aws/glueSnapshotCatalog');

/**
 * One crawler per processed table and one per rejected table: `{ table, prefix, crawler, tablePrefix, layout }`.
 * The crawler takes the partition keys from the Hive folder names the table's partitionLayout writes
 * (core/partitionLayout.ts: `year=/month=/day=` or `record_date=`) and types them as strings.
 */
function crawlerSpecs(stage) {
  const config = loadConfig();
  const processed = (t) => ({
    table: t.table,
    prefix: processedPrefix(t),
    crawler: `lakestep-${stage}-${t.table}`,
    tablePrefix: undefined,
    layout: t.partitionLayout,
  });
  return [
    ...Object.values(config.datasets).flatMap((ds) => [
      processed(ds),
      // The crawler names a table after its S3 folder (`access_records` for both prefixes): a table prefix keeps them apart.
      {
        table: rejectedTable(ds),
        prefix: rejectedPrefix(ds),
        crawler: `lakestep-${stage}-${rejectedTable(ds)}`,
        tablePrefix: 'rejected_',
        layout: REJECTED_PARTITION_LAYOUT,
      },
    ]),
    ...Object.values(config.aggregates).map(processed),
  ];
}

const arn = (service, resource) => ({
  'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
});
/** The lake bucket's name: the created one, or the existing one named by the `lakeBucketName` parameter. */
const lakeBucket = (p) => ({ 'Fn::If': ['CreateLakeBucket', { Ref: 'LakeBucket' }, p.lakeBucketName] });
const ledgerTable = { 'Fn::GetAtt': ['LedgerTable', 'Arn'] };
const lockTable = { 'Fn::GetAtt': ['LockTable', 'Arn'] };
const onlyIf = (condition, statement) => ({ 'Fn::If': [condition, statement, { Ref: 'AWS::NoValue' }] });

/**
 * GetObject of the execution's own files, with plain ListBucket on the lake: S3 answers a GET of a missing key
 * with 404 (getJson → undefined) only to a caller allowed ListBucket, and a grant under an `s3:prefix`
 * condition does not count (a GET carries no s3:prefix, so the condition is false): the caller would get 403.
 */
const runFilesRead = (lakeArn) => [
  { Effect: 'Allow', Action: ['s3:GetObject'], Resource: lakeArn('/_runs/*') },
  { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: lakeArn('') },
];
const runFilesWrite = (lakeArn) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: lakeArn('/_runs/*') }];
/** The run report: `_reports/<execution>.json|.html` and the newest-report pointer. */
const reportsWrite = (lakeArn) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: lakeArn('/_reports/*') }];
/** the metric packages (exports/<name>/<execution>.json and latest.json) */
const exportsWrite = (lakeArn) => [{ Effect: 'Allow', Action: ['s3:PutObject'], Resource: lakeArn('/exports/*') }];
/** the completion event (source lakestep, detail-type Run Completed) on the account's default bus */
const putCompletionEvent = [
  { Effect: 'Allow', Action: ['events:PutEvents'], Resource: arn('events', 'event-bus/default') },
];
/** Publishing to the KMS-encrypted alerts topic needs the key too (SNS encrypts with the publisher's rights). */
const publishAlerts = [
  { Effect: 'Allow', Action: ['sns:Publish'], Resource: { Ref: 'AlertsTopic' } },
  {
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
    Resource: { 'Fn::GetAtt': ['AlertsKey', 'Arn'] },
  },
];

/**
 * EMR step actions: on the stage's existing cluster, or (transient mode) on any cluster of this account that
 * carries this stage's tag, which runTransientCluster sets. The cluster id of a transient cluster is not
 * known at deploy time, hence `cluster/*` narrowed by the tag.
 */
const emrOnClusters = (actions, p) => ({
  'Fn::If': [
    'UseExistingCluster',
    { Effect: 'Allow', Action: actions, Resource: arn('elasticmapreduce', `cluster/${p.emrClusterId}`) },
    {
      Effect: 'Allow',
      Action: actions,
      Resource: arn('elasticmapreduce', 'cluster/*'),
      Condition: { StringEquals: { 'aws:ResourceTag/lakestep:stage': p.stage } },
    },
  ],
});

/** What each Lambda of functions/ may do, besides writing its own logs. Keep in step with src/aws/ adapters. */
function lambdaStatements(p) {
  const { stage } = p;
  const lakeArn = (suffix) => ({
    'Fn::Join': ['', [{ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::' }, lakeBucket(p), suffix]],
  });
  const datasets = Object.values(loadConfig().datasets);
  const crawlers = crawlerSpecs(stage).map((c) => arn('glue', `crawler/${c.crawler}`));
  return {
    validateInput: [],
    acquireLock: [
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: lockTable },
      { Effect: 'Allow', Action: ['dynamodb:PutItem'], Resource: ledgerTable }, // the execution record (RUNNING)
    ],
    releaseLock: [{ Effect: 'Allow', Action: ['dynamodb:DeleteItem'], Resource: lockTable }],
    discover: [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: lakeArn(''),
        Condition: { StringLike: { 's3:prefix': datasets.map((ds) => `${ds.raw.prefix}*`) } },
      },
      ...runFilesWrite(lakeArn), // the plan
      { Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:GetItem'], Resource: ledgerTable },
    ],
    ensureCluster: [
      // RunJobFlow has no resource-level permission (AWS: no resource type for it): Resource "*", narrowed to
      // requests that tag the cluster with this stage, the tag every other EMR statement of the stage requires.
      onlyIf('CreateTransientCluster', {
        Effect: 'Allow',
        Action: ['elasticmapreduce:RunJobFlow'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestTag/lakestep:stage': stage } },
      }),
      onlyIf('CreateTransientCluster', {
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [{ 'Fn::GetAtt': ['EmrServiceRole', 'Arn'] }, { 'Fn::GetAtt': ['EmrInstanceRole', 'Arn'] }],
        Condition: { StringEquals: { 'iam:PassedToService': ['elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com'] } },
      }),
      // RunJobFlow carries an AutoTerminationPolicy; should EMR authorize attaching it as its own action (the
      // service authorization reference lists no dependent action, which no offline test can confirm), this
      // grants it, on the stage's clusters only.
      onlyIf('CreateTransientCluster', {
        Effect: 'Allow',
        Action: ['elasticmapreduce:PutAutoTerminationPolicy'],
        Resource: arn('elasticmapreduce', 'cluster/*'),
        Condition: { StringEquals: { 'aws:ResourceTag/lakestep:stage': stage } },
      }),
    ],
    // LaunchStep writes the result of a group it skips because an input day failed
    launchStep: [
      ...runFilesRead(lakeArn),
      ...runFilesWrite(lakeArn),
      emrOnClusters(['elasticmapreduce:AddJobFlowSteps'], p),
    ],
    // CheckStep writes the result of a step that failed without one (its days, with the step's error), cancels
    // a step past its deadline, and renews the execution's lock (a conditional put; the read tells who holds it
    // when the put is refused)
    checkStep: [
      ...runFilesRead(lakeArn),
      ...runFilesWrite(lakeArn),
      emrOnClusters(['elasticmapreduce:DescribeStep', 'elasticmapreduce:CancelSteps'], p),
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: lockTable },
    ],
    terminateCluster: [
      onlyIf('CreateTransientCluster', {
        Effect: 'Allow',
        Action: ['elasticmapreduce:TerminateJobFlows'],
        Resource: arn('elasticmapreduce', 'cluster/*'),
        Condition: { StringEquals: { 'aws:ResourceTag/lakestep:stage': stage } },
      }),
    ],
    startCrawler: [{ Effect: 'Allow', Action: ['glue:StartCrawler'], Resource: crawlers }],
    checkCrawler: [{ Effect: 'Allow', Action: ['glue:GetCrawler'], Resource: crawlers }],
    // CommitLedger also reads the output days' history (row-count drift), alerts on warnings, writes the
    // exports, sends the completion event and rewrites the lake page
    commitLedger: [
      ...runFilesRead(lakeArn),
      ...runFilesWrite(lakeArn),
      ...reportsWrite(lakeArn),
      ...exportsWrite(lakeArn),
      ...putCompletionEvent,
      {
        Effect: 'Allow',
        Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        Resource: ledgerTable,
      },
      ...publishAlerts,
    ],
    // RecordFailure also rewrites the lake page: it reads the ledger's days and executions (Query) and lists _reports/
    recordFailure: [
      ...runFilesRead(lakeArn),
      ...reportsWrite(lakeArn),
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:Query'], Resource: ledgerTable },
    ],
    // EventBridge, on an execution that ended FAILED/TIMED_OUT/ABORTED: release its lock, stop its EMR work, alert
    cleanupExecution: [
      { Effect: 'Allow', Action: ['dynamodb:DeleteItem'], Resource: lockTable },
      { Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: ledgerTable },
      ...publishAlerts,
      // ListClusters has no resource-level permission (AWS: no resource type for it)
      onlyIf('CreateTransientCluster', { Effect: 'Allow', Action: ['elasticmapreduce:ListClusters'], Resource: '*' }),
      onlyIf('CreateTransientCluster', {
        Effect: 'Allow',
        Action: ['elasticmapreduce:DescribeCluster', 'elasticmapreduce:TerminateJobFlows'],
        Resource: arn('elasticmapreduce', 'cluster/*'),
        Condition: { StringEquals: { 'aws:ResourceTag/lakestep:stage': stage } },
      }),
      onlyIf('UseExistingCluster', {
        Effect: 'Allow',
        Action: ['elasticmapreduce:ListSteps', 'elasticmapreduce:CancelSteps'],
        Resource: arn('elasticmapreduce', `cluster/${p.emrClusterId}`),
      }),
    ],
  };
}

const logicalId = (fn) => `${fn[0].toUpperCase()}${fn.slice(1)}Role`;

/** One IAM role per Lambda: its statements plus its own log group (serverless creates the group). */
function lambdaRoles(p) {
  const { stage } = p;
  const resources = {};
  for (const [fn, statements] of Object.entries(lambdaStatements(p))) {
    const functionName = `lakestep-${stage}-${fn}`;
    resources[logicalId(fn)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: `${functionName}`.slice(0, 64),
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: fn,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: arn('logs', `log-group:/aws/lambda/${functionName}:*`),
                },
                ...statements,
              ],
            },
          },
        ],
      },
    };
  }
  return resources;
}

/**
 * What a crawler must not read as data (Glue exclude patterns, relative to the target path): Spark's
 * `_SUCCESS` markers and `_temporary/` attempt folders, the `<name>_$folder$` objects the S3 console and
 * older EMRFS write for folders, and hidden files (`.x.crc`, `.journal`). Either would become a table,
 * a partition or a schema column of its own.
 */
const CRAWLER_EXCLUSIONS = ['**/_SUCCESS', '**/_temporary/**', '**/*_$folder$', '**/.*'];

/** Glue crawlers: S3 targets on the processed (and rejected) prefixes, new folders only, schema changes logged. */
function crawlers(p) {
  const resources = {};
  for (const spec of crawlerSpecs(p.stage)) {
    const id = `Crawler${spec.table.replace(/(^|_)([a-z0-9])/g, (_, __, c) => c.toUpperCase())}`;
    resources[id] = {
      Type: 'AWS::Glue::Crawler',
      Properties: {
        Name: spec.crawler,
        // what the table's folders look like, for whoever reads the console (the crawler infers the keys from them)
        Description: `lakestep ${spec.table}: day folders ${spec.prefix}${partitionPath('2024-03-05', spec.layout)}/, partition keys ${partitionColumns(spec.layout).join(', ')} (string)`,
        Role: { 'Fn::GetAtt': ['CrawlerRole', 'Arn'] },
        DatabaseName: { Ref: 'GlueDatabase' },
        ...(spec.tablePrefix ? { TablePrefix: spec.tablePrefix } : {}),
        Targets: {
          S3Targets: [
            { Path: { 'Fn::Join': ['', ['s3://', lakeBucket(p), `/${spec.prefix}`]] }, Exclusions: CRAWLER_EXCLUSIONS },
          ],
        },
        // Only new day folders are crawled: a run adds partitions, and a full recrawl bills for the whole table.
        RecrawlPolicy: { RecrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
        // CRAWL_NEW_FOLDERS_ONLY requires LOG/LOG; it is also what we want: a schema change never drops a table.
        SchemaChangePolicy: { UpdateBehavior: 'LOG', DeleteBehavior: 'LOG' },
        Configuration: JSON.stringify({ Version: 1.0, Grouping: { TableLevelConfiguration: 3 } }),
      },
    };
  }
  return resources;
}

module.exports = {
  /** the EMR release a transient cluster starts unless the stage sets `emrReleaseLabel` (src/config/emrRelease.ts) */
  emrReleaseLabel: () => EMR_RELEASE.label,
  glueDatabase: async ({ resolveVariable }) => glueDatabaseName(await resolveVariable('sls:stage')),
  /** JSON `{ "<table>": "<crawler>" }`: the CRAWLER_NAMES the Lambdas read (src/aws/ports.ts). */
  crawlerNames: async ({ resolveVariable }) => {
    const stage = await resolveVariable('sls:stage');
    return JSON.stringify(Object.fromEntries(crawlerSpecs(stage).map((c) => [c.table, c.crawler])));
  },
  /** The crawlers' ARNs (the crawler role's glue:GetCrawler etc. need none; the Lambdas' roles build their own). */
  crawlerArns: async ({ resolveVariable }) =>
    crawlerSpecs(await resolveVariable('sls:stage')).map((c) => arn('glue', `crawler/${c.crawler}`)),
  /** The per-Lambda roles and the crawlers. */
  resources: async ({ resolveVariable }) => {
    const p = await stageParams(resolveVariable);
    return { Resources: { ...lambdaRoles(p), ...crawlers(p) } };
  },
  // for tests
  CRAWLER_EXCLUSIONS,
  glueDatabaseName,
  crawlerSpecs,
  lambdaStatements,
};
