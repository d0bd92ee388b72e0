import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../src/config/config';
import { csvFields, csvLine, jsonRecord } from '../../../src/sample/declaredRecords';
import { generateDeclaredSample } from '../../../src/sample/declaredSample';
import { snapshotFiles } from '../../helpers/lake';

const config = parseConfig({
  datasets: {
    events: {
      raw: { prefix: 'raw/events/', format: 'json' },
      stage: 'spark/sql/events.sql',
      table: 'events',
      eventTime: 'at',
      required: ['id', 'at'],
      dedupKey: ['id'],
      columns: {
        id: { type: 'string', path: 'event.id' },
        at: { type: 'timestamp', path: 'event.at' },
        userId: { type: 'bigint', path: 'user.id' },
      },
      output: { id: 'string', record_date: 'date' },
    },
    dumps: {
      raw: { prefix: 'raw/dumps/', format: 'csv', csv: { delimiter: '\t', header: false } },
      stage: 'spark/sql/dumps.sql',
      table: 'dumps',
      lateDays: 0,
      required: ['id'],
      columns: { id: { type: 'bigint', position: 0 }, name: { type: 'string', position: 2 } },
      output: { id: 'bigint', record_date: 'date' },
    },
  },
});

describe('generateDeclaredSample', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lakestep-declared-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const options = { config, days: 2, start: '2024-03-01', recordsPerHour: 5, seed: 9 };

  it('writes the same files for the same seed, hourly for a dataset with an event time and daily for a dump', async () => {
    const first = await generateDeclaredSample({ ...options, lakeDir: join(dir, 'a') });
    await generateDeclaredSample({ ...options, lakeDir: join(dir, 'b') });

    const a = snapshotFiles(join(dir, 'a'));
    const b = snapshotFiles(join(dir, 'b'));
    const keys = Object.keys(a).sort();
    expect(Object.keys(b).sort()).toEqual(keys);
    for (const key of keys) expect(readFileSync(join(dir, 'b', key))).toEqual(readFileSync(join(dir, 'a', key)));
    expect(keys.filter((k) => k.startsWith('raw/events/2024/03/01/'))).not.toHaveLength(0);
    expect(keys.filter((k) => k.startsWith('raw/dumps/'))).toEqual([
      expect.stringMatching(/^raw\/dumps\/year=2024\/month=03\/day=01\//),
      expect.stringMatching(/^raw\/dumps\/year=2024\/month=03\/day=02\//),
    ]);
    expect(first.map((s) => [s.dataset, s.validRecords, s.rejected])).toEqual([
      ['events', 2 * 24 * 5 + first[0].lateWithinAllowance, 2 * 4], // a day: late beyond the allowance, garbage, missing id, bad userId
      ['dumps', 2 * 24 * 5, 2 * 2], // headerless: a short line is no reject; missing id, bad id type
    ]);
  });
});

describe('jsonRecord and csvFields', () => {
  it('put each value at its path, or at its position in a headerless line, quoting what needs it', () => {
    expect(jsonRecord(config.datasets.events, { id: 'e-1', at: '2024-03-01T10:00:00.000Z', userId: '42' })).toEqual({
      event: { id: 'e-1', at: '2024-03-01T10:00:00.000Z' },
      user: { id: '42' },
    });
    expect(csvFields(config.datasets.dumps, { id: 7, name: 'a\tb' })).toEqual(['7', '', 'a\tb']);
    expect(csvLine(['7', '', 'a\tb', 'say "hi"'], '\t')).toBe('7\t\t"a\tb"\t"say ""hi"""');
  });
});
