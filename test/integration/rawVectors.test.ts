import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVectors, readOnDuckDb } from '../helpers/rawVectors';

/** Every shared raw-record vector on the DuckDB reader (the Spark reader runs them in spark/tests/test_vectors.py). */
describe('raw-record vectors on DuckDB', () => {
  const vectors = loadVectors();

  it('has vectors', () => expect(vectors.length).toBeGreaterThan(10));

  it.each(vectors.map(({ file, vector }) => [file, vector] as const))('%s', async (_file, vector) => {
    const lake = await mkdtemp(join(tmpdir(), 'lakestep-vector-'));
    try {
      const actual = await readOnDuckDb(vector, lake);
      expect(actual.records).toEqual(vector.records);
      // a null detail is engine-specific text: not compared
      expect(actual.rejects.map((r, k) => (vector.rejects[k]?.detail === null ? { ...r, detail: null } : r))).toEqual(
        vector.rejects,
      );
    } finally {
      await rm(lake, { recursive: true, force: true });
    }
  });
});
