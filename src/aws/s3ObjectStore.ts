/**
 * S3ObjectStore: the lake as an S3 bucket. Keys are relative to the bucket root (`raw/…`, `processed/…`,
 * `plans/…`), exactly as FolderObjectStore lays out its folder.
 */
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { LakestepError } from '../core/errors';
import type { ObjectCopies, ObjectStore } from '../core/ports';
import { compareText } from '../core/rawKeys';
import type { ObjectInfo } from '../core/types';

/** ListObjectsV2 returns at most 1,000 keys per page whatever MaxKeys asks; the paginator follows the token. */
const PAGE_SIZE = 1000;

export class S3ObjectStore implements ObjectStore, ObjectCopies {
  /**
   * @param client an S3 client (see clients.ts); no I/O on construction
   * @param bucket the lake bucket name, e.g. `lakestep-prod-lake` (not an `s3://` URI)
   */
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /**
   * Every object under `prefix` (recursive), in code-unit key order, following continuation tokens past
   * 1,000 keys.
   * @param prefix key prefix, e.g. `raw/access_records/` (`''` lists the whole bucket)
   * @returns `{ key, size (bytes), etag (without the quotes S3 puts around it) }[]`
   * @example await store.list('raw/access_records/2024/03/05/') // [{ key: 'raw/…/17/f-1.gz', size: 5120, etag: '9b2c…' }]
   */
  async list(prefix: string): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for await (const page of this.listPages(prefix)) objects.push(...page);
    // S3 orders by UTF-8 bytes, the folder store by code units; they differ only past U+FFFF, but the
    // fingerprint must not depend on which store listed the keys.
    return objects.sort((a, b) => compareText(a.key, b.key));
  }

  /**
   * Every object under `prefix`, one ListObjectsV2 page (≤ 1,000 objects) at a time, in S3's order
   * (UTF-8 bytes of the key), for listings too large to hold at once.
   * @example for await (const page of store.listPages('raw/access_records/')) … // ObjectInfo[] per page
   */
  async *listPages(prefix: string): AsyncIterable<ObjectInfo[]> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: PAGE_SIZE },
      { Bucket: this.bucket, Prefix: prefix },
    );
    for await (const page of pages) {
      yield (page.Contents ?? [])
        .filter((o) => o.Key !== undefined)
        .map((o) => ({ key: o.Key!, size: o.Size ?? 0, etag: unquoteEtag(o.ETag) }));
    }
  }

  /**
   * The "sub-folders" directly under `prefix` (ListObjectsV2 with Delimiter `/`, paginated), for partition
   * discovery without listing every object: Firehose `raw/ds/` → `raw/ds/2024/`, Hive `raw/ds/year=2024/`
   * → `raw/ds/year=2024/month=03/`.
   * @param prefix ends in `/`, e.g. `raw/access_records/2024/03/`
   * @returns full prefixes ending in `/`, ascending, e.g. `['raw/access_records/2024/03/04/', 'raw/access_records/2024/03/05/']`
   */
  async listPrefixes(prefix: string): Promise<string[]> {
    const prefixes: string[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: PAGE_SIZE },
      { Bucket: this.bucket, Prefix: prefix, Delimiter: '/' },
    );
    for await (const page of pages) {
      for (const common of page.CommonPrefixes ?? []) if (common.Prefix !== undefined) prefixes.push(common.Prefix);
    }
    return prefixes.sort(compareText);
  }

  /**
   * Reads and parses a JSON object.
   * @returns undefined when the key does not exist (NoSuchKey)
   * @throws LakestepError when the object is not valid JSON (names the bucket and key); other S3 errors as thrown by the SDK
   */
  async getJson<T>(key: string): Promise<T | undefined> {
    let text: string;
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await response.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (isMissingKey(error)) return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new LakestepError(
        `s3://${this.bucket}/${key} is not valid JSON (${(error as Error).message}); expected an object lakestep wrote with putJson`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Writes `value` as JSON (ContentType `application/json`), replacing any object at `key`.
   * @returns the key written
   */
  async putJson(key: string, value: unknown): Promise<string> {
    return this.putText(key, JSON.stringify(value), 'application/json');
  }

  async putText(key: string, text: string, contentType: string): Promise<string> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: contentType }),
    );
    return key;
  }

  /** CopyObject within the bucket (an object up to 5 GB: Spark's Parquet parts are far smaller). */
  async copy(fromKey: string, toKey: string): Promise<void> {
    // CopySource is `bucket/key`, URL-encoded per segment (Hive keys hold `=`)
    const source = [this.bucket, ...fromKey.split('/')].map(encodeURIComponent).join('/');
    await this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: source }));
  }

  /**
   * DeleteObjects, 1,000 keys a call (its limit).
   * @throws LakestepError naming the first key S3 could not delete
   */
  async remove(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += PAGE_SIZE) {
      const batch = keys.slice(i, i + PAGE_SIZE);
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors?.[0];
      if (failed)
        throw new LakestepError(
          `s3://${this.bucket}/${failed.Key}: not deleted (${failed.Code}: ${failed.Message}); ${out.Errors!.length} of ${batch.length} keys failed`,
        );
    }
  }
}

/** S3 returns ETags quoted (`"9b2c…"`); the ledger's fingerprints use the bare value, as the folder store does. */
export function unquoteEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^"(.*)"$/, '$1');
}

/**
 * GetObject on a missing key fails with NoSuchKey; without s3:ListBucket permission S3 answers 403
 * AccessDenied instead, which must stay an error (it is a policy problem, not an absent plan).
 */
function isMissingKey(error: unknown): boolean {
  return error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound');
}
