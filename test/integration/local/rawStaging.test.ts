import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stageFiles } from '../../../src/local/duckdb/rawStagingPool';

const dir = mkdtempSync(join(tmpdir(), 'lakestep-staging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const json = { format: 'json' as const, maxRecordBytes: 1 << 20 };
const file = (name: string, bytes: Buffer | string) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('stageFiles (worker threads)', () => {
  it('stages every file, results in task order whichever worker finished first', async () => {
    const texts = ['{"a":1}{"a":2}', '{"a":3}\n{"a":\n', '{"b":"x\ny"}\n[1]', ''];
    const tasks = texts.map((text, k) => ({
      fileId: 10 + k,
      path: file(`in-${k}.json.gz`, gzipSync(text)),
      stagingDir: dir,
      fastPath: true,
      ...json,
    }));

    const staged = await stageFiles(tasks, 3);

    expect(staged.map((s) => [s.fileId, s.count])).toEqual([
      [10, 2],
      [11, 2],
      [12, 2],
      [13, 0],
    ]);
    expect(readFileSync(staged[0].fast!.path, 'utf8')).toBe(
      '{"__lakestep_f":10,"__lakestep_i":0,"a":1}\n{"__lakestep_f":10,"__lakestep_i":1,"a":2}\n',
    );
    // the unbalanced record goes the per-record way; the ones holding a raw newline are appended as they are
    expect(readFileSync(staged[1].slowPath!, 'utf8')).toBe('11\x011\x014\x01{"a":\n');
    expect(staged[2].odd.map((o) => o.text)).toEqual(['{"b":"x\ny"}']);
    expect(staged[3]).toMatchObject({ count: 0, odd: [] });
  });

  it('reports a truncated gzip as one reject with its readable text, not its records', async () => {
    const whole = gzipSync('{"a":1}\n{"a":2}\n'.repeat(100));
    const tasks = [
      {
        fileId: 0,
        path: file('cut.gz', whole.subarray(0, whole.length - 6)),
        stagingDir: dir,
        fastPath: true,
        ...json,
      },
    ];

    const [staged] = await stageFiles(tasks);

    expect(staged.count).toBe(1);
    expect(staged.rejects).toEqual([
      expect.objectContaining({ index: 0, reason: 'truncated_gzip', detail: String(whole.length - 6) }),
    ]);
    expect(staged.rejects[0].text.startsWith('{"a":1}')).toBe(true);
  });

  it('fails with the file-system error of a file that is gone, naming it', async () => {
    const tasks = [
      { fileId: 0, path: file('here.json', '{"a":1}'), stagingDir: dir, fastPath: true, ...json },
      { fileId: 1, path: join(dir, 'gone.json'), stagingDir: dir, fastPath: true, ...json },
    ];

    await expect(stageFiles(tasks, 2)).rejects.toThrow(/ENOENT.*gone\.json/);
  });
});
