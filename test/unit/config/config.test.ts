import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  allTableNames,
  loadConfig,
  parseConfig,
  projectRoot,
  stepTimeoutMinutesOf,
  tableConfig,
} from '../../../src/config/config';
import { phasesOf } from '../../../src/core/phases';

const shipped = () => parse(readFileSync(resolve(projectRoot(), 'lakestep.config.yml'), 'utf8'));
const aggregate = (reads: { table: string; fromDays: number; toDays: number }[]) => ({
  stage: 'spark/sql/x.sql',
  table: 'x',
  reads,
  output: { n: 'bigint', record_date: 'date' },
});

describe('loadConfig', () => {
  it('loads the shipped lakestep.config.yml with defaults applied', () => {
    const config = loadConfig();

    expect(config.datasets.access_records.lateDays).toBe(1);
    expect(config.datasets.access_records.output.record_date).toBe('date');
    expect(config.maxDaysPerStep).toBeGreaterThanOrEqual(1);
  });
});

describe('parseConfig', () => {
  it('names an unknown key (a typo) with its path', () => {
    const raw = shipped();
    raw.datasets.access_records.lateDay = 2;

    expect(() => parseConfig(raw)).toThrow(/datasets\.access_records: Unrecognized key\(s\) in object: 'lateDay'/);
  });

  it('names a wrong type with its path', () => {
    const raw = shipped();
    raw.datasets.access_records.lateDays = 'one';

    expect(() => parseConfig(raw)).toThrow(/datasets\.access_records\.lateDays: Expected number, received string/);
  });

  it('refuses a read of an unknown table, naming the known ones', () => {
    const raw = { ...shipped(), aggregates: { x: aggregate([{ table: 'acess_records', fromDays: -6, toDays: 0 }]) } };

    expect(() => parseConfig(raw)).toThrow(
      /aggregates\.x\.reads\.0\.table: unknown table "acess_records" \(expected one of access_records, node_snapshots, file_downloads, x\)/,
    );
  });

  it.each([
    [
      'a raw prefix outside the lake',
      (raw: any) => (raw.datasets.access_records.raw.prefix = '/etc/'),
      /datasets\.access_records\.raw\.prefix: a key prefix of lower-case segments/,
    ],
    [
      'a raw prefix with an empty segment',
      (raw: any) => (raw.datasets.access_records.raw.prefix = 'raw//x/'),
      /datasets\.access_records\.raw\.prefix/,
    ],
    [
      'a check on an unknown column',
      (raw: any) => raw.datasets.access_records.checks.notNull.push('sesion_id'),
      /datasets\.access_records\.checks\.notNull\.\d+: "sesion_id" is not an output column \(expected one of session_id, /,
    ],
    [
      'a unique key with an unknown column',
      (raw: any) => (raw.datasets.access_records.checks.unique = [['session_id', 'nope']]),
      /datasets\.access_records\.checks\.unique\.0\.1: "nope" is not an output column/,
    ],
    [
      'an invalid check pattern',
      (raw: any) => (raw.datasets.access_records.checks.pattern = { client: '([A-Z]+' }),
      /datasets\.access_records\.checks\.pattern\.client: "\(\[A-Z\]\+" is not a valid regular expression/,
    ],
  ])('refuses %s at load', (_, damage, message) => {
    const raw = shipped();
    damage(raw);

    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('refuses a window whose fromDays is after toDays', () => {
    const raw = { ...shipped(), aggregates: { x: aggregate([{ table: 'access_records', fromDays: 1, toDays: 0 }]) } };

    expect(() => parseConfig(raw)).toThrow(/fromDays must be ≤ toDays/);
  });

  it('refuses a table entry whose table name differs from its key', () => {
    const raw = { ...shipped(), aggregates: { y: aggregate([{ table: 'access_records', fromDays: 0, toDays: 0 }]) } };

    expect(() => parseConfig(raw)).toThrow(/aggregates\.y\.table: "x" differs from the entry's name/);
  });

  it('refuses reads that form a cycle', () => {
    const raw = {
      ...shipped(),
      aggregates: {
        a: { ...aggregate([{ table: 'b', fromDays: 0, toDays: 0 }]), table: 'a' },
        b: { ...aggregate([{ table: 'a', fromDays: 0, toDays: 0 }]), table: 'b' },
      },
    };

    expect(() => parseConfig(raw)).toThrow(/lakestep\.config\.yml a\.reads: reads form a cycle/);
  });

  it('refuses an event-time column that is not declared', () => {
    const raw = shipped();
    raw.datasets.access_records.eventTime = 'ts';

    expect(() => parseConfig(raw)).toThrow(
      /datasets\.access_records: "ts" \(eventTime, required or dedupKey\) is not among the declared columns/,
    );
  });
});

describe('parseConfig step deadlines', () => {
  it('defaults every step to 120 min and lets a table set its own', () => {
    const raw = shipped();
    raw.datasets.access_records.stepTimeoutMinutes = 45;

    const config = parseConfig(raw);

    expect(config.stepTimeoutMinutes).toBe(120);
    expect(stepTimeoutMinutesOf(config, config.datasets.access_records)).toBe(45);
    expect(stepTimeoutMinutesOf(config, config.datasets.node_snapshots)).toBe(120);
  });

  it('refuses more steps an execution than its history holds at the longest deadline, saying how many fit', () => {
    const raw = shipped();
    raw.maxStepsPerExecution = 20;
    raw.datasets.file_downloads.stepTimeoutMinutes = 24 * 60;

    expect(() => parseConfig(raw)).toThrow(
      'lakestep.config.yml maxStepsPerExecution: 20 steps that may each run 1440 min (stepTimeoutMinutes) could write 53,100 history events, over the 20,000 an execution leaves its steps (of 25,000); expected at most 7, or a shorter stepTimeoutMinutes',
    );
  });

  it('names a deadline out of range', () => {
    const raw = shipped();
    raw.stepTimeoutMinutes = 2;

    expect(() => parseConfig(raw)).toThrow(/stepTimeoutMinutes: Number must be greater than or equal to 5/);
  });
});

describe('parseConfig partitionLayout', () => {
  it('is ymd unless a table says date', () => {
    const raw = { ...shipped(), exports: {}, aggregates: { x: { ...aggregate([]), partitionLayout: 'date' } } };

    const config = parseConfig(raw);

    expect(config.datasets.access_records.partitionLayout).toBe('ymd');
    expect(config.aggregates.x.partitionLayout).toBe('date');
  });

  it('names a layout it does not know, with the ones it does', () => {
    const raw = shipped();
    raw.datasets.access_records.partitionLayout = 'daily';

    expect(() => parseConfig(raw)).toThrow(
      /datasets\.access_records\.partitionLayout: Invalid enum value\. Expected 'ymd' \| 'date', received 'daily'/,
    );
  });

  it('refuses an output column the layout names a folder by, and takes it under the other layout', () => {
    const withDay = { ...aggregate([]), output: { n: 'bigint', day: 'string', record_date: 'date' } };

    expect(() => parseConfig({ ...shipped(), exports: {}, aggregates: { x: withDay } })).toThrow(
      /aggregates\.x\.output\.day: is a partition column of partitionLayout ymd/,
    );
    expect(() =>
      parseConfig({ ...shipped(), exports: {}, aggregates: { x: { ...withDay, partitionLayout: 'date' } } }),
    ).not.toThrow();
  });
});

describe('parseConfig columns', () => {
  const withColumns = (
    columns: Record<string, unknown>,
    raw: Record<string, unknown> = { prefix: 'raw/x/', format: 'json' },
    extra: Record<string, unknown> = {},
  ) => ({
    datasets: {
      x: {
        raw,
        stage: 'spark/sql/x.sql',
        table: 'x',
        output: { a: 'string' },
        required: [Object.keys(columns)[0]],
        columns,
        ...extra,
      },
    },
  });

  it('normalises the short and the long form: path defaults to the name, unit to ms', () => {
    const config = parseConfig(
      withColumns({ sessionId: 'string', at: { type: 'timestamp', path: 'payload.at', unit: 's' } }),
    );

    expect(config.datasets.x.columns).toEqual({
      sessionId: { type: 'string', path: 'sessionId', unit: 'ms' },
      at: { type: 'timestamp', path: 'payload.at', unit: 's' },
    });
    expect(config.datasets.x.maxRecordBytes).toBe(64 * 1024 * 1024);
  });

  it('gives csv its default dialect and takes a headerless TSV by positions', () => {
    const csv = parseConfig(withColumns({ a: 'string' }, { prefix: 'raw/x/', format: 'csv' }));
    const tsv = parseConfig(
      withColumns(
        { a: { type: 'string', position: 3 } },
        { prefix: 'raw/x/', format: 'csv', csv: { delimiter: '\t', header: false } },
      ),
    );

    expect(csv.datasets.x.raw.csv).toEqual({ delimiter: ',', header: true });
    expect(tsv.datasets.x.columns.a.position).toBe(3);
  });

  it.each([
    [
      'a headerless column without a position',
      { a: 'string' },
      { prefix: 'raw/x/', format: 'csv', csv: { header: false } },
      /columns\.a: needs a position/,
    ],
    [
      'a position outside headerless CSV',
      { a: { type: 'string', position: 0 } },
      undefined,
      /columns\.a\.position: is for headerless CSV only/,
    ],
    [
      'a unit on a bigint',
      { a: { type: 'bigint', unit: 's' } },
      undefined,
      /columns\.a\.unit: is for timestamp columns only/,
    ],
    [
      "a path through another column's value",
      { a: { type: 'string', path: 'p' }, b: { type: 'string', path: 'p.q' } },
      undefined,
      /columns\.b\.path: runs through the value of column "a"/,
    ],
    [
      'csv options on json',
      { a: 'string' },
      { prefix: 'raw/x/', format: 'json', csv: { header: true } },
      /raw\.csv: is for format csv only/,
    ],
    ['a path with a quote', { a: { type: 'string', path: 'p."q' } }, undefined, /columns\.a\.path/],
  ])('refuses %s', (_name, columns, raw, message) => {
    expect(() => parseConfig(withColumns(columns, raw))).toThrow(message);
  });

  it('takes a timestamp or a bigint as the event time, nothing else', () => {
    expect(() => parseConfig(withColumns({ at: 'timestamp' }, undefined, { eventTime: 'at' }))).not.toThrow();
    expect(() => parseConfig(withColumns({ at: 'string' }, undefined, { eventTime: 'at' }))).toThrow(
      /eventTime: "at" must be a timestamp column or a bigint column \(epoch ms\)/,
    );
  });
});

describe('phasesOf over a config', () => {
  it('puts a table one phase after the latest table it reads', () => {
    const config = parseConfig({
      ...shipped(),
      exports: {}, // the shipped export reads an aggregate replaced here
      aggregates: {
        a: { ...aggregate([{ table: 'access_records', fromDays: -6, toDays: 0 }]), table: 'a' },
        b: {
          ...aggregate([
            { table: 'a', fromDays: 0, toDays: 0 },
            { table: 'access_records', fromDays: 0, toDays: 0 },
          ]),
          table: 'b',
        },
      },
    });

    expect(phasesOf(allTableNames(config).map((name) => tableConfig(config, name)))).toEqual({
      access_records: 0,
      node_snapshots: 0,
      file_downloads: 1,
      a: 1,
      b: 2,
    });
    expect(tableConfig(config, 'b').reads).toHaveLength(2);
    expect(() => tableConfig(config, 'nope')).toThrow(/unknown table/);
  });
});

describe('loadConfig of a file that cannot be used', () => {
  const withFile = (text: string | undefined, check: (file: string) => void) => {
    const dir = mkdtempSync(join(tmpdir(), 'lakestep-config-'));
    const file = join(dir, 'lakestep.config.yml');
    if (text !== undefined) writeFileSync(file, text);
    try {
      check(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('names a missing file', () => {
    withFile(undefined, (file) =>
      expect(() => loadConfig(file)).toThrow(`lakestep.config.yml (file): ${file} does not exist`),
    );
  });

  it('names the key of a stage whose SQL file does not exist, resolving stage paths from the config file', () => {
    const project = readFileSync(resolve(projectRoot(), 'lakestep.config.yml'), 'utf8');
    const broken = project.replace('stage: spark/sql/node_snapshots.sql', 'stage: spark/sql/node_snapshot.sql');
    expect(broken).not.toBe(project);
    withFile(broken, (file) => {
      cpSync(resolve(projectRoot(), 'spark/sql'), join(dirname(file), 'spark/sql'), { recursive: true });
      expect(() => loadConfig(file)).toThrow(
        `lakestep.config.yml datasets.node_snapshots.stage: ${join(dirname(file), 'spark/sql/node_snapshot.sql')} does not exist`,
      );
    });
  });
});

describe('loadConfig of a file with a YAML syntax error', () => {
  it('names the file and the place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakestep-config-'));
    const file = join(dir, 'lakestep.config.yml');
    writeFileSync(file, 'datasets:\n  a: 1\n  a: 2\n');
    try {
      expect(() => loadConfig(file)).toThrow(
        new RegExp(
          `^lakestep.config.yml \\(syntax\\): ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Map keys must be unique at line 3`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseConfig exports', () => {
  const withExport = (exp: Record<string, unknown>) => ({ ...shipped(), exports: { dash: exp } });

  it('loads the shipped export, reading the table its sql names', () => {
    const config = loadConfig();

    expect(config.exports.project_downloads_28d).toMatchObject({
      name: 'project_downloads_28d',
      reads: ['project_downloads_daily'],
    });
  });

  it('takes a config without exports', () => {
    const raw = shipped();
    delete raw.exports;

    expect(parseConfig(raw).exports).toEqual({});
  });

  it.each([
    [
      'a second statement',
      { sql: 'SELECT * FROM access_records; DROP TABLE access_records', reads: ['access_records'] },
      /exports\.dash\.sql: holds 2 statements \(expected one SELECT\)/,
    ],
    [
      'a write',
      { sql: "COPY access_records TO 'x.csv'", reads: ['access_records'] },
      /exports\.dash\.sql: starts with "COPY"/,
    ],
    [
      'an unknown table in reads',
      { sql: 'SELECT 1 FROM access_records', reads: ['acess_records'] },
      /exports\.dash\.reads\.0: unknown table "acess_records" \(expected one of access_records, /,
    ],
    [
      'a read the sql does not name',
      { sql: 'SELECT 1 FROM access_records', reads: ['access_records', 'file_downloads'] },
      /exports\.dash\.reads\.1: "file_downloads" is not named in the export's sql/,
    ],
    [
      'a table the sql reads missing from reads',
      { sql: 'SELECT * FROM access_records a JOIN file_downloads f USING (user_id)', reads: ['access_records'] },
      /exports\.dash\.reads: lacks "file_downloads", which the sql reads/,
    ],
    [
      'no reads',
      { sql: 'SELECT 1 FROM access_records', reads: [] },
      /exports\.dash\.reads: Array must contain at least 1 element/,
    ],
    [
      'an unknown key',
      { sql: 'SELECT 1 FROM access_records', reads: ['access_records'], format: 'csv' },
      /exports\.dash: Unrecognized key\(s\) in object: 'format'/,
    ],
  ])('refuses %s, naming the field', (_, exp, message) => {
    expect(() => parseConfig(withExport(exp))).toThrow(message);
  });

  it('refuses an export name that is no lower-case name', () => {
    expect(() =>
      parseConfig({
        ...shipped(),
        exports: { 'Dash Board': { sql: 'SELECT 1 FROM access_records', reads: ['access_records'] } },
      }),
    ).toThrow(/exports\.Dash Board: a lower-case name/);
  });
});
