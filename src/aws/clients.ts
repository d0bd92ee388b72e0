/**
 * The AWS SDK clients lakestep uses, configured once: adaptive retry (exponential backoff with jitter
 * plus client-side rate limiting after throttling) and a bounded number of attempts. Throttling
 * (ThrottlingException, TooManyRequestsException, ProvisionedThroughputExceededException…), 5xx and
 * connection errors are retried by the SDK itself, so the adapters need no retry loop of their own.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EMRClient } from '@aws-sdk/client-emr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { AdaptiveRetryStrategy, DefaultRateLimiter } from '@smithy/core/retry';

/**
 * Attempts per call, the first included. With adaptive mode's backoff (throttling base 500 ms, capped at
 * 20 s) 6 attempts span roughly 10–40 s: longer than an EMR or Glue API burst limit lasts, shorter than a
 * Lambda Task's TimeoutSeconds.
 */
export const DEFAULT_MAX_ATTEMPTS = 6;

/** What tests and the local mode may set instead of the environment. */
export interface ClientOverrides {
  region?: string;
  /** e.g. `{ accessKeyId: 'x', secretAccessKey: 'y' }` for moto; default: the SDK's provider chain */
  credentials?: S3ClientConfig['credentials'];
  /** e.g. `http://127.0.0.1:5000`; S3 then uses path-style URLs */
  endpoint?: string;
  /** replaces the HTTP layer (tests); the retry middleware still runs above it */
  requestHandler?: S3ClientConfig['requestHandler'];
  maxAttempts?: number;
  /** tests: ms between attempts instead of adaptive mode's exponential backoff, and a rate limiter that never waits */
  retryDelayMs?: number;
}

export interface AwsClients {
  readonly s3: S3Client;
  readonly emr: EMRClient;
  readonly glue: GlueClient;
  readonly sns: SNSClient;
  readonly sfn: SFNClient;
  readonly dynamodb: DynamoDBClient;
  readonly eventbridge: EventBridgeClient;
}

/**
 * Clients built on first access (no I/O, no throw on construction: Lambda handlers call this at module
 * load, and the local runner imports every handler).
 * Reads `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL` (optional) and `AWS_MAX_ATTEMPTS`
 * (optional, default DEFAULT_MAX_ATTEMPTS) from `env`; credentials come from the SDK's default chain.
 * A missing region surfaces as the SDK's "Region is missing" error on the first call.
 * @example const { s3 } = awsClients(process.env); await s3.send(new ListObjectsV2Command({ Bucket }));
 */
export function awsClients(env: NodeJS.ProcessEnv, overrides: ClientOverrides = {}): AwsClients {
  const maxAttemptsFromEnv = Number(env.AWS_MAX_ATTEMPTS);
  const endpoint = overrides.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
  const maxAttempts =
    overrides.maxAttempts ??
    (Number.isInteger(maxAttemptsFromEnv) && maxAttemptsFromEnv > 0 ? maxAttemptsFromEnv : DEFAULT_MAX_ATTEMPTS);
  const delay = overrides.retryDelayMs;
  const common = {
    region: overrides.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
    retryMode: 'adaptive',
    maxAttempts,
    ...(delay === undefined
      ? {}
      : {
          retryStrategy: new AdaptiveRetryStrategy(maxAttempts, {
            maxAttempts,
            backoff: { computeNextBackoffDelay: () => delay, setDelayBase: () => undefined },
            rateLimiter: new DefaultRateLimiter({ minCapacity: 1e6, minFillRate: 1e6 }),
          }),
        }),
    ...(endpoint ? { endpoint } : {}),
    ...(overrides.credentials ? { credentials: overrides.credentials } : {}),
    ...(overrides.requestHandler ? { requestHandler: overrides.requestHandler } : {}),
  } as const;

  const built = new Map<keyof AwsClients, unknown>();
  const lazy = <K extends keyof AwsClients>(key: K, build: () => AwsClients[K]): AwsClients[K] => {
    if (!built.has(key)) built.set(key, build());
    return built.get(key) as AwsClients[K];
  };
  return {
    // Custom endpoints (moto, MinIO) have no per-bucket DNS names: path-style URLs.
    get s3() {
      return lazy('s3', () => new S3Client({ ...common, forcePathStyle: endpoint !== undefined }));
    },
    get emr() {
      return lazy('emr', () => new EMRClient(common));
    },
    get glue() {
      return lazy('glue', () => new GlueClient(common));
    },
    get sns() {
      return lazy('sns', () => new SNSClient(common));
    },
    get sfn() {
      return lazy('sfn', () => new SFNClient(common));
    },
    get dynamodb() {
      return lazy('dynamodb', () => new DynamoDBClient(common));
    },
    get eventbridge() {
      return lazy('eventbridge', () => new EventBridgeClient(common));
    },
  };
}
