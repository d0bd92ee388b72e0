import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3ObjectStore, unquoteEtag } from '../../../src/aws/s3ObjectStore';

const s3 = mockClient(S3Client);
const store = () => new S3ObjectStore(new S3Client({ region: 'us-east-1' }), 'lake-bucket');
// The part of the SDK's streaming body the store uses (the SDK's mixin lives in an undeclared package).
const body = (text: string) => ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

beforeEach(() => s3.reset());

describe('S3ObjectStore.list', () => {
  it('follows continuation tokens past 1,000 keys and strips ETag quotes', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `raw/ds/2024/03/05/17/f-${String(i).padStart(5, '0')}.gz`);
    const pages: Record<string, { from: number; to: number; next?: string }> = {
      first: { from: 0, to: 1000, next: 't1' },
      t1: { from: 1000, to: 2000, next: 't2' },
      t2: { from: 2000, to: 2500 },
    };
    // Copy each input when it is sent: the SDK paginator reuses one input object across pages.
    const inputs: Record<string, unknown>[] = [];
    s3.on(ListObjectsV2Command).callsFake((input: { ContinuationToken?: string }) => {
      inputs.push({ ...input });
      const { from, to, next } = pages[input.ContinuationToken ?? 'first'];
      return {
        Contents: keys.slice(from, to).map((Key) => ({ Key, Size: 7, ETag: '"abc123"' })),
        IsTruncated: next !== undefined,
        NextContinuationToken: next,
      };
    });

    const objects = await store().list('raw/ds/');

    expect(objects).toHaveLength(2500);
    expect(objects[0]).toEqual({ key: keys[0], size: 7, etag: 'abc123' });
    expect(objects[2499].key).toBe(keys[2499]);
    expect(inputs).toEqual([
      { Bucket: 'lake-bucket', Prefix: 'raw/ds/', MaxKeys: 1000 },
      { Bucket: 'lake-bucket', Prefix: 'raw/ds/', MaxKeys: 1000, ContinuationToken: 't1' },
      { Bucket: 'lake-bucket', Prefix: 'raw/ds/', MaxKeys: 1000, ContinuationToken: 't2' },
    ]);
  });

  it('returns keys in code-unit order and an empty list for an empty prefix', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'a/' }).resolves({
      Contents: [
        { Key: 'a/b', Size: 1, ETag: '"2"' },
        { Key: 'a/B', Size: 1, ETag: '"1"' },
      ],
    });
    s3.on(ListObjectsV2Command, { Prefix: 'none/' }).resolves({ KeyCount: 0 });

    expect((await store().list('a/')).map((o) => o.key)).toEqual(['a/B', 'a/b']);
    expect(await store().list('none/')).toEqual([]);
  });
});

describe('S3ObjectStore.listPrefixes', () => {
  it('lists common prefixes with Delimiter "/" across pages, for both raw layouts', async () => {
    s3.on(ListObjectsV2Command, { Prefix: 'raw/ds/2024/03/' })
      .resolvesOnce({
        CommonPrefixes: [{ Prefix: 'raw/ds/2024/03/05/' }],
        IsTruncated: true,
        NextContinuationToken: 't',
      })
      .resolvesOnce({ CommonPrefixes: [{ Prefix: 'raw/ds/2024/03/04/' }] });
    s3.on(ListObjectsV2Command, { Prefix: 'raw/hive/year=2024/' }).resolves({
      CommonPrefixes: [{ Prefix: 'raw/hive/year=2024/month=03/' }, { Prefix: 'raw/hive/year=2024/month=01/' }],
    });

    const firehose = await store().listPrefixes('raw/ds/2024/03/');
    const hive = await store().listPrefixes('raw/hive/year=2024/');

    expect(firehose).toEqual(['raw/ds/2024/03/04/', 'raw/ds/2024/03/05/']);
    expect(hive).toEqual(['raw/hive/year=2024/month=01/', 'raw/hive/year=2024/month=03/']);
    const firehoseCalls = s3
      .commandCalls(ListObjectsV2Command, { Prefix: 'raw/ds/2024/03/' })
      .map((c) => c.args[0].input);
    expect(firehoseCalls).toHaveLength(2);
    expect(firehoseCalls[1]).toMatchObject({ Bucket: 'lake-bucket', Delimiter: '/', ContinuationToken: 't' });
  });
});

describe('S3ObjectStore.getJson', () => {
  it('parses the object body', async () => {
    s3.on(GetObjectCommand, { Bucket: 'lake-bucket', Key: 'plans/e1.json' }).resolves({ Body: body('{"days":[1,2]}') });

    expect(await store().getJson<{ days: number[] }>('plans/e1.json')).toEqual({ days: [1, 2] });
  });

  it('returns undefined on NoSuchKey', async () => {
    s3.on(GetObjectCommand).rejects(
      new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
    );

    expect(await store().getJson('plans/missing.json')).toBeUndefined();
  });

  it('rethrows AccessDenied: a policy problem is not an absent object', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    await expect(store().getJson('plans/e1.json')).rejects.toThrow('Access Denied');
  });

  it('names the bucket and key of an object that is not JSON', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('{not json') });

    await expect(store().getJson('plans/bad.json')).rejects.toThrow(
      /s3:\/\/lake-bucket\/plans\/bad\.json is not valid JSON/,
    );
  });
});

describe('S3ObjectStore.putJson', () => {
  it('writes JSON with ContentType application/json and returns the key', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });

    const key = await store().putJson('plans/e1.json', { a: 1 });

    expect(key).toBe('plans/e1.json');
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toEqual({
      Bucket: 'lake-bucket',
      Key: 'plans/e1.json',
      Body: '{"a":1}',
      ContentType: 'application/json',
    });
  });
});

describe('unquoteEtag', () => {
  it('strips the surrounding quotes only', () => {
    expect(unquoteEtag('"d41d8cd98f00b204e9800998ecf8427e-3"')).toBe('d41d8cd98f00b204e9800998ecf8427e-3');
    expect(unquoteEtag('plain')).toBe('plain');
    expect(unquoteEtag(undefined)).toBe('');
  });
});
