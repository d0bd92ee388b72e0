/**
 * Every AWS call the pipeline makes, evaluated against the IAM policies of the packaged template with an IAM
 * policy simulator (@cloud-copilot/iam-simulate: real condition semantics, including a condition key the
 * request does not carry).
 *
 * 1. A local run (the real state machine, handlers, DuckDB, dynalite) records, per Lambda, each port call
 *    with its arguments; RecordFailure, CommitLedger's drift alert and CheckStep's cancel of a step past its
 *    deadline, which a succeeding run does not reach, are called directly.
 * 2. Each port call is replayed on the AWS adapters (awsPorts, built from the Lambda's environment as the
 *    template sets it) against moto's server, and an SDK middleware records the commands sent.
 * 3. Each command becomes IAM requests (action, resource ARN, context keys such as s3:prefix, request and
 *    resource tags, iam:PassedToService, the KMS calls SNS makes for an encrypted topic), evaluated against
 *    the role of that Lambda; the EMR nodes' S3 calls (the driver's storage layer and EMRFS) against the
 *    instance role. Every request must be allowed, and every read that may find no object must come with
 *    plain s3:ListBucket, without which S3 answers 403 instead of 404.
 */
import { rmSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { HttpHandlerOptions } from '@smithy/types';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateCrawlerCommand } from '@aws-sdk/client-glue';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Context } from 'aws-lambda';
import { makeCleanupExecution } from '../../../functions/cleanupExecution/handler';
import { makeRecordFailure } from '../../../functions/recordFailure/handler';
import { awsClients, type AwsClients } from '../../../src/aws/clients';
import { cleanUpExecution } from '../../../src/aws/emrExecutionCleanup';
import { awsPorts } from '../../../src/aws/ports';
import { tableDefinitions } from '../../../src/aws/ledgerTables';
import type { Ports } from '../../../src/core/ports';
import type { StepSpec } from '../../../src/core/types';
import { executeStateMachine } from '../../../src/local/executeStateMachine';
import { LAMBDA_FACTORIES } from '../../../src/local/localHandlers';
import { withLocalRuntime } from '../../../src/local/localRuntime';
import { generateSample } from '../../../examples/synapse/sample/generate';
import { tmpLake } from '../../helpers/lake';
import { describeIfMoto, MOTO_SERVER, startMoto, type Moto } from '../../helpers/motoServer';
import { LAMBDA_FOLDERS } from '../../helpers/lambdaFolders';
import { packageStage, type Template } from '../../helpers/serverlessPackage';
import { ACCOUNT, REGION, TemplateResolver } from '../../helpers/templatePolicies';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const roleOf = (fn: string) => `${fn[0].toUpperCase()}${fn.slice(1)}Role`;
const lambdaOf = (fn: string) => `${fn[0].toUpperCase()}${fn.slice(1)}LambdaFunction`;

/** One port call a handler made in the local run. */
interface PortCall {
  fn: string;
  port: keyof Ports;
  method: string;
  args: unknown[];
}

/** One IAM request: what AWS authorizes for one API call (an API call may need several). */
interface IamRequest {
  principal: string; // the function, or 'emrNodes'
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** a read whose object may be absent: needs plain s3:ListBucket for S3 to answer 404 */
  mayBeMissing?: boolean;
  why: string;
}

