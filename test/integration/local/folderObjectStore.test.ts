import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InputError } from '../../../src/core/errors';
import { FolderObjectStore } from '../../../src/local/folderObjectStore';
import { objectStoreContract } from '../../helpers/objectStoreContract';

const tmp: string[] = [];
function lakeWith(files: Record<string, string>): string {
  const lake = mkdtempSync(join(tmpdir(), 'lakestep-store-'));
  tmp.push(lake);
  for (const [key, body] of Object.entries(files)) {
    mkdirSync(dirname(join(lake, key)), { recursive: true });
    writeFileSync(join(lake, key), body);
  }
  return lake;
}
afterAll(() =>
  tmp.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  }),
);

describe('FolderObjectStore', () => {
  const lake = lakeWith({});
  const store = new FolderObjectStore(lake);
  objectStoreContract(() => ({
    store,
    put: async (key, body) => {
      mkdirSync(dirname(join(lake, key)), { recursive: true });
      writeFileSync(join(lake, key), body);
    },
  }));
});

describe('FolderObjectStore.list', () => {
  it('lists every file under a prefix, recursively, in key order, with sizes', async () => {
    const lake = lakeWith({
      'raw/access_records/2024/03/05/10/b.gz': 'bb',
      'raw/access_records/2024/03/05/10/a.gz': 'a',
      'raw/access_records/2024/03/04/23/z.gz': 'zzz',
      'raw/other/2024/03/05/10/x.gz': 'x',
      'plans/p.json': '{}',
    });
    const store = new FolderObjectStore(lake);

    const listed = await store.list('raw/access_records/');

    expect(listed.map((o) => [o.key, o.size])).toEqual([
      ['raw/access_records/2024/03/04/23/z.gz', 3],
      ['raw/access_records/2024/03/05/10/a.gz', 1],
      ['raw/access_records/2024/03/05/10/b.gz', 2],
    ]);
    expect(listed.every((o) => /^[0-9a-f]{16}$/.test(o.etag))).toBe(true);
  });

  it('treats the prefix as a plain string prefix, as S3 does', async () => {
    const lake = lakeWith({ 'raw/a/1.json': '1', 'raw/ab/2.json': '2', 'raw/b/3.json': '3', 'rawx.json': '4' });
    const store = new FolderObjectStore(lake);

    expect((await store.list('raw/a')).map((o) => o.key)).toEqual(['raw/a/1.json', 'raw/ab/2.json']);
    expect((await store.list('raw/a/')).map((o) => o.key)).toEqual(['raw/a/1.json']);
    expect((await store.list('raw')).map((o) => o.key)).toEqual([
      'raw/a/1.json',
      'raw/ab/2.json',
      'raw/b/3.json',
      'rawx.json',
    ]);
    expect((await store.list('')).length).toBe(4);
  });

  it('returns nothing for a missing prefix or a missing lake', async () => {
    const lake = lakeWith({ 'raw/a/1.json': '1' });

    expect(await new FolderObjectStore(lake).list('processed/')).toEqual([]);
    expect(await new FolderObjectStore(join(lake, 'nope')).list('raw/')).toEqual([]);
  });

  it('changes the etag when a file is rewritten, and keeps it otherwise', async () => {
    const lake = lakeWith({ 'raw/a/1.json': 'one' });
    const store = new FolderObjectStore(lake);
    const before = (await store.list('raw/'))[0].etag;

    const same = (await store.list('raw/'))[0].etag;
    writeFileSync(join(lake, 'raw/a/1.json'), 'two');
    utimesSync(join(lake, 'raw/a/1.json'), new Date(), new Date(Date.now() + 5000));
    const after = (await store.list('raw/'))[0].etag;

    expect(same).toBe(before);
    expect(after).not.toBe(before);
  });

  it('changes the etag of a file rewritten with the same size and mtime (cp -p, rsync -t), in a new process too', async () => {
    const lake = lakeWith({ 'raw/a/1.json': 'one' });
    const path = join(lake, 'raw/a/1.json');
    const mtime = new Date('2024-03-05T10:00:00Z');
    utimesSync(path, mtime, mtime);
    const before = (await new FolderObjectStore(lake).list('raw/'))[0].etag;
    await new Promise((resolve) => setTimeout(resolve, 20)); // past the file system's timestamp tick, as a later rewrite is

    writeFileSync(path, 'two');
    utimesSync(path, mtime, mtime);
    const after = (await new FolderObjectStore(lake).list('raw/'))[0].etag;

    expect(statSync(path).mtimeMs).toBe(mtime.getTime());
    expect(after).not.toBe(before);
  });

  it('gives a copy with the same content the same etag (a restored or copied lake is not all new)', async () => {
    const lake = lakeWith({ 'raw/a/1.json': 'one', 'raw/b/1.json': 'one' });

    const [a, b] = await new FolderObjectStore(lake).list('raw/');

    expect(a.etag).toBe(b.etag);
  });
});

describe('FolderObjectStore.getJson / putJson', () => {
  it('round-trips JSON under nested keys and returns the key', async () => {
    const store = new FolderObjectStore(lakeWith({}));

    const key = await store.putJson('plans/exec-1/plan.json', { days: ['2024-03-05'], n: 3 });

    expect(key).toBe('plans/exec-1/plan.json');
    expect(await store.getJson('plans/exec-1/plan.json')).toEqual({ days: ['2024-03-05'], n: 3 });
    expect(JSON.parse(readFileSync(store.localPath(key), 'utf8'))).toEqual({ days: ['2024-03-05'], n: 3 });
  });

  it('replaces a file whole and leaves no temp file behind', async () => {
    const lake = lakeWith({});
    const store = new FolderObjectStore(lake);

    await store.putJson('results/r.json', { v: 1 });
    await Promise.all([store.putJson('results/r.json', { v: 2 }), store.putJson('results/r.json', { v: 2 })]);

    expect(await store.getJson('results/r.json')).toEqual({ v: 2 });
    expect(readdirSync(join(lake, 'results'))).toEqual(['r.json']);
    expect((await store.list('results/')).map((o) => o.key)).toEqual(['results/r.json']);
  });
});

describe('FolderObjectStore.localPath', () => {
  it('maps a key to its file and refuses keys that leave the lake', () => {
    const lake = lakeWith({});
    const store = new FolderObjectStore(lake);

    expect(store.localPath('raw/a/b.gz')).toBe(join(lake, 'raw', 'a', 'b.gz'));
    expect(() => store.localPath('../etc/passwd')).toThrow(InputError);
    expect(() => store.localPath('/abs')).toThrow(InputError);
    expect(() => store.localPath('raw//x')).toThrow(InputError);
  });
});
