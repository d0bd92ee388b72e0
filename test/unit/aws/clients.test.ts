import { Readable } from 'node:stream';
import { GlueClient } from '@aws-sdk/client-glue';
import { awsClients, DEFAULT_MAX_ATTEMPTS, type ClientOverrides } from '../../../src/aws/clients';
import { GlueCrawler } from '../../../src/aws/glueCrawler';

// aws-sdk-client-mock replaces `send`, which skips the retry middleware; to see the configured retry
// act, these tests swap only the HTTP layer underneath it and script the service's answers.
interface ScriptedResponse {
  statusCode: number;
  body: string;
}
function scriptedHandler(responses: ScriptedResponse[]) {
  const calls: string[] = [];
  const handler = {
    metadata: { handlerProtocol: 'http/1.1' },
    handle: async (request: { headers: Record<string, string> }) => {
      calls.push(request.headers['x-amz-target'] ?? '');
      const next = responses.length > 1 ? responses.shift()! : responses[0];
      const errorType = next.statusCode >= 400 ? (JSON.parse(next.body) as { __type: string }).__type : undefined;
      return {
        response: {
          statusCode: next.statusCode,
          reason: '',
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
          },
          body: Readable.from([Buffer.from(next.body)]),
        },
      };
    },
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
    destroy: () => undefined,
  };
  return { handler: handler as unknown as ClientOverrides['requestHandler'], calls };
}
const throttled: ScriptedResponse = {
  statusCode: 400,
  body: '{"__type":"ThrottlingException","message":"Rate exceeded"}',
};
const ready: ScriptedResponse = {
  statusCode: 200,
  body: '{"Crawler":{"Name":"c","State":"READY","LastCrawl":{"Status":"SUCCEEDED"}}}',
};
// retryDelayMs: 0 keeps the retry decisions and attempts but not the seconds of real back-off.
const base = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, retryDelayMs: 0 };

describe('awsClients', () => {
  it('builds nothing and throws nothing for an empty environment, and reuses each client', () => {
    const clients = awsClients({});

    expect(clients.s3).toBe(clients.s3);
    expect(clients.glue).toBeInstanceOf(GlueClient);
  });

  it('configures every client with adaptive retry and the default attempts', async () => {
    const clients = awsClients({ AWS_REGION: 'eu-west-1' });

    for (const client of [clients.s3, clients.emr, clients.glue, clients.sns, clients.sfn, clients.dynamodb]) {
      const strategy = (await client.config.retryStrategy()) as { mode?: string };
      expect(strategy.mode).toBe('adaptive');
      expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
      expect(await client.config.region()).toBe('eu-west-1');
    }
  });

  it('takes AWS_MAX_ATTEMPTS from the environment', async () => {
    expect(await awsClients({ AWS_MAX_ATTEMPTS: '9' }).sns.config.maxAttempts()).toBe(9);
  });

  it('retries ThrottlingException with backoff until the call succeeds', async () => {
    const { handler, calls } = scriptedHandler([throttled, throttled, ready]);
    const { glue } = awsClients({}, { ...base, requestHandler: handler });

    const state = await new GlueCrawler(glue, { t: 'c' }).state();

    expect(state).toEqual({ state: 'READY', lastStatus: 'SUCCEEDED' });
    expect(calls).toEqual(['AWSGlue.GetCrawler', 'AWSGlue.GetCrawler', 'AWSGlue.GetCrawler']);
  });

  it('gives up with the ThrottlingException after maxAttempts', async () => {
    const { handler, calls } = scriptedHandler([throttled]);
    const { glue } = awsClients({}, { ...base, requestHandler: handler, maxAttempts: 2 });

    await expect(new GlueCrawler(glue, { t: 'c' }).state()).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(calls).toHaveLength(2);
  });

  it('does not retry a client error such as EntityNotFoundException', async () => {
    const { handler, calls } = scriptedHandler([
      {
        statusCode: 400,
        body: '{"__type":"EntityNotFoundException","message":"Crawler entry with name c does not exist"}',
      },
    ]);
    const { glue } = awsClients({}, { ...base, requestHandler: handler });

    await expect(new GlueCrawler(glue, { t: 'c' }).state()).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    expect(calls).toHaveLength(1);
  });
});