/** Ports whose every call (clock aside) is recorded under `fn`. */
function recordingPorts(ports: Ports, fn: string, calls: PortCall[]): Ports {
  const wrap = <T extends object>(port: keyof Ports, target: T): T =>
    new Proxy(target, {
      get: (obj, method: string) => {
        const value = (obj as Record<string, unknown>)[method];
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push({ fn, port, method, args: JSON.parse(JSON.stringify(args ?? null)) });
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  const out = { ...ports };
  for (const port of Object.keys(ports) as (keyof Ports)[])
    if (port !== 'clock') (out as Record<string, unknown>)[port] = wrap(port, ports[port] as object);
  return out;
}

/**
 * moto 5.1 answers EMR's dates (CreationDateTime, …) as ISO strings, which the SDK's awsJson deserializer
 * rejects ("Expected real number"); AWS sends epoch seconds. This handler rewrites them so the EMR replies
 * deserialize and the code goes on to its next call.
 */
class EpochDatesHandler extends NodeHttpHandler {
  override async handle(request: Parameters<NodeHttpHandler['handle']>[0], options?: HttpHandlerOptions) {
    const out = await super.handle(request, options);
    const chunks: Buffer[] = [];
    for await (const chunk of out.response.body as Readable) chunks.push(Buffer.from(chunk));
    const text = Buffer.concat(chunks)
      .toString('utf8')
      .replace(
        /"(\w*Date(?:Time)?)"\s*:\s*"(\d{4}-\d\d-\d\dT[^"]+)"/g,
        (_, key: string, iso: string) => `"${key}": ${Date.parse(iso) / 1000}`,
      );
    out.response.body = Readable.from([Buffer.from(text)]);
    delete out.response.headers['content-length'];
    return out;
  }
}

/** SDK clients on moto whose middleware records each command under the current function. */
function recordingClients(
  moto: Moto,
  sink: { fn: string; commands: { fn: string; service: string; command: string; input: Json }[] },
): AwsClients {
  const overrides = {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  const base = awsClients({}, overrides);
  const emr = awsClients({}, { ...overrides, requestHandler: new EpochDatesHandler() }).emr;
  const clients: AwsClients = {
    s3: base.s3,
    glue: base.glue,
    sns: base.sns,
    sfn: base.sfn,
    dynamodb: base.dynamodb,
    eventbridge: base.eventbridge,
    emr,
  };
  type Stack = {
    add(
      middleware: (
        next: (args: Json) => Promise<Json>,
        context: { commandName?: string },
      ) => (args: Json) => Promise<Json>,
      options: Json,
    ): void;
  };
  for (const service of ['s3', 'emr', 'glue', 'sns', 'sfn', 'dynamodb', 'eventbridge'] as const) {
    (clients[service].middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        sink.commands.push({
          fn: sink.fn,
          service,
          command: String(context.commandName).replace(/Command$/, ''),
          input: JSON.parse(JSON.stringify(args.input)),
        });
        return next(args);
      },
      { step: 'initialize', name: 'iamRecorder' },
    );
  }
  return clients;
}

const DOCUMENT_COMMANDS: Record<string, string> = {
  Put: 'PutItem',
  Get: 'GetItem',
  Delete: 'DeleteItem',
  Update: 'UpdateItem',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
};

/**
 * The IAM requests of one SDK command; EMR clusters carry the `lakestep:stage` tag runTransientCluster sets.
 * @throws Error for a command with no mapping yet (a new call the code makes must be mapped, not skipped)
 */
function iamRequests(
  principal: string,
  service: string,
  command: string,
  input: Json,
  mayBeMissing: boolean,
  keyArn: string,
): IamRequest[] {
  const why = `${principal} ${service}:${command}`;
  const s3 = (action: string, bucket: string, key?: string, context: Record<string, string> = {}) => ({
    principal,
    action,
    resource: `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`,
    context,
    why,
  });
  const cluster = (id: string) => `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/${id}`;
  const clusterTags = { 'aws:ResourceTag/lakestep:stage': 'ci' };
  switch (service) {
    case 's3':
      if (command === 'GetObject' || command === 'HeadObject')
        return [{ ...s3('s3:GetObject', input.Bucket, input.Key), mayBeMissing }];
      if (command === 'PutObject') return [s3('s3:PutObject', input.Bucket, input.Key)];
      if (command === 'DeleteObject') return [s3('s3:DeleteObject', input.Bucket, input.Key)];
      if (command === 'ListObjectsV2') {
        const context: Record<string, string> = {};
        if (input.Prefix) context['s3:prefix'] = input.Prefix;
        if (input.Delimiter) context['s3:delimiter'] = input.Delimiter;
        return [s3('s3:ListBucket', input.Bucket, undefined, context)];
      }
      break;
    case 'dynamodb': {
      const action = `dynamodb:${DOCUMENT_COMMANDS[command] ?? command}`;
      const tables = input.TableName ? [input.TableName] : Object.keys(input.RequestItems ?? {});
      return tables.map((table) => ({
        principal,
        action,
        resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${table}`,
        context: {},
        why,
      }));
    }
    case 'emr':
      if (command === 'RunJobFlow') {
        const tags: { Key: string; Value: string }[] = input.Tags ?? [];
        const context = {
          ...Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value])),
          'aws:TagKeys': tags.map((t) => t.Key),
        };
        return [
          { principal, action: 'elasticmapreduce:RunJobFlow', resource: '*', context, why },
          {
            principal,
            action: 'iam:PassRole',
            resource: `arn:aws:iam::${ACCOUNT}:role/${input.ServiceRole}`,
            context: { 'iam:PassedToService': 'elasticmapreduce.amazonaws.com' },
            why: `${why} (ServiceRole)`,
          },
          // the instance profile is named as its role (serverless.yml)
          {
            principal,
            action: 'iam:PassRole',
            resource: `arn:aws:iam::${ACCOUNT}:role/${input.JobFlowRole}`,
            context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
            why: `${why} (JobFlowRole)`,
          },
        ];
      }
      if (command === 'ListClusters')
        return [{ principal, action: 'elasticmapreduce:ListClusters', resource: '*', context: {}, why }];
      if (command === 'TerminateJobFlows')
        return (input.JobFlowIds as string[]).map((id) => ({
          principal,
          action: 'elasticmapreduce:TerminateJobFlows',
          resource: cluster(id),
          context: clusterTags,
          why,
        }));
      return [
        {
          principal,
          action: `elasticmapreduce:${command}`,
          resource: cluster(input.ClusterId),
          context: clusterTags,
          why,
        },
      ];
    case 'glue':
      return [
        {
          principal,
          action: `glue:${command}`,
          resource: `arn:aws:glue:${REGION}:${ACCOUNT}:crawler/${input.Name}`,
          context: {},
          why,
        },
      ];
    case 'eventbridge':
      // PutEvents authorizes on the bus each entry names (the default bus when none)
      if (command === 'PutEvents') {
        return (input.Entries as { EventBusName?: string }[]).map((e) => ({
          principal,
          action: 'events:PutEvents',
          resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${e.EventBusName ?? 'default'}`,
          context: {},
          why,
        }));
      }
      break;
    case 'sns':
      // SNS encrypts with the publisher's rights: a KMS-encrypted topic needs the key too
      return [
        { principal, action: 'sns:Publish', resource: input.TopicArn, context: {}, why },
        { principal, action: 'kms:GenerateDataKey', resource: keyArn, context: {}, why: `${why} (encrypted topic)` },
        { principal, action: 'kms:Decrypt', resource: keyArn, context: {}, why: `${why} (encrypted topic)` },
      ];
  }
  throw new Error(`no IAM mapping for ${service}:${command}: add it here`);
}

/**
 * What the driver's export mode does on S3 (spark/jobs/lakestep_export.py) for the shipped export: read its
 * ExportSpec, list and read the table it reads, write the package and latest.json, then the ExportResult.
 */
function exportDriverRequests(executionId: string, lake: string): IamRequest[] {
  const execution = executionId.split(':').pop();
  const r = (action: string, key: string | undefined, why: string, context: Record<string, string> = {}) => ({
    principal: 'emrNodes',
    action,
    resource: `arn:aws:s3:::${lake}${key === undefined ? '' : `/${key}`}`,
    context,
    why: `export driver: ${why}`,
    mayBeMissing: false,
  });
  return [
    r('s3:GetObject', `_runs/${execution}/exports.spec.json`, 'the ExportSpec'),
    r('s3:ListBucket', undefined, 'list the table read', { 's3:prefix': 'processed/project_downloads_daily/' }),
    r('s3:GetObject', 'processed/project_downloads_daily/year=2024/month=03/day=05/part-0.parquet', 'read it'),
    r('s3:PutObject', `exports/project_downloads_28d/${execution}.json`, 'the package'),
    r('s3:PutObject', 'exports/project_downloads_28d/latest.json', 'latest.json'),
    r('s3:PutObject', `_runs/${execution}/exports.result.json`, 'the ExportResult'),
  ];
}

/**
 * What the PySpark driver's storage layer and EMRFS do on S3 for one step (spark/jobs/lakestep_lakefs.py,
 * lakestep_writer.py): read the code, list and read the raw days (and probe the Hive layout's prefix, which a
 * Firehose dataset never has), probe and write the staging folder, move files into the output days (copy +
 * delete), delete a day's old objects, write the result; logs go to the artifacts bucket.
 */
function driverRequests(spec: StepSpec, lake: string, artifactsUri: string): IamRequest[] {
  const artifacts = /^s3:\/\/([^/]+)\/(.*)$/.exec(artifactsUri)!;
  const principal = 'emrNodes';
  const r = (
    action: string,
    bucket: string,
    key: string | undefined,
    why: string,
    context: Record<string, string> = {},
    mayBeMissing = false,
  ): IamRequest => ({
    principal,
    action,
    resource: `arn:aws:s3:::${bucket}${key === undefined ? '' : `/${key}`}`,
    context,
    why: `driver: ${why}`,
    mayBeMissing,
  });
  const execution = spec.executionId.split(':').pop();
  const staging = `_staging/${execution}/${spec.groupId}/`;
  const out = `processed/${spec.dataset}/year=2024/month=03/day=05/`;
  return [
    r('s3:GetObject', artifacts[1], `${artifacts[2]}jobs/lakestep_driver.py`, 'the driver'),
    r('s3:GetObject', artifacts[1], `${artifacts[2]}${spec.stageSql.replace(/^spark\//, '')}`, 'the stage SQL'),
    r('s3:ListBucket', artifacts[1], undefined, 'EMRFS lists the code folder', { 's3:prefix': artifacts[2] }),
    r('s3:PutObject', artifacts[1], 'emr-logs/j-X/steps/s-X/stderr.gz', 'step logs'),
    ...spec.rawDays.flatMap((day) => {
      const [y, m, d] = day.split('-');
      return [
        r('s3:ListBucket', lake, undefined, 'list a raw day', { 's3:prefix': `raw/${spec.dataset}/${y}/${m}/${d}/` }),
        r('s3:GetObject', lake, `raw/${spec.dataset}/${y}/${m}/${d}/00/part-0.gz`, 'read a raw file'),
        r(
          's3:GetObject',
          lake,
          `raw/${spec.dataset}/year=${y}/month=${m}/day=${d}`,
          'exists() on the Hive layout a Firehose dataset never has',
          {},
          true,
        ),
      ];
    }),
    r('s3:GetObject', lake, staging.slice(0, -1), 'exists() on the staging folder before the write', {}, true),
    r('s3:PutObject', lake, `${staging}part-0.parquet`, 'write a staged day'),
    r('s3:GetObject', lake, `${staging}part-0.parquet`, 'rename: copy source'),
    r('s3:PutObject', lake, `${out}part-0-${execution}.parquet`, 'rename: copy target'),
    r('s3:DeleteObject', lake, `${staging}part-0.parquet`, 'rename: delete source'),
    r('s3:GetObject', lake, `${out}old.parquet`, 'read an old object of the day (may be gone)', {}, true),
    r('s3:DeleteObject', lake, `${out}old.parquet`, "remove the day's old objects"),
    r('s3:PutObject', lake, `rejected/${spec.dataset}/year=2024/month=03/day=05/part-0.parquet`, 'rejects'),
    r('s3:PutObject', lake, spec.resultKey, 'the step result'),
    r('s3:DeleteObject', lake, `${staging}part-0.parquet`, "remove the group's staging folder"),
    r('s3:ListBucket', lake, undefined, "is the execution's staging folder empty", {
      's3:prefix': `_staging/${execution}/`,
    }),
    r('s3:DeleteObject', lake, `_staging/${execution}/`, "remove the execution's staging folder marker once empty"),
  ];
}

describeIfMoto('iamSimulation.test.ts')(
  'IAM: every call the pipeline makes is allowed by the packaged policies',
  () => {
    let moto: Moto;
    let t: TemplateResolver;
    let template: Template;
    let packaged: string;
    const lake = tmpLake('iam');
    const portCalls: PortCall[] = [];
    const sink = { fn: '', commands: [] as { fn: string; service: string; command: string; input: Json }[] };
    const requests: IamRequest[] = [];

    beforeAll(async () => {
      const [pkg, started] = await Promise.all([packageStage([]), startMoto()]);
      packaged = pkg.dir;
      moto = started;
      t = new TemplateResolver(pkg.template);
      template = pkg.template;

      // 1. the local run, port calls recorded per Lambda
      await generateSample({ lakeDir: lake, days: 2, start: '2024-03-04', recordsPerHour: 20, seed: 9 });
      const factories = LAMBDA_FACTORIES as unknown as Record<string, (ports: Ports) => unknown>;
      const originals = { ...factories };
      for (const fn of Object.keys(originals))
        factories[fn] = (ports: Ports) => originals[fn](recordingPorts(ports, fn, portCalls));
      try {
        await withLocalRuntime({ lakeDir: lake, alertStream: new PassThrough() }, async (runtime) => {
          const outcome = await executeStateMachine(runtime, {}, { onEvent: () => undefined });
          expect([outcome.status, outcome.error]).toEqual(['SUCCEEDED', undefined]);
          // paths a succeeding run does not take: a failure, and CommitLedger's alert on warnings (row-count drift)
          const planKey = (portCalls.find((c) => c.fn === 'discover' && c.method === 'putJson')?.args[0] ??
            '') as string;
          const failure = makeRecordFailure(recordingPorts(runtime.ports, 'recordFailure', portCalls));
          await failure(
            {
              state: { error: { Error: 'StepFailedError', Cause: 'boom' }, plan: { planKey } },
              executionId: outcome.executionId,
            },
            {} as Context,
          );
          await recordingPorts(runtime.ports, 'commitLedger', portCalls).notifier.publish('lakestep ci: warnings', {
            drift: 'row count',
          });
          // a step past its deadline: CheckStep cancels it (the run's own steps ended well within theirs)
          await recordingPorts(runtime.ports, 'checkStep', portCalls).steps.cancel('s-late', 'local');
          // locally the cluster is not transient, so TerminateCluster calls nothing; on AWS it terminates the execution's cluster
          await recordingPorts(runtime.ports, 'terminateCluster', portCalls)
            .clusters.terminate('local')
            .catch(() => undefined);
        });
      } finally {
        Object.assign(factories, originals);
      }

      // 2. the same port calls on the AWS adapters, against moto
      const stateOf = (fn: string) =>
        t.value(t.value(pkg.template.Resources[lambdaOf(fn)].Properties.Environment.Variables)) as Record<
          string,
          string
        >;
      const env = stateOf('discover');
      const clients = recordingClients(moto, sink);
      await clients.s3.send(new CreateBucketCommand({ Bucket: env.LAKE_BUCKET }));
      for (const table of tableDefinitions({ ledger: env.LEDGER_TABLE, lock: env.LOCK_TABLE }))
        await clients.dynamodb.send(new CreateTableCommand(table));
      await clients.sns.send(new CreateTopicCommand({ Name: env.ALERTS_TOPIC_ARN.split(':').pop() }));
      for (const name of Object.values(JSON.parse(env.CRAWLER_NAMES) as Record<string, string>)) {
        await clients.glue
          .send(
            new CreateCrawlerCommand({
              Name: name,
              Role: 'crawler',
              DatabaseName: 'db',
              Targets: { S3Targets: [{ Path: `s3://${env.LAKE_BUCKET}/x` }] },
            }),
          )
          .catch(() => undefined);
      }
      sink.commands.length = 0;
      const clusterIds = new Map<string, string>();
      const stepIds = new Map<string, string>();
      const adapters = new Map(
        LAMBDA_FOLDERS.map((fn) => [fn, awsPorts({ ...stateOf(fn), AWS_REGION: REGION }, clients)]),
      );
      const stateMachinePorts = awsPorts({ ...env, AWS_REGION: REGION }, clients);
      for (const call of portCalls) {
        sink.fn = call.fn;
        const ports = adapters.get(call.fn) ?? stateMachinePorts;
        const args = [...call.args];
        if (call.port === 'steps' && call.method === 'submit')
          args[0] = { ...(args[0] as StepSpec), clusterId: clusterIds.get((args[0] as StepSpec).clusterId ?? 'local') };
        if (call.port === 'steps' && (call.method === 'describe' || call.method === 'cancel'))
          args.splice(
            0,
            2,
            stepIds.get(args[0] as string) ?? 's-MISSING',
            clusterIds.get((args[1] as string) ?? 'local'),
          );
        if (call.port === 'clusters' && call.method === 'terminate')
          args[0] = clusterIds.get(args[0] as string) ?? args[0];
        const port = ports[call.port] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
        const result = await port[call.method](...args).catch((error: Error) => ({ replayError: error.message }));
        if (call.port === 'clusters' && call.method === 'ensure' && result && 'clusterId' in (result as object))
          clusterIds.set('local', (result as { clusterId: string }).clusterId);
        if (call.port === 'steps' && call.method === 'submit') {
          const local = `${(call.args[0] as StepSpec).groupId}`;
          stepIds.set(local, (result as { stepId?: string }).stepId ?? 's-MISSING');
        }
      }

      // CleanupExecution (EventBridge, not the state machine): the execution above, as if it had been stopped
      const executionId = portCalls.find((c) => c.fn === 'acquireLock' && c.port === 'lock')!.args[0] as string;
      sink.fn = 'ensureCluster'; // the run's cluster is terminated already: one left behind by a stopped execution
      const { clusterId: leftBehind } = await adapters.get('ensureCluster')!.clusters.ensure(executionId);
      sink.fn = 'cleanupExecution';
      const cleanup = makeCleanupExecution(
        adapters.get('cleanupExecution')!,
        (id) => cleanUpExecution(clients.emr, { stage: 'ci' }, id),
        'ci',
      );
      const cleaned = await cleanup(
        { detail: { executionArn: executionId, stateMachineArn: 'sm', name: 'run', status: 'ABORTED' } },
        {} as Context,
      );
      expect(cleaned.emr).toEqual({ terminatedClusters: [leftBehind], cancelledSteps: [] });

      // 3. IAM requests: the Lambdas' from the recorded commands, the EMR nodes' from the steps submitted
      const keyArn = t.arn('AlertsKey');
      for (const c of sink.commands) {
        const readMayMiss = c.service === 's3' && c.command === 'GetObject'; // getJson: a missing key is `undefined`
        requests.push(...iamRequests(c.fn, c.service, c.command, c.input, readMayMiss, keyArn));
      }
      const launch = stateOf('launchStep');
      const submits = portCalls.filter((c) => c.port === 'steps' && c.method === 'submit');
      for (const call of submits) {
        requests.push(...driverRequests(call.args[0] as StepSpec, launch.LAKE_BUCKET, launch.ARTIFACTS_URI));
      }
      // the export phase's step (a local run computes exports at commit, so it submits none to record)
      requests.push(...exportDriverRequests((submits[0].args[0] as StepSpec).executionId, launch.LAKE_BUCKET));
    }, 400_000);

    afterAll(async () => {
      await moto?.stop();
      rmSync(lake, { recursive: true, force: true });
      if (packaged) rmSync(packaged, { recursive: true, force: true });
    });

    /** The role policies of a principal: a Lambda's own role, the EMR instance role, the state machine's. */
    const policiesOf = (principal: string) => {
      const roleId =
        principal === 'emrNodes'
          ? 'EmrInstanceRole'
          : LAMBDA_FOLDERS.includes(principal)
            ? roleOf(principal)
            : 'StateMachineRole';
      const role = t.rolePolicies(roleId)!;
      return { role, identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.policy })) };
    };

    /** The resource policy AWS evaluates with the identity policy: bucket policies (TLS only), the topic's, the key's. */
    const resourcePolicyOf = (resource: string) => {
      const doc = (id: string, key = 'PolicyDocument') => t.value(template.Resources[id].Properties[key]);
      if (resource.startsWith(`${t.arn('LakeBucket')}`)) return doc('LakeBucketPolicy');
      if (resource.startsWith(`${t.arn('ArtifactsBucket')}`)) return doc('ArtifactsBucketPolicy');
      if (resource === t.ref('AlertsTopic')) return doc('AlertsTopicPolicy');
      if (resource === t.arn('AlertsKey')) return doc('AlertsKey', 'KeyPolicy');
      return undefined;
    };

    async function decide(request: Omit<IamRequest, 'why' | 'mayBeMissing'>): Promise<string> {
      const { role, identityPolicies } = policiesOf(request.principal);
      // every client here uses HTTPS (the buckets' TlsOnly statements deny anything else)
      const contextVariables = request.action.startsWith('s3:')
        ? { ...request.context, 'aws:SecureTransport': 'true' }
        : request.context;
      const result = await runSimulation(
        {
          identityPolicies,
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          resourcePolicy: resourcePolicyOf(request.resource),
          request: {
            action: request.action,
            principal: role.principalArn,
            resource: { accountId: ACCOUNT, resource: request.resource },
            contextVariables,
          },
        },
        {},
      );
      if (result.resultType === 'error') return `error: ${JSON.stringify(result.errors)}`;
      return result.overallResult;
    }

    it('recorded the calls of every Lambda that uses AWS, the state machine and the EMR nodes', () => {
      const principals = new Set(requests.map((r) => r.principal));

      for (const fn of LAMBDA_FOLDERS.filter((f) => f !== 'validateInput'))
        expect([fn, principals.has(fn)]).toEqual([fn, true]);
      expect(principals.has('emrNodes')).toBe(true);
      expect(requests.some((r) => r.principal === 'commitLedger' && r.action === 'kms:GenerateDataKey')).toBe(true);
      expect(
        requests
          .filter((r) => r.principal === 'commitLedger' && r.action === 'events:PutEvents')
          .map((r) => r.resource),
      ).toEqual([`arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`]);
      expect(
        requests.some(
          (r) =>
            r.principal === 'emrNodes' &&
            r.action === 's3:PutObject' &&
            r.resource.endsWith('/exports/project_downloads_28d/latest.json'),
        ),
      ).toBe(true);
      // CommitLedger reads the export phase's result (may be absent: 404 needs ListBucket)
      expect(
        requests.some(
          (r) =>
            r.principal === 'commitLedger' &&
            r.action === 's3:GetObject' &&
            r.resource.endsWith('/exports.result.json'),
        ),
      ).toBe(true);
      expect(requests.some((r) => r.principal === 'ensureCluster' && r.action === 'elasticmapreduce:RunJobFlow')).toBe(
        true,
      );
      expect(requests.some((r) => r.principal === 'checkStep' && r.action === 'elasticmapreduce:CancelSteps')).toBe(
        true,
      );
    });

    it('allows every call, each by the role of the Lambda (or EMR node) that makes it', async () => {
      const denied: string[] = [];
      const seen = new Set<string>();
      for (const request of requests) {
        const id = JSON.stringify([request.principal, request.action, request.resource, request.context]);
        if (seen.has(id)) continue;
        seen.add(id);
        const decision = await decide(request);
        if (decision !== 'Allowed')
          denied.push(
            `${decision}: ${request.why} → ${request.action} ${request.resource} ${JSON.stringify(request.context)}`,
          );
      }

      expect(denied).toEqual([]);
    });

    it('gives plain s3:ListBucket (no s3:prefix in the request) to every role that reads an object that may be absent: 404, not 403', async () => {
      const without: string[] = [];
      for (const principal of new Set(requests.filter((r) => r.mayBeMissing).map((r) => r.principal))) {
        const bucket = requests
          .find((r) => r.principal === principal && r.mayBeMissing)!
          .resource.replace(/^arn:aws:s3:::([^/]+)\/.*$/, '$1');
        const decision = await decide({
          principal,
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${bucket}`,
          context: {},
        });
        if (decision !== 'Allowed') without.push(`${principal} on ${bucket}: ${decision}`);
      }

      expect(without).toEqual([]);
    });

    it("lets EMR's service role pass the stack's instance role to EC2, and nothing else", async () => {
      const role = t.rolePolicies('EmrServiceRole')!;
      const decision = async (resource: string, service: string) => {
        const result = await runSimulation(
          {
            identityPolicies: role.policies,
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            request: {
              action: 'iam:PassRole',
              principal: role.principalArn,
              resource: { accountId: ACCOUNT, resource },
              contextVariables: { 'iam:PassedToService': service },
            },
          },
          {},
        );
        return result.resultType === 'error' ? 'error' : result.overallResult;
      };

      expect(await decision(t.arn('EmrInstanceRole'), 'ec2.amazonaws.com')).toBe('Allowed');
      expect(await decision(t.arn('EmrInstanceRole'), 'lambda.amazonaws.com')).toBe('ImplicitlyDenied');
      expect(await decision(`arn:aws:iam::${ACCOUNT}:role/other`, 'ec2.amazonaws.com')).toBe('ImplicitlyDenied');
    });

    it('is a real test: a prefix-conditioned ListBucket is denied for a GET without s3:prefix (the simulator evaluates absent keys)', async () => {
      const result = await runSimulation(
        {
          identityPolicies: [
            {
              name: 'p',
              policy: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Effect: 'Allow',
                    Action: 's3:ListBucket',
                    Resource: 'arn:aws:s3:::b',
                    Condition: { StringLike: { 's3:prefix': ['_runs/*'] } },
                  },
                ],
              },
            },
          ],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: {
            action: 's3:ListBucket',
            principal: `arn:aws:iam::${ACCOUNT}:role/r`,
            resource: { accountId: ACCOUNT, resource: 'arn:aws:s3:::b' },
            contextVariables: {},
          },
        },
        {},
      );

      expect(result.resultType !== 'error' && result.overallResult).toBe('ImplicitlyDenied');
      expect(MOTO_SERVER).toContain('moto_server');
    });
  },
);
