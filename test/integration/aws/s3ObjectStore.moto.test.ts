/**
 * S3ObjectStore against a real S3 protocol server: moto's, on loopback, with path-style URLs and dummy
 * credentials. Runs the ObjectStore contract (test/helpers/objectStoreContract, FolderObjectStore runs it too) plus the S3-only
 * parts: pagination past 1,000 keys and delimiter listing. Skipped, with the reason printed, only when
 * the project's Python venv (which provides moto_server) is absent.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../../src/aws/s3ObjectStore';
import { describeIfMoto, startMoto, type Moto } from '../../helpers/motoServer';
import { objectStoreContract } from '../../helpers/objectStoreContract';

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

  objectStoreContract(() => ({ store, put }));

  describe('S3 only', () => {
    it('lists past 1,000 keys', async () => {
      const keys = Array.from(
        { length: 1050 },
        (_, i) => `raw/many/2024/03/05/17/f-${String(i).padStart(4, '0')}.json`,
      );
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
      expect(await store.listPrefixes('raw/hive/year=2024/')).toEqual([
        'raw/hive/year=2024/month=03/',
        'raw/hive/year=2024/month=04/',
      ]);
    });
  });
});
