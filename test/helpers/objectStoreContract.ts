/**
 * The ObjectStore contract: what every adapter (FolderObjectStore, S3ObjectStore) must do alike, as one
 * jest suite each adapter's test file runs with its own store.
 */
import type { ObjectStore } from '../../src/core/ports';
import { checkPerDayListing } from './perDayListing';

export interface ContractSubject {
  store: ObjectStore;
  /** writes raw bytes at `key` the way a producer would (not through the store) */
  put(key: string, body: string): Promise<unknown>;
}

/** Registers the contract's tests; `subject` is called inside each test (after the file's beforeAll). */
export function objectStoreContract(subject: () => ContractSubject): void {
  describe('ObjectStore contract', () => {
    it('lists nothing under an empty prefix', async () => {
      expect(await subject().store.list('nothing/here/')).toEqual([]);
    });

    it('round-trips JSON, including nested values and non-ASCII text', async () => {
      const { store } = subject();
      const value = {
        executionId: 'exec-1',
        days: ['2024-03-05'],
        nested: { n: 1.5, ok: true, none: null },
        text: 'Zürich — 東京',
      };

      const key = await store.putJson('plans/exec-1.json', value);

      expect(key).toBe('plans/exec-1.json');
      expect(await store.getJson('plans/exec-1.json')).toEqual(value);
    });

    it('returns undefined for a missing key', async () => {
      expect(await subject().store.getJson('plans/missing.json')).toBeUndefined();
    });

    it('names the key when an object is not JSON', async () => {
      const { store, put } = subject();
      await put('plans/bad.json', '{nope');

      await expect(store.getJson('plans/bad.json')).rejects.toThrow(/plans\/bad\.json.*not valid JSON/);
    });

    it('replaces an object on a second putJson, changing its size and etag', async () => {
      const { store } = subject();
      await store.putJson('plans/replace.json', { v: 1 });
      const [before] = await store.list('plans/replace.json');

      await store.putJson('plans/replace.json', { v: 'two' });
      const [after] = await store.list('plans/replace.json');

      expect(await store.getJson('plans/replace.json')).toEqual({ v: 'two' });
      expect(after.size).toBeGreaterThan(before.size); // JSON's layout (compact or indented) is the adapter's
      expect(after.etag).not.toBe(before.etag);
    });

    it('writes text with putText, listed with its byte size', async () => {
      const { store } = subject();
      const html = '<p>Zürich</p>';

      expect(await store.putText('reports/r.html', html, 'text/html')).toBe('reports/r.html');
      expect((await store.list('reports/')).map((o) => [o.key, o.size])).toEqual([
        ['reports/r.html', Buffer.byteLength(html)],
      ]);
    });

    it('lists recursively in key order with byte sizes and unquoted etags, and not a sibling prefix', async () => {
      const { store, put } = subject();
      await put('raw/ds/2024/03/05/17/b.json', '{"a":1}');
      await put('raw/ds/2024/03/05/17/a.json', '{"é":1}');
      await put('raw/ds/year=2024/month=03/day=05/part 1.json', '{}');
      await put('raw/ds2/2024/03/05/17/x.json', '{}');

      const objects = await store.list('raw/ds/');

      expect(objects.map((o) => o.key)).toEqual([
        'raw/ds/2024/03/05/17/a.json',
        'raw/ds/2024/03/05/17/b.json',
        'raw/ds/year=2024/month=03/day=05/part 1.json',
      ]);
      expect(objects[0].size).toBe(Buffer.byteLength('{"é":1}'));
      for (const o of objects) expect(o.etag).toMatch(/^[^"]+$/);
    });

    it('lists one arrival day per prefix as the whole-prefix listing sees it (discovery of a bounded run)', async () => {
      const { store, put } = subject();
      await checkPerDayListing(store, put);
    });

    it('treats the prefix as a plain string prefix', async () => {
      const { store, put } = subject();
      await put('str/a/1.json', '1');
      await put('str/ab/2.json', '2');

      expect((await store.list('str/a')).map((o) => o.key)).toEqual(['str/a/1.json', 'str/ab/2.json']);
      expect((await store.list('str/a/')).map((o) => o.key)).toEqual(['str/a/1.json']);
    });
  });
}
