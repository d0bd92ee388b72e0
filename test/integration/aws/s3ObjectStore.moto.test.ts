/**
 * S3ObjectStore against a real S3 protocol server: moto's, on loopback, with path-style URLs and dummy
 * credentials. Runs the ObjectStore contract (the behaviour FolderObjectStore must share) plus the S3-only
 * parts: pagination past 1,000 keys and delimiter listing. Skipped, with the reason printed, only when
 * the project's Python venv (which provides moto_server) is absent.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../src/aws/s3ObjectStore';
import type { ObjectStore } from '../../../src/core/ports';
import { checkPerDayListing } from '../../helpers/perDayListing';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';

const BUCKET = 'lakestep-test-lake';

describeIfMoto('s3ObjectStore.moto.test.ts')('S3ObjectStore on moto_server', () => {
  let moto: Moto;
  let store: S3ObjectStore;
  let put: (key: string, body: string) => Promise<unknown>;

  beforeAll(async () => {
    moto = await startMoto();
    const { s3 } = moto.clients;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    store = new S3ObjectStore(s3, BUCKET);
    put = (key, body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
  });

  describe('ObjectStore contract', () => {
    const contractStore = (): ObjectStore => store;

    it('lists nothing under an empty prefix', async () => {
      expect(await contractStore().list('nothing/here/')).toEqual([]);
    });

    it('round-trips JSON, including nested values and non-ASCII text', async () => {
      const value = { executionId: 'exec-1', days: ['2024-03-05'], nested: { n: 1.5, ok: true, none: null }, text: 'Zürich — 東京' };

      const key = await contractStore().putJson('plans/exec-1.json', value);

      expect(key).toBe('plans/exec-1.json');
      expect(await contractStore().getJson('plans/exec-1.json')).toEqual(value);
    });

    it('returns undefined for a missing key', async () => {
      expect(await contractStore().getJson('plans/missing.json')).toBeUndefined();
    });

    it('replaces an object on a second putJson, changing its size and etag', async () => {
      await contractStore().putJson('plans/replace.json', { v: 1 });
      const [before] = await contractStore().list('plans/replace.json');

      await contractStore().putJson('plans/replace.json', { v: 'two' });
      const [after] = await contractStore().list('plans/replace.json');

      expect(await contractStore().getJson('plans/replace.json')).toEqual({ v: 'two' });
      expect(after.size).toBe(Buffer.byteLength(JSON.stringify({ v: 'two' })));
      expect(after.etag).not.toBe(before.etag);
    });

    it('lists one arrival day per prefix as the whole-prefix listing sees it (discovery of a bounded run)', async () => {
      await checkPerDayListing(contractStore(), put);
    });

    it('lists recursively in key order with byte sizes and unquoted etags, and not a sibling prefix', async () => {
      await put('raw/ds/2024/03/05/17/b.json', '{"a":1}');
      await put('raw/ds/2024/03/05/17/a.json', '{"é":1}');
      await put('raw/ds/year=2024/month=03/day=05/part 1.json', '{}');
      await put('raw/ds2/2024/03/05/17/x.json', '{}');

      const objects = await contractStore().list('raw/ds/');

      expect(objects.map((o) => o.key)).toEqual([
        'raw/ds/2024/03/05/17/a.json',
        'raw/ds/2024/03/05/17/b.json',
        'raw/ds/year=2024/month=03/day=05/part 1.json',
      ]);
      expect(objects[0].size).toBe(Buffer.byteLength('{"é":1}'));
      for (const o of objects) expect(o.etag).toMatch(/^[^"]+$/);
    });
  });

  describe('S3 only', () => {
    it('lists past 1,000 keys', async () => {
      const keys = Array.from({ length: 1050 }, (_, i) => `raw/many/2024/03/05/17/f-${String(i).padStart(4, '0')}.json`);
      for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((k) => put(k, 'x')));

      const objects = await store.list('raw/many/');

      expect(objects.map((o) => o.key)).toEqual(keys);
    });

    it('lists the prefixes directly under a prefix, for both raw layouts', async () => {
      await put('raw/disc/2024/03/04/23/a.gz', 'x');
      await put('raw/disc/2024/03/05/00/b.gz', 'x');
      await put('raw/hive/year=2024/month=03/day=05/a.json', 'x');
      await put('raw/hive/year=2024/month=04/day=01/a.json', 'x');

      expect(await store.listPrefixes('raw/disc/2024/03/')).toEqual(['raw/disc/2024/03/04/', 'raw/disc/2024/03/05/']);
      expect(await store.listPrefixes('raw/hive/year=2024/')).toEqual(['raw/hive/year=2024/month=03/', 'raw/hive/year=2024/month=04/']);
    });
  });
});
