import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { loadRawDays } from '../../src/local/duckdb/rawReader';
import { writeRawFile } from '../../src/sample/rawFile';
import { flatAccessRecords } from '../helpers/flatRecords';

/**
 * The fast path (sound records staged as NDJSON for read_json) must give exactly what the
 * per-record path (json_transform on each text) gives: same valid rows, same rejects, same texts.
 */
const ts = Date.parse('2024-03-01T12:00:00Z');
const key = (name: string) => `raw/access_records/2024/03/01/00/${name}`;

const TRICKY = [
  `{"sessionId":"a","timestamp":${ts},"userId":1,"userId":2,"host":"first","host":"second"}`, // duplicate keys
  `{"sessionId":"b","timestamp":${ts},"UserId":7,"SessionId":"x","HOST":"h"}`, // keys differ in case only: undeclared
  `{"sessionId":"c","timestamp":${ts},"userId":99999999999999999999}`, // past 64 bits
  `{"sessionId":"d","timestamp":${ts},"userId":-0,"elapseMS":1E3,"threadId":12.50}`, // -0, exponent, fraction (bad_type threadId)
  `{"sessionId":"e","timestamp":${ts},"host":12.50,"via":true,"origin":-1e-7,"stack":"\\u00e9\\n\\"\\\\\\/"}`, // numbers / booleans as strings, escapes
  `{"sessionId":"f","timestamp":"${ts}"}`, // a string of digits is a bigint
  `{"sessionId":null,"timestamp":${ts}}`, // missing_field
  `{"timestamp":${ts}}`, // missing_field
  `{"sessionId":"g","timestamp":${ts - 5 * 86_400_000}}`, // late
  `{"sessionId":"h","timestamp":${ts},"success":"true"}`, // bad_type boolean
  `{"sessionId":"i","timestamp":${ts},"responseStatus":2.0}`, // an integral number with a fraction: marked, per-record path
  `{"sessionId":"j","timestamp":${ts},"extra":"undeclared","zz":[1,{"a":2}]}`, // nested undeclared: per-record path
  `{"sessionId":"k","timestamp":${ts},"host":"tab\there"}`, // raw control character in a string: read_json refuses, recovered
  `{"sessionId":"l","timestamp":${ts},"host":"bad \\x escape"}`, // invalid escape: refused, recovered
  `{"sessionId":"m","timestamp":01}`, // leading zero: refused, recovered
  `{"sessionId":"n","timestamp":${ts},}`, // trailing comma (lenient flag)
  `{"sessionId":"o","timestamp":NaN}`, // NaN (lenient flag)
  `{}`, // empty object: per-record path
  `{ "sessionId":"p", "timestamp":${ts} }`, // spaces: per-record path
  `{"sessionId":"q","timestamp":${ts},"userAgent":"Mozilla/5.0 (X11; Linux) 日本語 🚀"}`, // multi-byte UTF-8
  `{"sessionId":"r","timestamp":${ts},"__lakestep_f":5,"__lakestep_i":-1}`, // the injected field names: the injected values come first and win
  `{"sessionId":"s","timestamp":${ts},"userId":9223372036854775807,"threadId":-9223372036854775808}`,
  'null',
  '{"sessionId":"t","timestamp":1,',
];

async function loadBoth(files: Record<string, string[]>) {
  const lake = await mkdtemp(join(tmpdir(), 'lakestep-fast-'));
  try {
    for (const [name, records] of Object.entries(files))
      await writeRawFile(lake, key(name), records, { gzip: name.endsWith('.gz') });
    const run = async (fastPath: boolean) => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        const stats = await loadRawDays(connection, {
          lakeDir: lake,
          dataset: flatAccessRecords(),
          rawDays: ['2024-03-01'],
          stagingDir: join(lake, '_tmp', `raw-${fastPath}`),
          fastPath,
        });
        const valid = (
          await connection.runAndReadAll(`SELECT * FROM raw_access_records ORDER BY _source_file, _record_index`)
        ).getRowObjectsJson();
        const rejects = (
          await connection.runAndReadAll(`SELECT * FROM rejects ORDER BY source_file, record_index`)
        ).getRowObjectsJson();
        const counts = (
          await connection.runAndReadAll(
            `SELECT _arrival_day, count(*)::INT AS records FROM classified GROUP BY ALL ORDER BY ALL`,
          )
        ).getRowObjectsJson();
        return { valid, rejects, counts, stats };
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    };
    return { fast: await run(true), slow: await run(false) };
  } finally {
    await rm(lake, { recursive: true, force: true });
  }
}

const same = (
  a: { valid: unknown; rejects: unknown; counts: unknown },
  b: { valid: unknown; rejects: unknown; counts: unknown },
) => {
  expect(a.valid).toEqual(b.valid);
  expect(a.rejects).toEqual(b.rejects);
  expect(a.counts).toEqual(b.counts);
};

describe('loadRawDays fast path (read_json over staged NDJSON)', () => {
  it('gives the same rows and rejects as the per-record path, tricky records included', async () => {
    const { fast, slow } = await loadBoth({ 'a.json': TRICKY, 'b.gz': [...TRICKY].reverse() });
    same(fast, slow);
    expect(fast.stats.fastRecords).toBeGreaterThan(20);
    expect(slow.stats.fastRecords).toBe(0);
    // the refused ones (control character, bad escape, leading zero; in both files) are invalid_json, with their text
    const refused = fast.rejects.filter(
      (r) => r.reason === 'invalid_json' && String(r.raw_text).match(/"sessionId":"[klm]"/),
    );
    expect(refused).toHaveLength(6);
    expect(fast.rejects.find((r) => String(r.raw_text).includes('"sessionId":"g"'))).toMatchObject({ reason: 'late' });
  });

  it('is not fooled by a record holding the injected field names', async () => {
    const { fast, slow } = await loadBoth({ 'c.json': TRICKY });
    same(fast, slow);
    expect(fast.valid.find((r) => r.sessionId === 'r')).toMatchObject({
      _record_index: String(TRICKY.findIndex((t) => t.includes('"r"'))),
    });
  });

  it('gives the same figures on a larger mixed file (many batches of refused lines)', async () => {
    const records: string[] = [];
    for (let k = 0; k < 3000; k++)
      records.push(TRICKY[k % TRICKY.length].replace(/"sessionId":"(\w)"/, `"sessionId":"$1${k}"`));
    const { fast, slow } = await loadBoth({ 'd.gz': records });
    same(fast, slow);
  });
});
