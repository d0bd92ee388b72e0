import { loadConfig } from '../../../src/config/config';
import { fillRejectThresholdMessage, percentText } from '../../../src/core/errors';
import { rawReadSql } from '../../../src/core/rawSql';
import type { Plan, StepSpec } from '../../../src/core/types';
import { launchStep } from '../../../src/pipeline/steps';

const NOW = Date.UTC(2024, 2, 5, 10, 0, 0);

/** An in-memory object store and a step runner that keeps what it is given. */
function fakePorts(plan: Plan) {
  const objects = new Map<string, unknown>([['_runs/e1/plan.json', plan]]);
  const submitted: StepSpec[] = [];
  return {
    objects,
    submitted,
    ports: {
      store: {
        getJson: async (key: string) => objects.get(key),
        putJson: async (key: string, value: unknown) => void objects.set(key, value),
      },
      steps: {
        submit: async (spec: StepSpec) => (submitted.push(spec), { stepId: 's-1' }),
        describe: async () => ({ stepId: 's-1', state: 'COMPLETED' as const }),
      },
      clock: { nowMs: () => NOW },
    } as unknown as Parameters<typeof launchStep>[0],
  };
}

const plan: Plan = {
  executionId: 'arn:aws:states:us-east-1:1:execution:lakestep:e1',
  createdAtMs: 0,
  days: [],
  groups: [
    {
      groupId: 'g1',
      dataset: 'access_records',
      phase: 0,
      period: 'day',
      days: ['2024-03-01', '2024-03-02'],
      rawDays: ['2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03'],
      reads: [],
    },
  ],
  rawPartitions: [],
  removedRawDays: [],
  stageVersions: { access_records: 'v1' },
};

describe('launchStep', () => {
  it('gives the engine the generated Spark SQL, every prefix and the reject message, and stores the spec under its key', async () => {
    const { ports, objects, submitted } = fakePorts(plan);
    const config = loadConfig();

    await launchStep(ports, '_runs/e1/plan.json', 'g1', config);

    const [spec] = submitted;
    expect(spec.raw).toMatchObject({
      prefix: 'raw/access_records/',
      format: 'json',
      maxRecordBytes: 64 * 1024 * 1024,
      sql: rawReadSql(config.datasets.access_records, 'spark'),
    });
    expect(spec.keys).toEqual({
      processed: 'processed/access_records/',
      rejected: 'rejected/access_records/',
      quarantine: '_runs/e1/rejected/access_records/',
      staging: '_staging/e1/g1/',
      partitions: {
        processed: {
          layout: 'ymd',
          columns: ['year', 'month', 'day'],
          paths: { '2024-03-01': 'year=2024/month=03/day=01', '2024-03-02': 'year=2024/month=03/day=02' },
        },
        rejected: {
          layout: 'ymd',
          columns: ['year', 'month', 'day'],
          paths: { '2024-03-01': 'year=2024/month=03/day=01', '2024-03-02': 'year=2024/month=03/day=02' },
        },
      },
    });
    expect(spec.sampleRows).toBe(5);
    expect(fillRejectThresholdMessage(spec.rejectThreshold!.message, 9, 18)).toBe(
      'access_records 2024-03-01…2024-03-02: 9 of 18 records rejected (50.0 %), over the 5.0 % threshold; ' +
        'nothing was published; the quarantined records (raw text and reasons) are in _runs/e1/rejected/access_records/',
    );
    expect(objects.get('_runs/e1/steps/g1.spec.json')).toEqual(spec);
  });

  it("gives the step its deadline: stepTimeoutMinutes after launch, a table's own value first", async () => {
    const { ports } = fakePorts(plan);
    const config = loadConfig();
    const own = {
      ...config,
      datasets: { ...config.datasets, access_records: { ...config.datasets.access_records, stepTimeoutMinutes: 45 } },
    };

    const launched = await launchStep(ports, '_runs/e1/plan.json', 'g1', config);
    const launchedOwn = await launchStep(ports, '_runs/e1/plan.json', 'g1', own);

    expect(config.stepTimeoutMinutes).toBe(120);
    expect([launched.launchedAtMs, launched.deadlineMs]).toEqual([NOW, NOW + 120 * 60_000]);
    expect(launchedOwn.deadlineMs).toBe(NOW + 45 * 60_000);
  });

  it("names each day's folder in the layout of the table written and of each table read", async () => {
    const config = loadConfig();
    const dated = {
      ...config,
      aggregates: {
        ...config.aggregates,
        client_share_4w: { ...config.aggregates.client_share_4w, partitionLayout: 'date' as const },
      },
      datasets: {
        ...config.datasets,
        access_records: { ...config.datasets.access_records, partitionLayout: 'date' as const },
      },
    };
    const weekly: Plan = {
      ...plan,
      groups: [
        {
          groupId: 'g2',
          dataset: 'client_share_4w',
          phase: 1,
          period: 'week',
          days: ['2024-03-04'],
          rawDays: [],
          reads: [{ table: 'access_records', from: '2024-02-12', to: '2024-03-10' }],
        },
      ],
      stageVersions: { client_share_4w: 'v1' },
    };
    const { ports, submitted } = fakePorts(weekly);

    await launchStep(ports, '_runs/e1/plan.json', 'g2', dated);

    const [spec] = submitted;
    expect(spec.keys?.partitions).toEqual({
      processed: { layout: 'date', columns: ['record_date'], paths: { '2024-03-04': 'record_date=2024-03-04' } },
    });
    const [read] = spec.reads;
    expect(read.partitions?.columns).toEqual(['record_date']);
    expect(Object.keys(read.partitions!.paths)).toHaveLength(28);
    expect(read.partitions?.paths['2024-02-29']).toBe('record_date=2024-02-29');
    expect(read.columns).toEqual(config.datasets.access_records.output);
  });
});

describe('percentText', () => {
  it.each([
    [1, 8, '12.5'],
    [1, 3, '33.3'],
    [2, 3, '66.7'],
    [1, 16, '6.3'], // 6.25 rounds half up
    [0, 0, '0.0'],
    [5, 5, '100.0'],
  ])('%i of %i is %s %%', (part, whole, text) => {
    expect(percentText(part, whole)).toBe(text);
  });
});
