import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../../../src/config/config';
import { DRIVER_MODULES, REQUIRED_SPARK_CONF, sparkSubmitArgs } from '../../../src/core/sparkSubmitArgs';
import type { StepSpec } from '../../../src/core/types';
import { stepSpec } from '../../helpers/stepSpec';

const spec: StepSpec = stepSpec({
  executionId: 'exec-1',
  groupId: 'g-2024-03-05',
  dataset: 'access_records',
  days: ['2024-03-05', '2024-03-06'],
  rawDays: ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07'],
  stageSql: 'spark/sql/access_records.sql',
  stageVersion: 'abc123',
  resultKey: '_results/exec-1/g-2024-03-05.json',
});
const code = 's3://lake-bucket/_code/abc123/';
const base = {
  spec,
  lakeRoot: 's3://lake-bucket/',
  sqlUri: `${code}spark/sql/access_records.sql`,
  driverUri: `${code}spark/jobs/lakestep_driver.py`,
  config: loadConfig(),
};

describe('sparkSubmitArgs', () => {
  it('builds the EMR command-runner step: cluster mode, required conf, driver modules, then the driver CLI', () => {
    const args = sparkSubmitArgs(base);

    expect(args).toEqual([
      'spark-submit',
      '--deploy-mode',
      'cluster',
      '--conf',
      'spark.sql.sources.partitionOverwriteMode=dynamic',
      '--conf',
      'spark.sql.session.timeZone=UTC',
      '--conf',
      'spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS',
      '--conf',
      'spark.sql.parser.escapedStringLiterals=false',
      '--jars',
      `${code}spark/jars/lakestep-spark.jar`,
      '--py-files',
      DRIVER_MODULES.map((m) => `${code}spark/jobs/${m}`).join(','),
      `${code}spark/jobs/lakestep_driver.py`,
      // the spec carries the generated raw SQL: too long for a step argument, it goes by the key LaunchStep stored it under
      '--spec',
      `s3://lake-bucket/${spec.specKey}`,
      '--lake-root',
      's3://lake-bucket/',
      '--dataset',
      JSON.stringify(loadConfig().datasets.access_records),
      '--sql',
      `${code}spark/sql/access_records.sql`,
    ]);
    expect(JSON.parse(args[args.indexOf('--dataset') + 1])).toMatchObject({
      name: 'access_records',
      lateDays: 1,
      table: 'access_records',
    });
  });

  it('runs locally with a local master, no deploy mode, and cannot be talked out of dynamic overwrite', () => {
    const args = sparkSubmitArgs({
      ...base,
      lakeRoot: 'file:///tmp/lake/',
      master: 'local[2]',
      extraConf: { 'spark.ui.enabled': 'false', 'spark.sql.sources.partitionOverwriteMode': 'static' },
    });

    expect(args.slice(0, 3)).toEqual(['spark-submit', '--master', 'local[2]']);
    expect(args).not.toContain('--deploy-mode');
    expect(args).toContain('spark.ui.enabled=false');
    expect(args).toContain('spark.sql.sources.partitionOverwriteMode=dynamic');
    expect(args).not.toContain('spark.sql.sources.partitionOverwriteMode=static');
  });

  it('passes a stored spec by URI when given, and refuses an inline spec too long for an EMR argument', () => {
    const longSpec = {
      ...spec,
      specKey: undefined,
      days: Array.from({ length: 400 }, () => '2024-03-05'),
      rawDays: Array.from({ length: 400 }, () => '2024-03-05'),
    };

    expect(() => sparkSubmitArgs({ ...base, spec: longSpec })).toThrow(/over the 10280 an EMR step argument may hold/);
    const args = sparkSubmitArgs({ ...base, spec: longSpec, specUri: 's3://lake-bucket/_plans/exec-1/g.json' });
    expect(args[args.indexOf('--spec') + 1]).toBe('s3://lake-bucket/_plans/exec-1/g.json');
  });

  it('passes a long spec by the key LaunchStep stored it under', () => {
    const longSpec = {
      ...spec,
      specKey: '_runs/exec-1/steps/g.spec.json',
      days: Array.from({ length: 1000 }, () => '2024-03-05'),
    };

    const args = sparkSubmitArgs({ ...base, spec: longSpec });

    expect(args[args.indexOf('--spec') + 1]).toBe('s3://lake-bucket/_runs/exec-1/steps/g.spec.json');
  });

  it('names the bad input: lake root without a scheme or trailing slash, unknown dataset', () => {
    expect(() => sparkSubmitArgs({ ...base, lakeRoot: '/tmp/lake/' })).toThrow(
      expect.objectContaining({ name: 'InputError', field: 'lakeRoot' }),
    );
    expect(() => sparkSubmitArgs({ ...base, lakeRoot: 's3://bucket' })).toThrow(/ending in "\/"/);
    expect(() => sparkSubmitArgs({ ...base, spec: { ...spec, dataset: 'nope' } })).toThrow(
      expect.objectContaining({ name: 'ConfigError' }),
    );
  });

  it('passes an aggregate config (no raw source) as --dataset when the spec names an aggregate', () => {
    const config = loadConfig();
    const aggregate = {
      name: 'downloads_daily',
      table: 'downloads_daily',
      stage: 'spark/sql/downloads_daily.sql',
      period: 'day' as const,
      reads: [{ table: 'access_records', fromDays: -1, toDays: 0 }],
      output: { record_date: 'date' as const },
      checks: { schema: true, notNull: [], unique: [], accepted: {}, pattern: {}, warnOnly: [] },
      metrics: {},
      partitionLayout: 'ymd' as const,
    };
    const aggSpec = {
      ...spec,
      dataset: 'downloads_daily',
      rawDays: [],
      reads: [{ table: 'access_records', from: '2024-03-04', to: '2024-03-06' }],
    };

    const args = sparkSubmitArgs({
      ...base,
      spec: aggSpec,
      config: { ...config, aggregates: { downloads_daily: aggregate } },
    });

    const passed = JSON.parse(args[args.indexOf('--dataset') + 1]);
    expect(passed).toEqual(aggregate);
    expect(passed).not.toHaveProperty('raw');
  });

  it('ships exactly the modules in spark/jobs/ besides the driver', () => {
    const onDisk = readdirSync(resolve(__dirname, '../../../spark/jobs')).filter(
      (f) => f.endsWith('.py') && f !== 'lakestep_driver.py',
    );

    expect([...DRIVER_MODULES].sort()).toEqual(onDisk.sort());
  });

  it('keeps the conf the driver pins (spark/jobs/lakestep_session.py) in step with REQUIRED_SPARK_CONF', () => {
    const session = readFileSync(resolve(__dirname, '../../../spark/jobs/lakestep_session.py'), 'utf8');

    for (const [key, value] of Object.entries(REQUIRED_SPARK_CONF)) expect(session).toContain(`"${key}": "${value}"`);
  });
});
